// The protocol's rows and the training monitor against direct computations of
// the Parzen log-likelihood on small random data.
#include "eval/table1.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "base/random.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace gan::eval {
namespace {

data::Dataset RandomSplit(int64_t rows, uint64_t seed) {
  data::Dataset d;
  d.shape = {1, 2, 3};
  d.pixels.resize(rows * d.shape.size());
  Rng rng(seed);
  rng.FillUniform(d.pixels.data(), static_cast<int64_t>(d.pixels.size()), 0.0f, 1.0f);
  d.labels.assign(rows, -1);
  return d;
}

// log p(x) by the formula, in double, term by term.
double DirectLogLikelihood(const float* x, const std::vector<float>& centres, int64_t d, double sigma) {
  const int64_t n = static_cast<int64_t>(centres.size()) / d;
  double max_term = -INFINITY;
  std::vector<double> terms(n);
  for (int64_t j = 0; j < n; ++j) {
    double sq = 0;
    for (int64_t i = 0; i < d; ++i) sq += (x[i] - centres[j * d + i]) * double(x[i] - centres[j * d + i]);
    terms[j] = -sq / (2 * sigma * sigma);
    max_term = std::max(max_term, terms[j]);
  }
  double sum = 0;
  for (double t : terms) sum += std::exp(t - max_term);
  return max_term + std::log(sum) - std::log(double(n)) - d * std::log(sigma * std::sqrt(2 * M_PI));
}

TEST(Table1Test, JsonHasEveryFieldOfEveryRowOneRowALine) {
  Table1Row a{"model", "best.ckpt: \"quoted\"", {}, 1.5}, b{"training_set", "the first 10000", {}, 0.25};
  a.report.sigma = 0.2;
  a.report.test_mean = 218.5;
  a.report.test_std_error = 2.25;
  a.report.valid_means = {-1.5, 3};
  const std::string text = Table1Json({a, b});
  const nlohmann::json rows = nlohmann::json::parse(text);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["name"], "model");
  EXPECT_EQ(rows[0]["description"], "best.ckpt: \"quoted\"");
  EXPECT_EQ(rows[0]["sigma"], 0.2);
  EXPECT_EQ(rows[0]["test_mean"], 218.5);
  EXPECT_EQ(rows[0]["test_std_error"], 2.25);
  EXPECT_EQ(rows[0]["valid_means"], nlohmann::json({-1.5, 3}));
  EXPECT_EQ(rows[0]["seconds"], 1.5);
  EXPECT_EQ(rows[1]["name"], "training_set");
  // Tools that read it line by line (tools/table1_regression_test.sh) find a row and its figure on one line.
  EXPECT_NE(text.find("\n  {\"name\": \"model\", \"description\": \"best.ckpt: \\\"quoted\\\"\", \"sigma\": 0.2, \"test_mean\": 218.5,"),
            std::string::npos) << text;
}

TEST(Table1Test, MonitorSelectsOnLaterValidationImagesAtTheProtocolsSigma) {
  data::Splits splits{RandomSplit(50, 1), RandomSplit(30, 2), RandomSplit(20, 3)};
  const data::Dataset samples = RandomSplit(40, 4);
  const int64_t sigma_images = 10, d = 6;
  const MonitorFigures figures = MonitorGenerator(samples.pixels.data(), 40, splits, sigma_images).value();
  const ParzenReport protocol = ScoreRow("model", "", samples.pixels.data(), 40, splits, sigma_images).value().report;
  EXPECT_EQ(figures.protocol.sigma, protocol.sigma);
  EXPECT_EQ(figures.protocol.test_mean, protocol.test_mean);
  // Validation images 10..29 at that sigma, computed directly.
  double sum = 0, sum_sq = 0;
  for (int64_t i = sigma_images; i < 30; ++i) {
    const double ll = DirectLogLikelihood(splits.valid.Row(i), samples.pixels, d, protocol.sigma);
    sum += ll;
    sum_sq += ll * ll;
  }
  const double mean = sum / 20, std_error = std::sqrt(sum_sq / 20 - mean * mean) / std::sqrt(20.0);
  EXPECT_NEAR(figures.selection_mean, mean, 1e-3 * std::abs(mean) + 1e-3);
  EXPECT_NEAR(figures.selection_std_error, std_error, 1e-3 * std_error + 1e-4);
  // And the test row is the same direct computation on the test images.
  double test_sum = 0;
  for (int64_t i = 0; i < 20; ++i) test_sum += DirectLogLikelihood(splits.test.Row(i), samples.pixels, d, protocol.sigma);
  EXPECT_NEAR(protocol.test_mean, test_sum / 20, 1e-3 * std::abs(test_sum / 20) + 1e-3);
}

