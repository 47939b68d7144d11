// The VAE's parts in double precision: each gradient against central finite
// differences of its own value, the KL term against the closed form of one
// Gaussian and against a Monte Carlo estimate, the reparameterised sample's
// moments, and the float versions against the double ones.
#include "gan/objectives/vae_objective.h"

#include <cmath>
#include <vector>

#include "base/random.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

std::vector<double> Uniform(int64_t n, double low, double high, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> values(n);
  for (double& v : values) v = low + (high - low) * rng.NextUniform();
  return values;
}

std::vector<double> Normal(int64_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> values(n);
  rng.FillNormal(values.data(), n);
  return {values.begin(), values.end()};
}

constexpr int64_t kRows = 3, kLatent = 4;
constexpr double kStep = 1e-6;

// A loss of the heads through every part: KL (scale 0.7) plus sum w . z.
double Loss(const std::vector<double>& heads, const std::vector<double>& eps, const std::vector<double>& w, std::vector<double>* grad) {
  std::vector<double> z(kRows * kLatent), scratch(heads.size(), 0.0);
  ReparameterizedSample(heads.data(), eps.data(), kRows, kLatent, z.data());
  double value = GaussianKlToStandardNormal(heads.data(), kRows, kLatent, 0.7, grad ? grad->data() : scratch.data());
  for (size_t i = 0; i < z.size(); ++i) value += w[i] * z[i];
  if (grad) ReparameterizedSampleBackward(heads.data(), eps.data(), w.data(), kRows, kLatent, grad->data());
  return value;
}

TEST(VaeObjectiveTest, HeadGradientsMatchFiniteDifferences) {
  const std::vector<double> heads = Uniform(kRows * 2 * kLatent, -1.5, 1.5, 1), eps = Normal(kRows * kLatent, 2),
                            w = Uniform(kRows * kLatent, -1, 1, 3);
  std::vector<double> grad(heads.size(), 0.0);
  Loss(heads, eps, w, &grad);
  for (size_t i = 0; i < heads.size(); ++i) {
    std::vector<double> up = heads, down = heads;
    up[i] += kStep;
    down[i] -= kStep;
    const double numeric = (Loss(up, eps, w, nullptr) - Loss(down, eps, w, nullptr)) / (2 * kStep);
    EXPECT_NEAR(grad[i], numeric, 1e-7 * std::max(1.0, std::fabs(numeric))) << "head value " << i;
  }
}

TEST(VaeObjectiveTest, ReconstructionGradientMatchesFiniteDifferencesAndExtremesAreFinite) {
  const int64_t dim = 5;
  const std::vector<double> logits = Uniform(kRows * dim, -4, 4, 4), x = Uniform(kRows * dim, 0, 1, 5);
  std::vector<double> grad(logits.size()), scratch(logits.size());
  BernoulliReconstruction(logits.data(), x.data(), kRows, dim, 0.25, grad.data());
  for (size_t i = 0; i < logits.size(); ++i) {
    std::vector<double> up = logits, down = logits;
    up[i] += kStep;
    down[i] -= kStep;
    const double numeric = (BernoulliReconstruction(up.data(), x.data(), kRows, dim, 0.25, scratch.data()) -
                            BernoulliReconstruction(down.data(), x.data(), kRows, dim, 0.25, scratch.data())) /
                           (2 * kStep);
    EXPECT_NEAR(grad[i], numeric, 1e-7) << i;
  }
  const std::vector<double> extreme = {1e4, -1e4}, targets = {0.0, 1.0};
  std::vector<double> g(2);
  EXPECT_NEAR(BernoulliReconstruction(extreme.data(), targets.data(), 1, 2, 1.0, g.data()), 2e4, 1e-6);
  EXPECT_EQ(g[0], 1.0);
  EXPECT_EQ(g[1], -1.0);
}

TEST(VaeObjectiveTest, KlIsTheClosedFormAndTheMonteCarloMean) {
  // One latent: KL(N(m, s^2) || N(0, 1)) = log(1/s) + (s^2 + m^2 - 1) / 2.
  const double m = 0.8, s = 0.5;
  const std::vector<double> heads = {m, std::log(s * s)};
  std::vector<double> grad(2, 0.0);
  EXPECT_NEAR(GaussianKlToStandardNormal(heads.data(), 1, 1, 1.0, grad.data()), std::log(1 / s) + (s * s + m * m - 1) / 2, 1e-12);
  // The mean over reparameterised samples of log q(z) - log p(z) is the same KL.
  const int64_t n = 200000;
  const std::vector<double> eps = Normal(n, 6);
  std::vector<double> tiled(2 * n), z(n);
  for (int64_t i = 0; i < n; ++i) tiled[2 * i] = heads[0], tiled[2 * i + 1] = heads[1];
  ReparameterizedSample(tiled.data(), eps.data(), n, 1, z.data());
  double mean = 0, sum = 0, squares = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double log_q = -0.5 * eps[i] * eps[i] - std::log(s), log_p = -0.5 * z[i] * z[i];
    sum += log_q - log_p;
    mean += z[i] / n;
    squares += z[i] * z[i] / n;
  }
  EXPECT_NEAR(sum / n, std::log(1 / s) + (s * s + m * m - 1) / 2, 0.01);
  EXPECT_NEAR(mean, m, 0.005);
  EXPECT_NEAR(squares - mean * mean, s * s, 0.005);
}

TEST(VaeObjectiveTest, FloatMatchesDouble) {
  const std::vector<double> heads = Uniform(kRows * 2 * kLatent, -1.5, 1.5, 7), eps = Normal(kRows * kLatent, 8),
                            w = Uniform(kRows * kLatent, -1, 1, 9);
  std::vector<double> grad(heads.size(), 0.0), z(kRows * kLatent);
  const std::vector<float> heads_f(heads.begin(), heads.end()), eps_f(eps.begin(), eps.end()), w_f(w.begin(), w.end());
  std::vector<float> grad_f(heads.size(), 0.0f), z_f(kRows * kLatent);
  ReparameterizedSample(heads.data(), eps.data(), kRows, kLatent, z.data());
  ReparameterizedSample(heads_f.data(), eps_f.data(), kRows, kLatent, z_f.data());
  const double kl = GaussianKlToStandardNormal(heads.data(), kRows, kLatent, 1.0, grad.data());
  const double kl_f = GaussianKlToStandardNormal(heads_f.data(), kRows, kLatent, 1.0, grad_f.data());
  ReparameterizedSampleBackward(heads.data(), eps.data(), w.data(), kRows, kLatent, grad.data());
  ReparameterizedSampleBackward(heads_f.data(), eps_f.data(), w_f.data(), kRows, kLatent, grad_f.data());
  EXPECT_NEAR(kl_f, kl, 1e-5 * kl);
  for (size_t i = 0; i < z.size(); ++i) EXPECT_NEAR(z_f[i], z[i], 1e-5) << i;
  for (size_t i = 0; i < grad.size(); ++i) EXPECT_NEAR(grad_f[i], grad[i], 1e-5) << i;
}

}  // namespace
}  // namespace gan
