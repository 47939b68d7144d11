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
  Table1Row a{"model", "best.ckpt: \"quoted\"", {}, 1.5, 0.5, {}}, b{"training_set", "the first 10000", {}, 0.25, 0.125, {}};
  a.report.sigma = 0.2;
  a.report.test_mean = 218.5;
  a.report.test_std_error = 2.25;
  a.report.valid_means = {-1.5, 3};
  a.figures = {{"frechet_distance", 12.5}, {"recall", 0.75}};
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
  EXPECT_EQ(rows[0]["parzen_seconds"], 0.5);
  EXPECT_EQ(rows[0]["frechet_distance"], 12.5);
  EXPECT_EQ(rows[0]["recall"], 0.75);
  EXPECT_EQ(rows[1]["name"], "training_set");
  EXPECT_FALSE(rows[1].contains("recall"));
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
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].name, "training_set");
  EXPECT_EQ(rows[0].description, "the first 50 training images");  // n is capped at the training set
  // The held-out row: the 20 validation images after the 10 that choose sigma.
  EXPECT_EQ(rows[1].name, "held_out");
  EXPECT_EQ(rows[1].description, "validation images 10-29 (20)");
  EXPECT_EQ(rows[1].report.test_mean, ScoreRow("x", "", splits.valid.Row(10), 20, splits, 10).value().report.test_mean);
  EXPECT_EQ(rows[2].name, "kmeans");
  EXPECT_NE(FormatTable1(rows).find("held_out"), std::string::npos);
  // With a figure source, every row carries its figures, of its own images.
  const RowFigureSource first_pixel{"first pixel", [](const float* images, int64_t n) {
                                      return std::vector<NamedFigure>{{"first_pixel", images[0]}, {"count", static_cast<double>(n)}};
                                    }};
  const std::vector<Table1Row> scored = ReferenceRows(splits, 100, 2, 10, "", &first_pixel).value();
  EXPECT_EQ(scored[0].figures, (std::vector<NamedFigure>{{"first_pixel", splits.train.pixels[0]}, {"count", 50}}));
  EXPECT_EQ(scored[1].figures, (std::vector<NamedFigure>{{"first_pixel", splits.valid.Row(10)[0]}, {"count", 20}}));
  EXPECT_EQ(scored[2].figures[1].second, 50);
  const std::string table = FormatTable1(scored);
  EXPECT_NE(table.find("first_pixel"), std::string::npos) << table;

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
  ASSERT_EQ(cached.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
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

  // Figures are cached with their rows, under their source's key: the same
  // key reads them back without scoring, another key scores again.
  int scored = 0;
  auto source = [&](const std::string& key) {
    return RowFigureSource{key, [&scored](const float* images, int64_t) {
                             ++scored;
                             return std::vector<NamedFigure>{{"first_pixel", images[0]}};
                           }};
  };
  const RowFigureSource a = source("a"), b = source("b");
  const std::vector<Table1Row> with_a = ReferenceRows(splits, 40, 2, 10, dir, &a).value();
  EXPECT_EQ(scored, 3);
  const std::vector<Table1Row> again = ReferenceRows(splits, 40, 2, 10, dir, &a).value();
  EXPECT_EQ(scored, 3);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(again[i].figures, with_a[i].figures);
  ReferenceRows(splits, 40, 2, 10, dir, &b).value();
  EXPECT_EQ(scored, 6);
}

TEST(Table1Test, SpreadOverDrawsIsTheirMeanAndSampleStandardDeviation) {
  // Test means 1, 2 and 4: mean 7/3, squared deviations 16/9 + 1/9 + 25/9 =
  // 42/9 over n - 1 = 2 draws, so the sd is sqrt(7/3).
  std::vector<ParzenReport> draws(3);
  draws[0].test_mean = 2;
  draws[1].test_mean = 4;
  draws[2].test_mean = 1;
  absl::StatusOr<DrawSpread> spread = SpreadOverDraws(draws);
  ASSERT_TRUE(spread.ok()) << spread.status();
  EXPECT_DOUBLE_EQ(spread->mean, 7.0 / 3.0);
  EXPECT_DOUBLE_EQ(spread->sd, std::sqrt(7.0 / 3.0));
  EXPECT_EQ(spread->min, 1);
  EXPECT_EQ(spread->max, 4);
  ASSERT_EQ(spread->draws.size(), 3u);
  EXPECT_EQ(spread->draws[1].test_mean, 4);
  absl::StatusOr<DrawSpread> one = SpreadOverDraws({draws[0]});
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.status().message(), "a spread over draws needs at least 2 draws, not 1");
}

}  // namespace
}  // namespace gan::eval