TEST(Table1Test, ReferenceRowsAndErrors) {
  data::Splits splits{RandomSplit(50, 1), RandomSplit(30, 2), RandomSplit(20, 3)};
  const std::vector<Table1Row> rows = ReferenceRows(splits, 100, 2, 10).value();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].name, "training_set");
  EXPECT_EQ(rows[0].description, "the first 50 training images");  // n is capped at the training set
  EXPECT_EQ(rows[1].name, "kmeans");
  EXPECT_NE(FormatTable1(rows).find("training_set"), std::string::npos);

  // Too few validation images to both choose sigma and select.
  EXPECT_FALSE(MonitorGenerator(splits.train.pixels.data(), 50, splits, 29).ok());
  data::Splits no_valid{RandomSplit(50, 1), data::Dataset{}, RandomSplit(20, 3)};
  no_valid.valid.shape = {1, 2, 3};
  EXPECT_EQ(ScoreRow("model", "", splits.train.pixels.data(), 50, no_valid).status().code(), absl::StatusCode::kFailedPrecondition);
}

// Cached rows are the computed ones; other data or parameters miss the cache,
// and a damaged file is recomputed.
TEST(Table1Test, ReferenceRowsCacheReturnsTheComputedRows) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") + "/reference_cache";
  std::filesystem::remove_all(dir);
  data::Splits splits{RandomSplit(50, 1), RandomSplit(30, 2), RandomSplit(20, 3)};
  const std::vector<Table1Row> computed = ReferenceRows(splits, 40, 2, 10, dir).value();
  ASSERT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator{}), 1);
  const std::string file = std::filesystem::directory_iterator(dir)->path();
  const std::vector<Table1Row> cached = ReferenceRows(splits, 40, 2, 10, dir).value();
  ASSERT_EQ(cached.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(cached[i].name, computed[i].name);
    EXPECT_EQ(cached[i].description, computed[i].description);
    EXPECT_EQ(cached[i].report.sigma, computed[i].report.sigma);
    EXPECT_EQ(cached[i].report.test_mean, computed[i].report.test_mean);  // %.17g round-trips a double
    EXPECT_EQ(cached[i].report.test_std_error, computed[i].report.test_std_error);
    EXPECT_EQ(cached[i].report.valid_means, computed[i].report.valid_means);
  }
  // Another k-means budget, or another test image, is another file.
  ReferenceRows(splits, 40, 3, 10, dir).value();
  splits.test.pixels[0] = 0.5f;
  const std::vector<Table1Row> other = ReferenceRows(splits, 40, 2, 10, dir).value();
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator{}), 3);
  EXPECT_NE(other[0].report.test_mean, computed[0].report.test_mean);
  // A damaged file: recomputed and rewritten.
  splits.test.pixels[0] = RandomSplit(20, 3).pixels[0];  // the data of the first call again
  std::ofstream(file) << "training_set\tnot a number\n";
  const std::vector<Table1Row> recomputed = ReferenceRows(splits, 40, 2, 10, dir).value();
  EXPECT_EQ(recomputed[1].report.test_mean, computed[1].report.test_mean);
  EXPECT_EQ(ReferenceRows(splits, 40, 2, 10, dir).value()[0].report.test_mean, computed[0].report.test_mean);
}

}  // namespace
}  // namespace gan::eval
