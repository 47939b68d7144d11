#ifndef GAN_OBJECTIVES_SEMI_SUPERVISED_OBJECTIVE_H_
#define GAN_OBJECTIVES_SEMI_SUPERVISED_OBJECTIVE_H_

// The discriminator of K + 1 classes for semi-supervised learning (Salimans et
// al. 2016, "Improved Techniques for Training GANs", section 5) and its
// generator's feature matching (section 3.1). D's last layer gives K logits l,
// one per class of the data; the class "generated" has its logit fixed at 0,
// so with Z = sum_k exp(l_k):
//   p(y = k | x) = exp(l_k) / (1 + Z),   D(x) = p(real | x) = Z / (1 + Z) = sigmoid(LSE(l)),
//   p(y = k | x, real) = softmax(l)_k,
// LSE(l) = log Z. Everything is computed from LSE(l) with the largest logit
// subtracted, so any finite logits give a finite value and gradient.

#include <cstdint>

namespace gan {

// log sum_k exp(l_k) of one row of `classes` logits.
double LogSumExp(const float* logits, int64_t classes);

struct KPlusOneObjective {
  double value = 0;       // labelled + unlabelled_weight * (unlabelled + generated)
  double labelled = 0;    // mean over labelled rows of -log p(y | x, real)
  double unlabelled = 0;  // mean over unlabelled rows of -log D(x) = softplus(-LSE(l))
  double generated = 0;   // mean over generated rows of -log(1 - D(G(z))) = softplus(LSE(l))
  double mean_d_real = 0, mean_d_generated = 0;  // mean D over the unlabelled and the generated rows
};

// D's objective, minimised, on logits [labelled + unlabelled + generated rows,
// classes] in that order (labels [labelled rows] in [0, classes)); each term a
// mean over its rows, each part with at least one row, the unlabelled and
// generated terms weighed by unlabelled_weight (Salimans et al.'s code: 0.5).
// grad (the logits' shape) receives d(value)/d(logit).
KPlusOneObjective KPlusOneDiscriminatorObjective(const float* logits, const int32_t* labels, int64_t labelled, int64_t unlabelled,
                                                 int64_t generated, int64_t classes, double unlabelled_weight, float* grad);

// G's feature matching, minimised: |mean of real - mean of generated|^2 over
// the rows of real [real_rows, dim] and generated [generated_rows, dim] (D's
// features of real and generated images). grad [generated_rows, dim]
// receives its derivative wrt the generated features.
double FeatureMatching(const float* real, int64_t real_rows, const float* generated, int64_t generated_rows, int64_t dim, float* grad);

}  // namespace gan

#endif  // GAN_OBJECTIVES_SEMI_SUPERVISED_OBJECTIVE_H_
