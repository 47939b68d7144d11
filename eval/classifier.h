#ifndef EVAL_CLASSIFIER_H_
#define EVAL_CLASSIFIER_H_

// A classifier of a data set's labels, trained in this framework from a
// ClassifierExperiment (gan/spec/experiment.proto): a net whose last layer gives
// one logit per class, trained by minibatch descent on the softmax
// cross-entropy. The evaluation's figures (eval/sample_metrics.h) read two
// things of it: the last layer's input as a feature space, and the softmax as
// the label distribution p(y|x).
//
// Saved as a checkpoint (base/checkpoint.h) holding the experiment's text and
// the net's parameters, one record each, written and read by one schema.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data/dataset.h"
#include "base/checkpoint.h"
#include "gan/spec/experiment.pb.h"
#include "gan/nets/mlp.h"

namespace gan::eval {

class Classifier {
 public:
  // The net of a valid `experiment` (ValidateClassifierExperiment) on images
  // of `image`, initialised from the experiment's seed. Errors name the layer.
  static absl::StatusOr<std::unique_ptr<Classifier>> Create(const proto::ClassifierExperiment& experiment,
                                                            const data::ImageShape& image);
  // A classifier Save wrote. Errors name the file: missing, corrupt, not a
  // classifier, or parameters that do not fit its experiment.
  static absl::StatusOr<std::unique_ptr<Classifier>> Load(const std::string& path);
  // Writes the experiment and the parameters to `path` atomically.
  absl::Status Save(const std::string& path);

  // Trains for the experiment's epochs on `train` (every row labelled in
  // [0, classes)), in shuffled minibatches drawn with the experiment's seed.
  // After each epoch calls after_epoch(epoch, mean training loss of the
  // epoch). Stops with an error naming the epoch on a non-finite loss.
  absl::Status Train(const data::Dataset& train, const std::function<void(int64_t epoch, double loss)>& after_epoch);

  // What the classifier makes of `rows` images [rows, image size], in
  // inference mode (no dropout).
  struct Outputs {
    int64_t rows = 0, feature_dim = 0, classes = 0;
    std::vector<float> features;       // [rows, feature_dim]: the last layer's input
    std::vector<float> probabilities;  // [rows, classes]: softmax of the logits
  };
  Outputs Run(const float* images, int64_t rows);

  // The most probable class of each of `rows` images (Run's argmax; the
  // first class on ties).
  std::vector<int64_t> Labels(const float* images, int64_t rows);

  // The share of `data`'s rows whose most probable class is their label.
  double Accuracy(const data::Dataset& data);

  // A hash of every parameter's bits, as 16 hex digits: names these weights
  // in cache keys (two trainings of one recipe on different processors or
  // thread counts give different weights).
  std::string WeightsKey();

  const proto::ClassifierExperiment& experiment() const { return experiment_; }
  int64_t classes() const { return experiment_.classes(); }
  int64_t feature_dim() const;
  Mlp& net() { return *net_; }

 private:
  Classifier(const proto::ClassifierExperiment& experiment, std::unique_ptr<Mlp> net);
  CheckpointSchema Schema();

  proto::ClassifierExperiment experiment_;
  std::unique_ptr<Mlp> net_;
};

}  // namespace gan::eval

#endif  // EVAL_CLASSIFIER_H_
