#include "gan/objectives/vae_objective.h"

#include <cmath>

#include "gan/objectives/loss.h"

namespace gan {

template <typename T>
void ReparameterizedSample(const T* heads, const T* eps, int64_t rows, int64_t latent, T* z) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* mean = heads + r * 2 * latent;
    const T* log_variance = mean + latent;
    for (int64_t j = 0; j < latent; ++j) z[r * latent + j] = mean[j] + std::exp(T(0.5) * log_variance[j]) * eps[r * latent + j];
  }
}

template <typename T>
void ReparameterizedSampleBackward(const T* heads, const T* eps, const T* z_grad, int64_t rows, int64_t latent, T* heads_grad) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* log_variance = heads + r * 2 * latent + latent;
    T* mean_grad = heads_grad + r * 2 * latent;
    T* log_variance_grad = mean_grad + latent;
    for (int64_t j = 0; j < latent; ++j) {
      const T g = z_grad[r * latent + j];
      mean_grad[j] += g;
      log_variance_grad[j] += g * eps[r * latent + j] * T(0.5) * std::exp(T(0.5) * log_variance[j]);
    }
  }
}

template <typename T>
double GaussianKlToStandardNormal(const T* heads, int64_t rows, int64_t latent, double scale, T* heads_grad) {
  double total = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const T* mean = heads + r * 2 * latent;
    const T* log_variance = mean + latent;
    T* mean_grad = heads_grad + r * 2 * latent;
    T* log_variance_grad = mean_grad + latent;
    for (int64_t j = 0; j < latent; ++j) {
      const double m = mean[j], v = std::exp(double{log_variance[j]});
      total += 0.5 * (m * m + v - 1.0 - double{log_variance[j]});
      mean_grad[j] += static_cast<T>(scale * m);
      log_variance_grad[j] += static_cast<T>(scale * 0.5 * (v - 1.0));
    }
  }
  return scale * total;
}

template <typename T>
double BernoulliReconstruction(const T* logits, const T* x, int64_t rows, int64_t dim, double scale, T* logits_grad) {
  double total = 0;
  for (int64_t i = 0; i < rows * dim; ++i) {
    total += BinaryCrossEntropyWithLogit(logits[i], x[i]);
    logits_grad[i] = static_cast<T>(scale * (Sigmoid(logits[i]) - double{x[i]}));
  }
  return scale * total;
}

#define GAN_VAE_OBJECTIVE_FOR(T)                                                                                     \
  template void ReparameterizedSample<T>(const T*, const T*, int64_t, int64_t, T*);                                \
  template void ReparameterizedSampleBackward<T>(const T*, const T*, const T*, int64_t, int64_t, T*);              \
  template double GaussianKlToStandardNormal<T>(const T*, int64_t, int64_t, double, T*);                           \
  template double BernoulliReconstruction<T>(const T*, const T*, int64_t, int64_t, double, T*);
GAN_VAE_OBJECTIVE_FOR(float)
GAN_VAE_OBJECTIVE_FOR(double)
#undef GAN_VAE_OBJECTIVE_FOR

double ReconstructionTerm(bool bernoulli, const float* out, const float* x, int64_t rows, int64_t dim, double scale,
                          float* out_grad) {
  return bernoulli ? BernoulliReconstruction(out, x, rows, dim, scale, out_grad) : HalfSquaredError(out, x, rows, dim, scale, out_grad);
}

}  // namespace gan
