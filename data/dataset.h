#ifndef DATA_DATASET_H_
#define DATA_DATASET_H_

// What the trainer and the evaluator consume: an N x D float32 matrix of images
// scaled to [0, 1], one row per image, with its labels, image shape and split.

#include <cstdint>
#include <string>
#include <vector>

#include "base/random.h"

namespace gan::data {

enum class Split { kTrain, kValid, kTest, kUnlabeled };
const char* SplitName(Split split);

// Rows hold channel planes one after another, each row-major: the layout a
// generator's output uses (C x H x W).
struct ImageShape {
  int64_t channels = 1, height = 0, width = 0;
  int64_t size() const { return channels * height * width; }
};

struct Dataset {
  std::string name;  // e.g. "mnist"
  Split split = Split::kTrain;
  ImageShape shape;
  std::vector<float> pixels;    // [rows, shape.size()], each in [0, 1]
  std::vector<int32_t> labels;  // [rows]; -1 where an example has none

  int64_t rows() const { return static_cast<int64_t>(labels.size()); }
  int64_t dim() const { return shape.size(); }
  const float* Row(int64_t i) const { return pixels.data() + i * dim(); }
  // Rows [begin, end) as a new dataset of the given split.
  Dataset Slice(int64_t begin, int64_t end, Split split) const;
  // The rows labelled `label`, in order, as a new dataset of the same split;
  // `indices`, when given, receives their row numbers here.
  Dataset RowsOfClass(int32_t label, std::vector<int64_t>* indices = nullptr) const;
  // `per_class` rows of each class 0 .. classes - 1, drawn without
  // replacement from Rng(seed), class 0's first, as a new dataset of the same
  // split (the few labelled images of semi-supervised learning); `indices`,
  // when given, receives their row numbers here. Empty if a class has fewer
  // than per_class rows (say so before calling: ClassCounts).
  Dataset BalancedSubset(int64_t per_class, int32_t classes, uint64_t seed, std::vector<int64_t>* indices = nullptr) const;
  // The rows of each class 0 .. classes - 1.
  std::vector<int64_t> ClassCounts(int32_t classes) const;
  // The mean of each pixel over all rows (e.g. for the generator's output bias).
  std::vector<float> PixelMean() const;
};

// Shuffled minibatches of a dataset, epoch after epoch: each epoch is a fresh
// permutation from the seeded generator, cut into rows / batch full batches
// (the remainder of a permutation is not used, so every batch has one shape).
// Next() gathers one batch into a buffer it owns; nothing else is copied.
class Batcher {
 public:
  // `dataset` must outlive the batcher; 0 < batch <= dataset.rows(). With
  // one_hot_classes > 0 each row is followed by its label as that many
  // one-hot columns (every label must be in [0, one_hot_classes)).
  Batcher(const Dataset& dataset, int64_t batch, uint64_t seed, int64_t one_hot_classes = 0);

  const float* Next();  // [batch, dim (+ one_hot_classes)], valid until the next call
  // The dataset's row indices [batch] of the batch Next() last returned (e.g.
  // to gather its labels); valid until the next call.
  const int64_t* last_rows() const { return order_.data() + (position_ - 1) * batch_; }
  int64_t batches_per_epoch() const { return static_cast<int64_t>(order_.size()) / batch_; }
  int64_t epoch() const { return epoch_; }          // epochs completed
  int64_t position() const { return position_; }   // batches taken in this epoch

  // For checkpoints: the generator's state and the place in the epoch.
  struct State {
    Rng::State rng;
    int64_t epoch = 0, position = 0;
    std::vector<int64_t> order;
  };
  State state() const { return {rng_.state(), epoch_, position_, order_}; }
  void set_state(const State& state);

 private:
  void Shuffle();

  const Dataset& dataset_;
  int64_t batch_;
  Rng rng_;
  std::vector<int64_t> order_;
  int64_t one_hot_classes_;
  int64_t epoch_ = 0, position_ = 0;
  std::vector<float> buffer_;
};

}  // namespace gan::data

#endif  // DATA_DATASET_H_
