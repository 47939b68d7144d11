#ifndef GAN_OBJECTIVES_LOSS_H_
#define GAN_OBJECTIVES_LOSS_H_

// The objectives of the game, on the discriminator's logits l (D = sigmoid(l)).
// Everything is computed from the logit, so any finite logit (even +-1e4)
// gives a finite loss and an exact gradient where log(D) itself would be -inf.

#include <cstdint>

namespace gan {

// sigmoid(l), without overflow for large |l|.
double Sigmoid(double logit);

// -[t log sigmoid(l) + (1 - t) log(1 - sigmoid(l))] for a target t in [0, 1],
// as max(l, 0) - l t + log(1 + exp(-|l|)). Its derivative wrt l is sigmoid(l) - t.
double BinaryCrossEntropyWithLogit(double logit, double target);

// What one evaluation of an objective reports beside its gradient.
struct Objective {
  double value = 0;
  double mean_d = 0;  // mean of D = sigmoid(l) over the logits it saw
};

// The discriminator's objective, minimised:
//   0.5 * (mean BCE(l_real, 1) + mean BCE(l_fake, 0)),
// the negative of Algorithm 1's ascent objective divided by 2. logits holds m
// real rows then m fake rows; grad [2m] receives d(value)/d(logit).
// The returned mean_d is over the real rows; fake_mean_d over the fake rows.
Objective DiscriminatorObjective(const float* logits, int64_t m, float* grad, double* fake_mean_d);

// The generator's objective on fake logits [m], minimised. Non-saturating:
// mean -log D(G(z)) = mean BCE(l, 1). Minimax: mean log(1 - D(G(z))) = -mean softplus(l).
// grad [m] receives d(value)/d(logit).
Objective GeneratorObjective(const float* fake_logits, int64_t m, bool non_saturating, float* grad);

// A classifier's objective, minimised: the mean over rows of
// -log softmax(logits)[label], from logits [rows, classes] and labels [rows]
// in [0, classes). grad [rows, classes] receives d(value)/d(logit),
// (softmax - one_hot(label)) / rows. The log-sum-exp subtracts each row's
// largest logit, so any finite logits give a finite value.
double SoftmaxCrossEntropy(const float* logits, const int32_t* labels, int64_t rows, int64_t classes, float* grad);

// An autoencoder's squared-error reconstruction term: scale * sum over rows
// and values of (out - target)^2 / 2, from out and target [rows, dim]. grad
// [rows, dim] receives its derivative wrt out, scale * (out - target).
double HalfSquaredError(const float* out, const float* target, int64_t rows, int64_t dim, double scale, float* grad);

// The softmax of each row of logits [rows, classes], in place.
void Softmax(float* logits, int64_t rows, int64_t classes);

}  // namespace gan

#endif  // GAN_OBJECTIVES_LOSS_H_
