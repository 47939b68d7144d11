#include "gan/objectives/loss.h"

#include <algorithm>
#include <cmath>

namespace gan {

double Sigmoid(double logit) {
  if (logit >= 0) return 1.0 / (1.0 + std::exp(-logit));
  const double e = std::exp(logit);
  return e / (1.0 + e);
}

double BinaryCrossEntropyWithLogit(double logit, double target) {
  return std::max(logit, 0.0) - logit * target + std::log1p(std::exp(-std::abs(logit)));
}

Objective DiscriminatorObjective(const float* logits, int64_t m, float* grad, double* fake_mean_d) {
  Objective result;
  double fake_d = 0;
  const double scale = 0.5 / static_cast<double>(m);
  for (int64_t i = 0; i < 2 * m; ++i) {
    const double target = i < m ? 1.0 : 0.0;
    const double d = Sigmoid(logits[i]);
    result.value += scale * BinaryCrossEntropyWithLogit(logits[i], target);
    grad[i] = static_cast<float>(scale * (d - target));
    (i < m ? result.mean_d : fake_d) += d / static_cast<double>(m);
  }
  if (fake_mean_d != nullptr) *fake_mean_d = fake_d;
  return result;
}

Objective GeneratorObjective(const float* fake_logits, int64_t m, bool non_saturating, float* grad) {
  Objective result;
  const double scale = 1.0 / static_cast<double>(m);
  for (int64_t i = 0; i < m; ++i) {
    const double l = fake_logits[i];
    const double d = Sigmoid(l);
    result.mean_d += scale * d;
    if (non_saturating) {
      result.value += scale * BinaryCrossEntropyWithLogit(l, 1.0);
      grad[i] = static_cast<float>(scale * (d - 1.0));
    } else {
      // log(1 - sigmoid(l)) = -BCE(l, 0); derivative -sigmoid(l).
      result.value -= scale * BinaryCrossEntropyWithLogit(l, 0.0);
      grad[i] = static_cast<float>(-scale * d);
    }
  }
  return result;
}

double SoftmaxCrossEntropy(const float* logits, const int32_t* labels, int64_t rows, int64_t classes, float* grad) {
  double value = 0;
  const double scale = 1.0 / static_cast<double>(rows);
  for (int64_t r = 0; r < rows; ++r) {
    const float* l = logits + r * classes;
    const double largest = *std::max_element(l, l + classes);
    double sum = 0;
    for (int64_t c = 0; c < classes; ++c) sum += std::exp(l[c] - largest);
    const double log_sum = largest + std::log(sum);
    value += scale * (log_sum - l[labels[r]]);
    for (int64_t c = 0; c < classes; ++c) {
      const double p = std::exp(l[c] - log_sum);
      grad[r * classes + c] = static_cast<float>(scale * (p - (c == labels[r] ? 1.0 : 0.0)));
    }
  }
  return value;
}

void Softmax(float* logits, int64_t rows, int64_t classes) {
  for (int64_t r = 0; r < rows; ++r) {
    float* l = logits + r * classes;
    const double largest = *std::max_element(l, l + classes);
    double sum = 0;
    for (int64_t c = 0; c < classes; ++c) sum += std::exp(l[c] - largest);
    for (int64_t c = 0; c < classes; ++c) l[c] = static_cast<float>(std::exp(l[c] - largest) / sum);
  }
}

double HalfSquaredError(const float* out, const float* target, int64_t rows, int64_t dim, double scale, float* grad) {
  double sum = 0;
  for (int64_t i = 0; i < rows * dim; ++i) {
    const double diff = static_cast<double>(out[i]) - target[i];
    sum += diff * diff;
    grad[i] = static_cast<float>(scale * diff);
  }
  return scale * sum / 2;
}

}  // namespace gan
