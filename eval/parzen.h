#ifndef EVAL_PARZEN_H_
#define EVAL_PARZEN_H_

// The Gaussian Parzen-window estimate of a test set's log-likelihood under a
// generator, as in the paper's Table 1: the generator's samples are the
// centres mu_j (j < N) of an isotropic Gaussian mixture of width sigma, and
//
//   log p(x) = logsumexp_j(-||x - mu_j||^2 / (2 sigma^2)) - log N - d log(sigma sqrt(2 pi)).
//
// Squared distances come from SquaredDistances (oneDNN matmul, blocked); one
// distance pass serves every sigma of a grid.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "eval/distances.h"

namespace gan::eval {

class ParzenWindow {
 public:
  // centres [n, d]; copied.
  ParzenWindow(const float* centres, int64_t n, int64_t d);

  // log p(x_i) for each point x_i of points [m, d] and each sigma:
  // result[s][i] for sigmas[s].
  std::vector<std::vector<double>> LogLikelihoods(const float* points, int64_t m, const std::vector<double>& sigmas) const;

 private:
  SquaredDistances distances_;
};

struct ParzenReport {
  std::vector<double> sigmas;       // the grid
  std::vector<double> valid_means;  // mean validation log-likelihood per sigma
  double sigma = 0;                 // the arg-max of valid_means
  double test_mean = 0;             // mean test log-likelihood at sigma
  double test_std_error = 0;        // std / sqrt(n_test)
};

// The mean log-likelihood of points [m, d] (m >= 2) at one sigma, and its
// standard error (std / sqrt(m)).
struct MeanAndError {
  double mean = 0;
  double std_error = 0;
};
MeanAndError MeanLogLikelihood(const ParzenWindow& window, const float* points, int64_t m, double sigma);

// The paper's sigma grid: 10 values log-spaced from 0.1 to 1.0.
std::vector<double> PaperSigmaGrid();

// The protocol: choose sigma on `valid` [n_valid, d] (the paper: the first
// 1,000 validation images), then report the mean and standard error on `test`.
absl::StatusOr<ParzenReport> ParzenProtocol(const ParzenWindow& window, const float* valid, int64_t n_valid,
                                            const float* test, int64_t n_test, const std::vector<double>& sigmas);

}  // namespace gan::eval

#endif  // EVAL_PARZEN_H_
