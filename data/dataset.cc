#include "data/dataset.h"

#include <algorithm>
#include <numeric>

namespace gan::data {

const char* SplitName(Split split) {
  switch (split) {
    case Split::kTrain: return "train";
    case Split::kValid: return "valid";
    case Split::kTest: return "test";
    case Split::kUnlabeled: return "unlabeled";
  }
  return "unknown";
}

Dataset Dataset::Slice(int64_t begin, int64_t end, Split new_split) const {
  Dataset slice;
  slice.name = name;
  slice.split = new_split;
  slice.shape = shape;
  slice.pixels.assign(pixels.begin() + begin * dim(), pixels.begin() + end * dim());
  slice.labels.assign(labels.begin() + begin, labels.begin() + end);
  return slice;
}

Dataset Dataset::RowsOfClass(int32_t label, std::vector<int64_t>* indices) const {
  Dataset subset;
  subset.name = name;
  subset.split = split;
  subset.shape = shape;
  for (int64_t i = 0; i < rows(); ++i) {
    if (labels[i] != label) continue;
    subset.pixels.insert(subset.pixels.end(), Row(i), Row(i) + dim());
    subset.labels.push_back(label);
    if (indices != nullptr) indices->push_back(i);
  }
  return subset;
}

Dataset Dataset::BalancedSubset(int64_t per_class, int32_t classes, uint64_t seed, std::vector<int64_t>* indices) const {
  Dataset subset;
  subset.name = name;
  subset.split = split;
  subset.shape = shape;
  Rng rng(seed);
  std::vector<int64_t> chosen;
  for (int32_t label = 0; label < classes; ++label) {
    std::vector<int64_t> of_class;
    RowsOfClass(label, &of_class);
    if (static_cast<int64_t>(of_class.size()) < per_class) return Dataset{name, split, shape, {}, {}};
    for (int64_t k : rng.DistinctBelow(static_cast<int64_t>(of_class.size()), per_class)) chosen.push_back(of_class[k]);
  }
  for (int64_t i : chosen) {
    subset.pixels.insert(subset.pixels.end(), Row(i), Row(i) + dim());
    subset.labels.push_back(labels[i]);
  }
  if (indices != nullptr) *indices = std::move(chosen);
  return subset;
}

std::vector<int64_t> Dataset::ClassCounts(int32_t classes) const {
  std::vector<int64_t> counts(classes, 0);
  for (int32_t label : labels) {
    if (label >= 0 && label < classes) ++counts[label];
  }
  return counts;
}

std::vector<float> Dataset::PixelMean() const {
  std::vector<double> sum(dim(), 0.0);
  for (int64_t r = 0; r < rows(); ++r) {
    const float* row = Row(r);
    for (int64_t i = 0; i < dim(); ++i) sum[i] += row[i];
  }
  std::vector<float> mean(dim());
  for (int64_t i = 0; i < dim(); ++i) mean[i] = rows() ? static_cast<float>(sum[i] / rows()) : 0.0f;
  return mean;
}

Batcher::Batcher(const Dataset& dataset, int64_t batch, uint64_t seed, int64_t one_hot_classes)
    : dataset_(dataset), batch_(batch), rng_(seed), order_(dataset.rows()), one_hot_classes_(one_hot_classes),
      buffer_(batch * (dataset.dim() + one_hot_classes)) {
  Shuffle();
}

void Batcher::Shuffle() {
  std::iota(order_.begin(), order_.end(), 0);
  // Fisher-Yates with our own generator, so the order is the same everywhere.
  for (int64_t i = static_cast<int64_t>(order_.size()) - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(rng_.NextU64() % static_cast<uint64_t>(i + 1));
    std::swap(order_[i], order_[j]);
  }
}

const float* Batcher::Next() {
  if (position_ == batches_per_epoch()) {
    ++epoch_;
    position_ = 0;
    Shuffle();
  }
  const int64_t dim = dataset_.dim(), width = dim + one_hot_classes_;
  for (int64_t b = 0; b < batch_; ++b) {
    const int64_t index = order_[position_ * batch_ + b];
    const float* row = dataset_.Row(index);
    float* out = buffer_.data() + b * width;
    std::copy(row, row + dim, out);
    if (one_hot_classes_ > 0) {
      std::fill(out + dim, out + width, 0.0f);
      out[dim + dataset_.labels[index]] = 1.0f;
    }
  }
  ++position_;
  return buffer_.data();
}

void Batcher::set_state(const State& state) {
  rng_.set_state(state.rng);
  epoch_ = state.epoch;
  position_ = state.position;
  order_ = state.order;
}

}  // namespace gan::data
