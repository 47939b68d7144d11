#ifndef EVAL_DATA_CLASSIFIER_H_
#define EVAL_DATA_CLASSIFIER_H_

// The classifier of a data set that the feature-space figures stand on
// (eval/sample_metrics.h): experiments/<data set>_classifier.pbtxt, trained
// once per machine and kept in the per-user cache, in a file named by a hash
// of the experiment and of the training split it learns from, so a changed
// recipe or data set trains a new one and nothing stale is ever read.

#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "data/mnist.h"
#include "eval/classifier.h"
#include "gan/spec/experiment.pb.h"

namespace gan::eval {

// Where classifiers are cached: UserCacheDir("classifiers").
std::string ClassifierCacheDir();

// The file in `cache_dir` for `experiment` trained on its training rows of
// `splits` (the first data.max_train_examples, or all), hashed in place.
std::string ClassifierCachePath(const proto::ClassifierExperiment& experiment, const data::Splits& splits,
                                const std::string& cache_dir);

// Trains `experiment` on its training rows of `splits`, writing a line per
// epoch (mean loss, validation accuracy) to `log`, then its test accuracy.
absl::StatusOr<std::unique_ptr<Classifier>> TrainClassifier(const proto::ClassifierExperiment& experiment,
                                                            const data::Splits& splits, std::FILE* log);

// A classifier and the cache file that names it (ClassifierCachePath),
// whether or not the file could be written.
struct CachedClassifier {
  std::unique_ptr<Classifier> classifier;
  std::string path;
};

// The cached classifier of `experiment` on `splits` when `cache_dir` holds it;
// else trains it (TrainClassifier, saying so on `log` first) and caches it.
// A cache that cannot be written costs a note on `log`, not the result.
absl::StatusOr<CachedClassifier> FindOrTrainClassifier(const proto::ClassifierExperiment& experiment, const data::Splits& splits,
                                                       const std::string& cache_dir, std::FILE* log);

}  // namespace gan::eval

#endif  // EVAL_DATA_CLASSIFIER_H_
