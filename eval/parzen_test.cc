// The Parzen window against a direct double-precision computation, against
// closed forms, and the protocol's choice of sigma.
#include "eval/parzen.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "base/random.h"
#include "gtest/gtest.h"

namespace gan::eval {
namespace {

// log p(x) computed the slow, obvious way: every distance in double, then a
// log-sum-exp with its maximum factored out.
double DirectLogLikelihood(const std::vector<float>& centres, int64_t n, int64_t d, const float* x, double sigma) {
  std::vector<double> terms(n);
  double max_term = -INFINITY;
  for (int64_t j = 0; j < n; ++j) {
    double sq = 0;
    for (int64_t k = 0; k < d; ++k) {
      const double diff = double{x[k]} - centres[j * d + k];
      sq += diff * diff;
    }
    terms[j] = -sq / (2 * sigma * sigma);
    max_term = std::max(max_term, terms[j]);
  }
  double sum = 0;
  for (double t : terms) sum += std::exp(t - max_term);
  return max_term + std::log(sum) - std::log(double(n)) - d * std::log(sigma * std::sqrt(2 * M_PI));
}

std::vector<float> Uniform(int64_t n, uint64_t seed, float low = 0, float high = 1) {
  std::vector<float> values(n);
  Rng(seed).FillUniform(values.data(), n, low, high);
  return values;
}

TEST(ParzenWindowTest, MatchesDirectComputation) {
  // 300 points cross the 256-point block boundary, so both matmul shapes run.
  const int64_t n = 97, d = 13, m = 300;
  const std::vector<float> centres = Uniform(n * d, 1), points = Uniform(m * d, 2);
  const std::vector<double> sigmas = {0.05, 0.1, 0.3, 1.0, 3.0};
  const ParzenWindow window(centres.data(), n, d);
  const auto result = window.LogLikelihoods(points.data(), m, sigmas);
  ASSERT_EQ(result.size(), sigmas.size());
  for (size_t s = 0; s < sigmas.size(); ++s) {
    ASSERT_EQ(result[s].size(), size_t(m));
    for (int64_t i = 0; i < m; ++i) {
      const double direct = DirectLogLikelihood(centres, n, d, points.data() + i * d, sigmas[s]);
      // Squared distances come from float products of values in [0, 1] with
      // d = 13 terms: absolute error ~1e-6, divided by 2 sigma^2 = 0.005 at
      // the smallest sigma gives ~2e-4 in the log-likelihood.
      EXPECT_NEAR(result[s][i], direct, 1e-3 * std::max(1.0, std::abs(direct))) << "sigma " << sigmas[s] << " point " << i;
    }
  }
}

// The window skips the terms whose exponent is below -110, where expf is
// exactly 0: its figures are bit for bit those of the plain sum over every
// term, from the same distances. The points are MNIST-like (far apart against
// sigma) so that most terms are skipped; a NaN point makes a NaN figure.
TEST(ParzenWindowTest, SkippingUnderflowingTermsKeepsTheBits) {
  for (float exponent : {-110.0f, -111.5f, -150.0f, -1000.0f}) EXPECT_EQ(std::exp(exponent), 0.0f) << exponent;
  const int64_t n = 500, d = 128, m = 40;
  std::vector<float> centres = Uniform(n * d, 11), points = Uniform(m * d, 12);
  const std::vector<double> sigmas = {0.1, 0.167, 0.5, 1.0};
  points[5 * d + 3] = std::nanf("");
  const ParzenWindow window(centres.data(), n, d);
  const auto result = window.LogLikelihoods(points.data(), m, sigmas);
  const SquaredDistances distances(centres.data(), n, d);
  int64_t terms = 0, underflowing = 0;
  distances.ForEachBlock(points.data(), m, [&](int64_t first, int64_t rows, float* block) {
    for (int64_t b = 0; b < rows; ++b) {
      const float* row = block + b * n;
      const float nearest = *std::min_element(row, row + n);
      for (size_t s = 0; s < sigmas.size(); ++s) {
        const double scale = -1.0 / (2.0 * sigmas[s] * sigmas[s]);
        const float scale_f = static_cast<float>(scale);
        double sum = 0;
        for (int64_t j = 0; j < n; ++j) {
          sum += std::exp(scale_f * (row[j] - nearest));
          underflowing += scale_f * (row[j] - nearest) < -110.0f;
          ++terms;
        }
        const double expected = scale * nearest + std::log(sum) - std::log(double(n)) - d * std::log(sigmas[s] * std::sqrt(2.0 * M_PI));
        const double got = result[s][first + b];
        if (first + b == 5) {
          EXPECT_TRUE(std::isnan(got)) << "sigma " << sigmas[s];
        } else {
          EXPECT_EQ(got, expected) << "sigma " << sigmas[s] << " point " << first + b;
        }
      }
    }
  });
  EXPECT_GT(underflowing, terms / 4) << "too few skipped terms for the test to mean anything";

  // A NaN among the centres (a broken sample) makes every figure NaN.
  centres[7 * d] = std::nanf("");
  const ParzenWindow broken(centres.data(), n, d);
  for (const std::vector<double>& figures : broken.LogLikelihoods(points.data(), m, sigmas)) {
    for (double figure : figures) EXPECT_TRUE(std::isnan(figure)) << figure;
  }
}

TEST(ParzenWindowTest, OneCentreIsAGaussian) {
  const int64_t d = 5;
  const std::vector<float> centre = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
  const std::vector<float> x = {0.5f, 0.1f, 0.3f, 0.9f, 0.0f};
  double sq = 0;
  for (int k = 0; k < d; ++k) sq += (double{x[k]} - centre[k]) * (double{x[k]} - centre[k]);
  const ParzenWindow window(centre.data(), 1, d);
  for (double sigma : {0.1, 0.5, 2.0}) {
    const double expected = -sq / (2 * sigma * sigma) - d * std::log(sigma * std::sqrt(2 * M_PI));
    EXPECT_NEAR(window.LogLikelihoods(x.data(), 1, {sigma})[0][0], expected, 1e-4 * std::abs(expected));
  }
}

TEST(ParzenWindowTest, EqualCentresAreOneCentreAndFarPointsStayFinite) {
  // N equal centres: the mixture is that one Gaussian (log N cancels). A point
  // 100 away at sigma 0.1 has every exp(-d^2 / 2 sigma^2) underflow to zero
  // in a naive sum; the factored log-sum-exp keeps it exact.
  const int64_t n = 1000, d = 4;
  std::vector<float> centres(n * d);
  for (int64_t j = 0; j < n; ++j) {
    for (int k = 0; k < d; ++k) centres[j * d + k] = 0.25f * k;
  }
  const std::vector<float> x = {100.0f, 0.25f, 0.5f, 0.75f};
  const ParzenWindow window(centres.data(), n, d);
  const double sigma = 0.1;
  const double expected = -100.0 * 100.0 / (2 * sigma * sigma) - d * std::log(sigma * std::sqrt(2 * M_PI));
  const double got = window.LogLikelihoods(x.data(), 1, {sigma})[0][0];
  ASSERT_TRUE(std::isfinite(got));
  EXPECT_NEAR(got, expected, 1e-4 * std::abs(expected));
}

TEST(ParzenProtocolTest, ChoosesTheBestValidationSigmaAndReportsTheTestMean) {
  const int64_t n = 200, d = 6, n_valid = 50, n_test = 80;
  const std::vector<float> centres = Uniform(n * d, 3), valid = Uniform(n_valid * d, 4), test = Uniform(n_test * d, 5);
  const ParzenWindow window(centres.data(), n, d);
  const std::vector<double> grid = PaperSigmaGrid();
  ASSERT_EQ(grid.size(), 10u);
  EXPECT_NEAR(grid.front(), 0.1, 1e-12);
  EXPECT_NEAR(grid.back(), 1.0, 1e-12);
  for (size_t s = 1; s < grid.size(); ++s) EXPECT_NEAR(grid[s] / grid[s - 1], std::pow(10.0, 1.0 / 9), 1e-12);

  const ParzenReport report = ParzenProtocol(window, valid.data(), n_valid, test.data(), n_test, grid).value();
  // The chosen sigma is the arg-max of the directly computed validation means.
  size_t best = 0;
  std::vector<double> direct_valid(grid.size(), 0.0);
  for (size_t s = 0; s < grid.size(); ++s) {
    for (int64_t i = 0; i < n_valid; ++i) direct_valid[s] += DirectLogLikelihood(centres, n, d, &valid[i * d], grid[s]) / n_valid;
    EXPECT_NEAR(report.valid_means[s], direct_valid[s], 1e-3 * std::abs(direct_valid[s]));
    if (direct_valid[s] > direct_valid[best]) best = s;
  }
  EXPECT_EQ(report.sigma, grid[best]);
  // Uniform data in 6 dimensions is best fit by neither end of the grid; if
  // it were, this test would not show that the arg-max is taken.
  EXPECT_NE(best, 0u);
  EXPECT_NE(best, grid.size() - 1);

  std::vector<double> ll(n_test);
  double mean = 0;
  for (int64_t i = 0; i < n_test; ++i) mean += (ll[i] = DirectLogLikelihood(centres, n, d, &test[i * d], report.sigma)) / n_test;
  double var = 0;
  for (double v : ll) var += (v - mean) * (v - mean) / n_test;
  EXPECT_NEAR(report.test_mean, mean, 1e-3 * std::abs(mean));
  EXPECT_NEAR(report.test_std_error, std::sqrt(var / n_test), 1e-3 * std::sqrt(var / n_test));
}

TEST(ParzenProtocolTest, RefusesEmptyInputs) {
  const std::vector<float> centres = Uniform(10, 6);
  const ParzenWindow window(centres.data(), 5, 2);
  EXPECT_FALSE(ParzenProtocol(window, centres.data(), 0, centres.data(), 5, PaperSigmaGrid()).ok());
  EXPECT_FALSE(ParzenProtocol(window, centres.data(), 5, centres.data(), 5, {}).ok());
}

}  // namespace
}  // namespace gan::eval
