#include "eval/feature_figures.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/content_hash.h"
#include "base/file_bytes.h"

namespace gan::eval {

namespace {

// The classifier's outputs as a file: rows, feature_dim and classes as three
// int64, then the features and the probabilities as float32, native byte order.
std::string SerializeOutputs(const Classifier::Outputs& outputs) {
  const int64_t header[3] = {outputs.rows, outputs.feature_dim, outputs.classes};
  std::string bytes(reinterpret_cast<const char*>(header), sizeof(header));
  bytes.append(reinterpret_cast<const char*>(outputs.features.data()), outputs.features.size() * sizeof(float));
  bytes.append(reinterpret_cast<const char*>(outputs.probabilities.data()), outputs.probabilities.size() * sizeof(float));
  return bytes;
}

// What SerializeOutputs wrote, if it is of that shape; else nullopt.
std::optional<Classifier::Outputs> ParseOutputs(const std::string& bytes, int64_t rows, int64_t feature_dim, int64_t classes) {
  const int64_t header[3] = {rows, feature_dim, classes};
  const size_t features = rows * feature_dim * sizeof(float), probabilities = rows * classes * sizeof(float);
  if (bytes.size() != sizeof(header) + features + probabilities || bytes.compare(0, sizeof(header), reinterpret_cast<const char*>(header), sizeof(header)) != 0) {
    return std::nullopt;
  }
  Classifier::Outputs outputs{rows, feature_dim, classes, std::vector<float>(rows * feature_dim), std::vector<float>(rows * classes)};
  std::memcpy(outputs.features.data(), bytes.data() + sizeof(header), features);
  std::memcpy(outputs.probabilities.data(), bytes.data() + sizeof(header) + features, probabilities);
  return outputs;
}

// The classifier's outputs on the test split, from `cache_dir` when it holds them.
Classifier::Outputs TestOutputs(Classifier& classifier, const std::string& key, const data::Dataset& test, const std::string& cache_dir) {
  if (cache_dir.empty()) return classifier.Run(test.pixels.data(), test.rows());
  uint64_t hash = base::Fnv1a(key.data(), key.size());
  hash = base::Fnv1a(test.pixels.data(), test.pixels.size() * sizeof(float), hash);
  const std::string path = absl::StrFormat("%s/test_outputs_%016x.bin", cache_dir, hash);
  if (absl::StatusOr<std::string> bytes = base::ReadFileBytes(path); bytes.ok()) {
    if (std::optional<Classifier::Outputs> outputs = ParseOutputs(*bytes, test.rows(), classifier.feature_dim(), classifier.classes())) {
      return *std::move(outputs);
    }
  }
  Classifier::Outputs outputs = classifier.Run(test.pixels.data(), test.rows());
  absl::Status s = base::MakeDirs(cache_dir);
  if (s.ok()) s = base::WriteFileAtomically(path, SerializeOutputs(outputs));
  if (!s.ok()) std::fprintf(stderr, "note: the classifier's test outputs not cached: %s\n", std::string(s.message()).c_str());
  return outputs;
}

}  // namespace

FeatureFigures::FeatureFigures(Classifier& classifier, const std::string& key, const data::Splits& splits,
                               const std::string& cache_dir)
    : key_(key),
      classifier_(classifier),
      shape_(splits.test.shape),
      test_(TestOutputs(classifier, key, splits.test, cache_dir)),
      test_moments_(FitGaussian(test_.features.data(), test_.rows, test_.feature_dim)),
      test_radii_(KthNeighbourSquaredDistances(test_.features.data(), test_.rows, test_.feature_dim, kNeighbours)),
      data_shares_(LabelShares(splits.train.labels, classifier.classes())) {
  const auto [low, high] = std::minmax_element(splits.test.pixels.begin(), splits.test.pixels.end());
  dynamic_range_ = std::max(*high - *low, 1e-6f);
}

std::vector<NamedFigure> FeatureFigures::Score(const float* images, int64_t n) {
  const Classifier::Outputs outputs = classifier_.Run(images, n);
  const PrecisionRecall pr =
      KnnPrecisionRecall(test_.features.data(), test_radii_, test_.rows, outputs.features.data(), n, outputs.feature_dim, kNeighbours);
  const ClassCoverage coverage = CompareLabelHistograms(outputs.probabilities.data(), n, outputs.classes, data_shares_);
  return {
      {"frechet_distance", FrechetDistance(FitGaussian(outputs.features.data(), n, outputs.feature_dim), test_moments_)},
      {"precision", pr.precision},
      {"recall", pr.recall},
      {"inception_score", InceptionScore(outputs.probabilities.data(), n, outputs.classes)},
      {"classes_covered", static_cast<double>(coverage.classes_covered)},
      {"label_kl", coverage.kl_from_data},
      {"ms_ssim", MeanPairwiseMsSsim(images, n, shape_, dynamic_range_, kMsSsimPairs, 1)},
  };
}

RowFigureSource FeatureFigures::Source() {
  return {absl::StrCat("feature figures v1 of ", key_), [this](const float* images, int64_t n) { return Score(images, n); }};
}

}  // namespace gan::eval
