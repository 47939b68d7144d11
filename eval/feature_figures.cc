#include "eval/feature_figures.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace gan::eval {

FeatureFigures::FeatureFigures(Classifier& classifier, const data::Splits& splits)
    : classifier_(classifier),
      shape_(splits.test.shape),
      test_(classifier.Run(splits.test.pixels.data(), splits.test.rows())),
      test_moments_(FitGaussian(test_.features.data(), test_.rows, test_.feature_dim)),
      data_shares_(LabelShares(splits.train.labels, classifier.classes())) {
  const auto [low, high] = std::minmax_element(splits.test.pixels.begin(), splits.test.pixels.end());
  dynamic_range_ = std::max(*high - *low, 1e-6f);
}

std::vector<NamedFigure> FeatureFigures::Score(const float* images, int64_t n) {
  const Classifier::Outputs outputs = classifier_.Run(images, n);
  const PrecisionRecall pr = KnnPrecisionRecall(test_.features.data(), test_.rows, outputs.features.data(), n, outputs.feature_dim, kNeighbours);
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

RowFigureSource FeatureFigures::Source(const std::string& key) {
  return {absl::StrCat("feature figures v1 of ", key), [this](const float* images, int64_t n) { return Score(images, n); }};
}

}  // namespace gan::eval
