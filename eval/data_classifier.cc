#include "eval/data_classifier.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/content_hash.h"
#include "base/file_bytes.h"
#include "data/data_dir.h"
#include "google/protobuf/text_format.h"

namespace gan::eval {

std::string ClassifierCacheDir() { return data::UserCacheDir("classifiers"); }

namespace {

// How many of the training split's first rows the experiment learns from.
int64_t TrainingRowCount(const proto::ClassifierExperiment& experiment, const data::Splits& splits) {
  const int64_t n = experiment.data().max_train_examples();
  return n > 0 && n < splits.train.rows() ? n : splits.train.rows();
}

// The experiment's training rows of `splits`.
data::Dataset ClassifierTrainingRows(const proto::ClassifierExperiment& experiment, const data::Splits& splits) {
  const int64_t n = TrainingRowCount(experiment, splits);
  return n < splits.train.rows() ? splits.train.Slice(0, n, data::Split::kTrain) : splits.train;
}

}  // namespace

std::string ClassifierCachePath(const proto::ClassifierExperiment& experiment, const data::Splits& splits,
                                const std::string& cache_dir) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(experiment, &text);
  uint64_t hash = base::Fnv1a("classifier v1", 13);
  hash = base::Fnv1a(text.data(), text.size(), hash);
  const data::Dataset& train = splits.train;
  const int64_t shape[2] = {TrainingRowCount(experiment, splits), train.dim()};
  hash = base::Fnv1a(shape, sizeof(shape), hash);
  hash = base::Fnv1a(train.pixels.data(), shape[0] * shape[1] * sizeof(float), hash);
  hash = base::Fnv1a(train.labels.data(), shape[0] * sizeof(int32_t), hash);
  return absl::StrFormat("%s/%s-%016x.classifier", cache_dir, experiment.name(), hash);
}

absl::StatusOr<std::unique_ptr<Classifier>> TrainClassifier(const proto::ClassifierExperiment& experiment,
                                                            const data::Splits& splits, std::FILE* log) {
  const data::Dataset train = ClassifierTrainingRows(experiment, splits);
  absl::StatusOr<std::unique_ptr<Classifier>> classifier = Classifier::Create(experiment, train.shape);
  if (!classifier.ok()) return classifier.status();
  const auto start = std::chrono::steady_clock::now();
  absl::Status trained = (*classifier)->Train(train, [&](int64_t epoch, double loss) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string line = absl::StrFormat("%s epoch %d of %d: loss %.4f", experiment.name(), epoch, experiment.epochs(), loss);
    if (splits.valid.rows() > 0) absl::StrAppendFormat(&line, ", validation accuracy %.2f %%", 100 * (*classifier)->Accuracy(splits.valid));
    absl::StrAppendFormat(&line, " (%.0f s)\n", seconds);
    std::fputs(line.c_str(), log);
    std::fflush(log);
  });
  if (!trained.ok()) return trained;
  if (splits.test.rows() > 0) {
    std::fprintf(log, "%s: test accuracy %.2f %% on %lld images\n", experiment.name().c_str(),
                 100 * (*classifier)->Accuracy(splits.test), static_cast<long long>(splits.test.rows()));
  }
  return classifier;
}

absl::StatusOr<CachedClassifier> FindOrTrainClassifier(const proto::ClassifierExperiment& experiment, const data::Splits& splits,
                                                       const std::string& cache_dir, std::FILE* log) {
  const std::string path = ClassifierCachePath(experiment, splits, cache_dir);
  absl::StatusOr<std::unique_ptr<Classifier>> cached = Classifier::Load(path);
  if (cached.ok()) return CachedClassifier{*std::move(cached), path};
  if (cached.status().code() == absl::StatusCode::kNotFound) {
    std::fprintf(log, "%s: not in the cache (%s); training it once\n", experiment.name().c_str(), path.c_str());
  } else {
    std::fprintf(log, "%s: the cached copy is unreadable (%s); training it again\n", experiment.name().c_str(),
                 std::string(cached.status().message()).c_str());
  }
  absl::StatusOr<std::unique_ptr<Classifier>> classifier = TrainClassifier(experiment, splits, log);
  if (!classifier.ok()) return classifier.status();
  absl::Status saved = base::MakeDirs(cache_dir);
  if (saved.ok()) saved = (*classifier)->Save(path);
  if (!saved.ok()) std::fprintf(log, "note: classifier not cached: %s\n", std::string(saved.message()).c_str());
  return CachedClassifier{*std::move(classifier), path};
}

}  // namespace gan::eval
