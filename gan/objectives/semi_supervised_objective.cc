#include "gan/objectives/semi_supervised_objective.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "gan/objectives/loss.h"

namespace gan {

double LogSumExp(const float* logits, int64_t classes) {
  const double largest = *std::max_element(logits, logits + classes);
  double sum = 0;
  for (int64_t c = 0; c < classes; ++c) sum += std::exp(logits[c] - largest);
  return largest + std::log(sum);
}

KPlusOneObjective KPlusOneDiscriminatorObjective(const float* logits, const int32_t* labels, int64_t labelled, int64_t unlabelled,
                                                 int64_t generated, int64_t classes, double unlabelled_weight, float* grad) {
  KPlusOneObjective f;
  f.labelled = SoftmaxCrossEntropy(logits, labels, labelled, classes, grad);
  // softplus(-LSE) = BCE(LSE, 1), whose derivative wrt LSE is D - 1; softplus(LSE) = BCE(LSE, 0), derivative D.
  // dLSE/dl_k = softmax(l)_k.
  for (int part = 0; part < 2; ++part) {
    const bool real = part == 0;
    const int64_t first = real ? labelled : labelled + unlabelled, rows = real ? unlabelled : generated;
    const double scale = 1.0 / static_cast<double>(rows);
    double value = 0, mean_d = 0;
    for (int64_t r = first; r < first + rows; ++r) {
      const float* l = logits + r * classes;
      const double lse = LogSumExp(l, classes);
      const double d = Sigmoid(lse);
      value += scale * BinaryCrossEntropyWithLogit(lse, real ? 1.0 : 0.0);
      mean_d += scale * d;
      const double outer = unlabelled_weight * scale * (real ? d - 1.0 : d);
      for (int64_t c = 0; c < classes; ++c) grad[r * classes + c] = static_cast<float>(outer * std::exp(l[c] - lse));
    }
    (real ? f.unlabelled : f.generated) = value;
    (real ? f.mean_d_real : f.mean_d_generated) = mean_d;
  }
  f.value = f.labelled + unlabelled_weight * (f.unlabelled + f.generated);
  return f;
}

double FeatureMatching(const float* real, int64_t real_rows, const float* generated, int64_t generated_rows, int64_t dim, float* grad) {
  std::vector<double> difference(dim, 0.0);  // mean of real - mean of generated
  for (int64_t r = 0; r < real_rows; ++r) {
    for (int64_t j = 0; j < dim; ++j) difference[j] += real[r * dim + j] / static_cast<double>(real_rows);
  }
  for (int64_t r = 0; r < generated_rows; ++r) {
    for (int64_t j = 0; j < dim; ++j) difference[j] -= generated[r * dim + j] / static_cast<double>(generated_rows);
  }
  double value = 0;
  for (double d : difference) value += d * d;
  for (int64_t r = 0; r < generated_rows; ++r) {
    for (int64_t j = 0; j < dim; ++j) grad[r * dim + j] = static_cast<float>(-2.0 * difference[j] / static_cast<double>(generated_rows));
  }
  return value;
}

}  // namespace gan
