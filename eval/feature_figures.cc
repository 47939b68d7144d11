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

// The classifier's outputs on the test split, and each test image's squared
// distance to its kNeighbours-th neighbour in feature space (the balls of
// precision), which cost as much again as the outputs to compute.
struct TestFeatures {
  Classifier::Outputs outputs;
  std::vector<float> radii;
};

// TestFeatures as a file: rows, feature_dim, classes and the neighbours'
// k as four int64, then the features, the probabilities and the radii as
// float32, native byte order.
std::string SerializeTestFeatures(const TestFeatures& test) {
  const Classifier::Outputs& outputs = test.outputs;
  const int64_t header[4] = {outputs.rows, outputs.feature_dim, outputs.classes, FeatureFigures::kNeighbours};
  std::string bytes(reinterpret_cast<const char*>(header), sizeof(header));
  bytes.append(reinterpret_cast<const char*>(outputs.features.data()), outputs.features.size() * sizeof(float));
  bytes.append(reinterpret_cast<const char*>(outputs.probabilities.data()), outputs.probabilities.size() * sizeof(float));
  bytes.append(reinterpret_cast<const char*>(test.radii.data()), test.radii.size() * sizeof(float));
  return bytes;
}

// What SerializeTestFeatures wrote, if it is of that shape; else nullopt.
std::optional<TestFeatures> ParseTestFeatures(const std::string& bytes, int64_t rows, int64_t feature_dim, int64_t classes) {
  const int64_t header[4] = {rows, feature_dim, classes, FeatureFigures::kNeighbours};
  const size_t features = rows * feature_dim * sizeof(float), probabilities = rows * classes * sizeof(float), radii = rows * sizeof(float);
  if (bytes.size() != sizeof(header) + features + probabilities + radii ||
      bytes.compare(0, sizeof(header), reinterpret_cast<const char*>(header), sizeof(header)) != 0) {
    return std::nullopt;
  }
  TestFeatures test{{rows, feature_dim, classes, std::vector<float>(rows * feature_dim), std::vector<float>(rows * classes)},
                    std::vector<float>(rows)};
  const char* at = bytes.data() + sizeof(header);
  std::memcpy(test.outputs.features.data(), at, features);
  std::memcpy(test.outputs.probabilities.data(), at + features, probabilities);
  std::memcpy(test.radii.data(), at + features + probabilities, radii);
  return test;
}

TestFeatures ComputeTestFeatures(Classifier& classifier, const data::Dataset& test) {
  TestFeatures computed{classifier.Run(test.pixels.data(), test.rows()), {}};
  const Classifier::Outputs& outputs = computed.outputs;
  computed.radii = KthNeighbourSquaredDistances(outputs.features.data(), outputs.rows, outputs.feature_dim, FeatureFigures::kNeighbours);
  return computed;
}

// The test split's TestFeatures, from `cache_dir` when it holds them.
TestFeatures FindTestFeatures(Classifier& classifier, const std::string& key, const data::Dataset& test, const std::string& cache_dir) {
  if (cache_dir.empty()) return ComputeTestFeatures(classifier, test);
  uint64_t hash = base::Fnv1a(key.data(), key.size());
  hash = base::Fnv1a(test.pixels.data(), test.pixels.size() * sizeof(float), hash);
  const std::string path = absl::StrFormat("%s/test_features_%016x.bin", cache_dir, hash);
  if (absl::StatusOr<std::string> bytes = base::ReadFileBytes(path); bytes.ok()) {
    if (std::optional<TestFeatures> read = ParseTestFeatures(*bytes, test.rows(), classifier.feature_dim(), classifier.classes())) {
      return *std::move(read);
    }
  }
  TestFeatures computed = ComputeTestFeatures(classifier, test);
  absl::Status s = base::MakeDirs(cache_dir);
  if (s.ok()) s = base::WriteFileAtomically(path, SerializeTestFeatures(computed));
  if (!s.ok()) std::fprintf(stderr, "note: the classifier's test outputs not cached: %s\n", std::string(s.message()).c_str());
  return computed;
}

}  // namespace

FeatureFigures::FeatureFigures(Classifier& classifier, const std::string& key, const data::Splits& splits,
                               const std::string& cache_dir)
    : key_(key), classifier_(classifier), shape_(splits.test.shape), data_shares_(LabelShares(splits.train.labels, classifier.classes())) {
  TestFeatures test = FindTestFeatures(classifier, key, splits.test, cache_dir);
  test_ = std::move(test.outputs);
  test_radii_ = std::move(test.radii);
  test_moments_ = FitGaussian(test_.features.data(), test_.rows, test_.feature_dim);
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
