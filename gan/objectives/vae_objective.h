#ifndef GAN_OBJECTIVES_VAE_OBJECTIVE_H_
#define GAN_OBJECTIVES_VAE_OBJECTIVE_H_

// The parts of a variational autoencoder (Kingma & Welling 2014) beside its
// nets, each with its gradient:
//   - a Gaussian encoder's two heads: the encoder's output row [2L] holds the
//     mean [L] then the log-variance [L] of q(z|x);
//   - the reparameterised sample z = mean + exp(log_variance / 2) * eps, eps
//     standard normal, so z is a differentiable function of the heads;
//   - the KL divergence of q(z|x) from the prior N(0, I), in closed form:
//     0.5 * sum(mean^2 + exp(log_variance) - 1 - log_variance);
//   - the Bernoulli decoder's reconstruction term on logits l of x in [0, 1]:
//     sum BCE(l, x), from the logits, finite for any finite logit.
// The negative ELBO of a row is its reconstruction term plus its KL term.
// Gradients are accumulated (+=) into the heads' gradient, so that the KL
// term and the samples' terms add up in one buffer. Each is defined for
// float (training) and double (the gradient checks).

#include <cstdint>

namespace gan {

// z [rows, L] from heads [rows, 2L] and eps [rows, L].
template <typename T>
void ReparameterizedSample(const T* heads, const T* eps, int64_t rows, int64_t latent, T* z);

// Adds to heads_grad [rows, 2L] the gradient through z of a loss whose
// gradient wrt z is z_grad [rows, L]: d mean += z_grad,
// d log_variance += z_grad * eps * exp(log_variance / 2) / 2.
template <typename T>
void ReparameterizedSampleBackward(const T* heads, const T* eps, const T* z_grad, int64_t rows, int64_t latent, T* heads_grad);

// scale * (sum over rows of the KL term); adds its gradient wrt the heads
// (scale * mean, scale * (exp(log_variance) - 1) / 2) to heads_grad [rows, 2L].
template <typename T>
double GaussianKlToStandardNormal(const T* heads, int64_t rows, int64_t latent, double scale, T* heads_grad);

// scale * (sum over rows and values of BCE(logit, x)); writes its gradient
// wrt the logits, scale * (sigmoid(logit) - x), to logits_grad [rows, dim].
template <typename T>
double BernoulliReconstruction(const T* logits, const T* x, int64_t rows, int64_t dim, double scale, T* logits_grad);

// An autoencoder's reconstruction term, the one choice its training and its
// evaluation share: BernoulliReconstruction of the decoder's logits when its
// pixels are Bernoulli (`bernoulli`), else HalfSquaredError (gan/objectives/loss.h)
// of its outputs; same arguments, gradient written to `out_grad`.
double ReconstructionTerm(bool bernoulli, const float* out, const float* x, int64_t rows, int64_t dim, double scale,
                          float* out_grad);

}  // namespace gan

#endif  // GAN_OBJECTIVES_VAE_OBJECTIVE_H_
