#include "eval/parzen.h"

#include <algorithm>
#include <cmath>

namespace gan::eval {
namespace {

// Below this, expf's true value is under 1e-47, far below half the smallest
// float (2^-150 ~ 7e-46): expf returns exactly +0, and adding +0 to a sum of
// at least 1 leaves it as it was. Skipping those terms gives the same bits;
// with the paper's sigma nearly every term is one of them.
constexpr float kExpIsZeroBelow = -110.0f;

}  // namespace

ParzenWindow::ParzenWindow(const float* centres, int64_t n, int64_t d) : distances_(centres, n, d) {}

std::vector<std::vector<double>> ParzenWindow::LogLikelihoods(const float* points, int64_t m,
                                                              const std::vector<double>& sigmas) const {
  std::vector<std::vector<double>> result(sigmas.size(), std::vector<double>(m));
  const int64_t n = distances_.size(), d = distances_.dim();
  const double log_n = std::log(static_cast<double>(n));
  distances_.ForEachBlock(points, m, [&](int64_t first, int64_t rows, float* distances) {
#pragma omp parallel for
    for (int64_t b = 0; b < rows; ++b) {
      const float* row = distances + b * n;
      const float nearest = *std::min_element(row, row + n);
      for (size_t s = 0; s < sigmas.size(); ++s) {
        // logsumexp with the nearest centre's term factored out: every exp
        // argument is <= 0 and the largest is exactly 0, so nothing overflows
        // and the sum is at least 1.
        const double scale = -1.0 / (2.0 * sigmas[s] * sigmas[s]);
        const float scale_f = static_cast<float>(scale);
        double sum = 0;
        for (int64_t j = 0; j < n; ++j) {
          const float exponent = scale_f * (row[j] - nearest);
          // Written so that a NaN still reaches exp and the sum.
          if (!(exponent < kExpIsZeroBelow)) sum += std::exp(exponent);
        }
        result[s][first + b] = scale * nearest + std::log(sum) - log_n - d * std::log(sigmas[s] * std::sqrt(2.0 * M_PI));
      }
    }
  });
  return result;
}

std::vector<double> PaperSigmaGrid() {
  std::vector<double> grid;
  for (int i = 0; i < 10; ++i) grid.push_back(std::pow(10.0, -1.0 + i / 9.0));
  return grid;
}

absl::StatusOr<ParzenReport> ParzenProtocol(const ParzenWindow& window, const float* valid, int64_t n_valid,
                                            const float* test, int64_t n_test, const std::vector<double>& sigmas) {
  if (sigmas.empty() || n_valid <= 0 || n_test <= 1) {
    return absl::InvalidArgumentError("the Parzen protocol needs sigmas, validation points and at least 2 test points");
  }
  ParzenReport report;
  report.sigmas = sigmas;
  for (const std::vector<double>& ll : window.LogLikelihoods(valid, n_valid, sigmas)) {
    double sum = 0;
    for (double v : ll) sum += v;
    report.valid_means.push_back(sum / n_valid);
  }
  const size_t best = std::max_element(report.valid_means.begin(), report.valid_means.end()) - report.valid_means.begin();
  report.sigma = sigmas[best];
  const MeanAndError test_row = MeanLogLikelihood(window, test, n_test, report.sigma);
  report.test_mean = test_row.mean;
  report.test_std_error = test_row.std_error;
  return report;
}

MeanAndError MeanLogLikelihood(const ParzenWindow& window, const float* points, int64_t m, double sigma) {
  const std::vector<double> ll = window.LogLikelihoods(points, m, {sigma})[0];
  double sum = 0, sum_sq = 0;
  for (double v : ll) sum += v;
  MeanAndError result;
  result.mean = sum / m;
  for (double v : ll) sum_sq += (v - result.mean) * (v - result.mean);
  result.std_error = std::sqrt(sum_sq / m) / std::sqrt(static_cast<double>(m));
  return result;
}

}  // namespace gan::eval
