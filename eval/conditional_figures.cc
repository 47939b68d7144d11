#include "eval/conditional_figures.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "eval/feature_figures.h"
#include "eval/figures.h"

namespace gan::eval {
namespace {

// The samples of class `label`, in order.
std::vector<float> SamplesOfClass(const float* samples, const std::vector<int32_t>& labels, int64_t dim, int32_t label) {
  std::vector<float> chosen;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == label) chosen.insert(chosen.end(), samples + i * dim, samples + (i + 1) * dim);
  }
  return chosen;
}

}  // namespace

absl::StatusOr<ClassScores> ScoreClasses(const float* samples, const std::vector<int32_t>& labels, int64_t classes,
                                         const data::Splits& splits, int64_t sigma_images, Classifier* classifier) {
  const int64_t dim = splits.test.dim();
  ClassScores scores;
  // The classifier's label of every sample, from one pass over them all.
  std::vector<int64_t> predicted;
  if (classifier != nullptr) predicted = classifier->Labels(samples, static_cast<int64_t>(labels.size()));
  int64_t right = 0;
  for (int32_t c = 0; c < classes; ++c) {
    const std::vector<float> chosen = SamplesOfClass(samples, labels, dim, c);
    const int64_t n = static_cast<int64_t>(chosen.size()) / dim;
    if (n == 0) continue;
    const data::Splits of_class{splits.train.RowsOfClass(c), splits.valid.RowsOfClass(c), splits.test.RowsOfClass(c)};
    if (of_class.test.rows() < 2 || of_class.valid.rows() < 1) {
      return absl::FailedPreconditionError(absl::StrCat("class ", c, " has ", of_class.test.rows(), " test and ", of_class.valid.rows(),
                                                        " validation images: too few to score its samples"));
    }
    std::unique_ptr<FeatureFigures> features;
    std::unique_ptr<RowFigureSource> source;
    if (classifier != nullptr && n > FeatureFigures::kNeighbours && of_class.test.rows() > FeatureFigures::kNeighbours) {
      features = std::make_unique<FeatureFigures>(*classifier, absl::StrCat("class ", c), of_class);
      source = std::make_unique<RowFigureSource>(features->Source());
    }
    absl::StatusOr<Table1Row> row = ScoreRow(absl::StrCat("class ", c), absl::StrCat(n, " samples of class ", c), chosen.data(), n,
                                             of_class, std::min(sigma_images, of_class.valid.rows()), source.get());
    if (!row.ok()) return absl::Status(row.status().code(), absl::StrCat("class ", c, ": ", row.status().message()));
    // The figures that mean something within one class: the label figures
    // (inception score, classes covered, label KL) compare label
    // histograms, which one class does not have.
    std::vector<NamedFigure> kept;
    for (const NamedFigure& f : row->figures) {
      if (f.first == "frechet_distance" || f.first == "precision" || f.first == "recall" || f.first == "ms_ssim") kept.push_back(f);
    }
    row->figures = std::move(kept);
    if (classifier != nullptr) {
      int64_t labelled_c = 0;
      for (size_t i = 0; i < labels.size(); ++i) labelled_c += labels[i] == c && predicted[i] == c;
      row->figures.insert(row->figures.begin(), {"accuracy", static_cast<double>(labelled_c) / n});
      right += labelled_c;
    }
    scores.rows.push_back(*std::move(row));
  }
  if (classifier != nullptr && !labels.empty()) scores.accuracy = static_cast<double>(right) / static_cast<double>(labels.size());
  return scores;
}

data::Image ClassFigure(const float* samples, const std::vector<int32_t>& labels, int64_t classes, int64_t columns,
                        const data::Dataset& train, data::Display display) {
  const int64_t dim = train.dim();
  std::vector<float> rows;  // [classes shown, columns, dim]
  std::vector<int32_t> row_classes;
  for (int32_t c = 0; c < classes; ++c) {
    const std::vector<float> chosen = SamplesOfClass(samples, labels, dim, c);
    if (static_cast<int64_t>(chosen.size()) < columns * dim) continue;
    rows.insert(rows.end(), chosen.begin(), chosen.begin() + columns * dim);
    row_classes.push_back(c);
  }
  return NearestNeighbourFigure(rows.data(), static_cast<int64_t>(row_classes.size()), columns, train, display, row_classes);
}

}  // namespace gan::eval
