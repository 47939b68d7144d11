// The objectives against direct formulas in long double, their gradients
// against central differences, and their behaviour at extreme logits.
#include "gan/objectives/loss.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace gan {
namespace {

long double DirectBce(long double l, long double t) {
  const long double d = 1.0L / (1.0L + std::exp(-l));
  return -(t * std::log(d) + (1 - t) * std::log(1 - d));
}

TEST(LossTest, BceMatchesDirectFormulaForModerateLogits) {
  for (double l : {-8.0, -2.5, -0.1, 0.0, 0.3, 1.0, 7.5}) {
    for (double t : {0.0, 0.25, 1.0}) {
      EXPECT_NEAR(BinaryCrossEntropyWithLogit(l, t), static_cast<double>(DirectBce(l, t)), 1e-12) << l << " " << t;
    }
  }
}

TEST(LossTest, ExtremeLogitsGiveFiniteLossesAndExactGradients) {
  // At l = +-100, log(1 - sigmoid(l)) underflows if computed directly; the
  // exact values are: BCE(100, 0) = 100 + log1p(e^-100) ~ 100, BCE(-100, 1) ~ 100.
  EXPECT_DOUBLE_EQ(BinaryCrossEntropyWithLogit(100, 0), 100.0);
  EXPECT_DOUBLE_EQ(BinaryCrossEntropyWithLogit(-100, 1), 100.0);
  EXPECT_NEAR(BinaryCrossEntropyWithLogit(100, 1), std::exp(-100.0), 1e-50);
  EXPECT_TRUE(std::isfinite(BinaryCrossEntropyWithLogit(1e4, 0)));

  const std::vector<float> logits = {100, -100, -100, 100};  // real: sure, wrong; fake: sure, wrong
  std::vector<float> grad(4);
  double fake_mean_d = 0;
  const Objective d = DiscriminatorObjective(logits.data(), 2, grad.data(), &fake_mean_d);
  EXPECT_NEAR(d.value, 0.5 * (100.0 / 2 + 100.0 / 2), 1e-9);
  EXPECT_NEAR(grad[0], 0.0f, 1e-30);     // real, D = 1: nothing to learn
  EXPECT_FLOAT_EQ(grad[1], -0.25f);      // real, D = 0: 0.5 / m * (0 - 1)
  EXPECT_NEAR(grad[2], 0.0f, 1e-30);     // fake, D = 0
  EXPECT_FLOAT_EQ(grad[3], 0.25f);       // fake, D = 1
  EXPECT_NEAR(d.mean_d, 0.5, 1e-12);
  EXPECT_NEAR(fake_mean_d, 0.5, 1e-12);

  // The generator with D sure its samples are fake (l = -100): the minimax
  // gradient vanishes (the paper's saturation), the non-saturating one does not.
  const float fake = -100;
  float g_grad = 0;
  const Objective ns = GeneratorObjective(&fake, 1, true, &g_grad);
  EXPECT_DOUBLE_EQ(ns.value, 100.0);
  EXPECT_FLOAT_EQ(g_grad, -1.0f);
  const Objective mm = GeneratorObjective(&fake, 1, false, &g_grad);
  EXPECT_NEAR(mm.value, -std::exp(-100.0), 1e-50);
  EXPECT_NEAR(g_grad, 0.0f, 1e-30);
}

// Central differences in double, step 1e-6: error ~1e-10 against gradients
// rounded to float (relative 6e-8), so 1e-6 is a safe bound.
TEST(LossTest, GradientsMatchFiniteDifferences) {
  const std::vector<float> logits = {2.0f, -0.5f, 0.1f, 3.0f, -4.0f, 0.7f};
  const int64_t m = 3;
  std::vector<float> grad(2 * m), scratch(2 * m);
  DiscriminatorObjective(logits.data(), m, grad.data(), nullptr);
  for (int64_t i = 0; i < 2 * m; ++i) {
    auto value_at = [&](double l) {
      double sum = 0;
      for (int64_t j = 0; j < 2 * m; ++j) {
        sum += 0.5 / m * BinaryCrossEntropyWithLogit(j == i ? l : logits[j], j < m ? 1.0 : 0.0);
      }
      return sum;
    };
    const double numeric = (value_at(logits[i] + 1e-6) - value_at(logits[i] - 1e-6)) / 2e-6;
    EXPECT_NEAR(grad[i], numeric, 1e-6) << i;
    EXPECT_NEAR(DiscriminatorObjective(logits.data(), m, scratch.data(), nullptr).value, value_at(logits[i]), 1e-12);
  }
  for (bool non_saturating : {true, false}) {
    GeneratorObjective(logits.data(), m, non_saturating, grad.data());
    for (int64_t i = 0; i < m; ++i) {
      auto value_at = [&](float l) {
        std::vector<float> shifted(logits.begin(), logits.begin() + m);
        shifted[i] = l;
        return GeneratorObjective(shifted.data(), m, non_saturating, scratch.data()).value;
      };
      // Shifts of float logits: use a float-representable step.
      const float h = 1.0f / 1024;
      const double numeric = (value_at(logits[i] + h) - value_at(logits[i] - h)) / (2.0 * h);
      EXPECT_NEAR(grad[i], numeric, 1e-5) << i << (non_saturating ? " non-saturating" : " minimax");
    }
  }
}

// Against -log of the softmax computed directly in long double, the gradient
// against central differences of that direct value, and extreme logits finite.
TEST(LossTest, SoftmaxCrossEntropyMatchesDirectFormulaAndFiniteDifferences) {
  const int64_t rows = 3, classes = 4;
  const std::vector<float> logits = {1.0f, -2.0f, 0.5f, 3.0f, 0.0f, 0.0f, 0.0f, 0.0f, -1.5f, 2.5f, 0.25f, -0.75f};
  const std::vector<int32_t> labels = {3, 1, 0};
  auto direct = [&](const std::vector<float>& l) {
    long double sum = 0;
    for (int64_t r = 0; r < rows; ++r) {
      long double z = 0;
      for (int64_t c = 0; c < classes; ++c) z += std::exp(static_cast<long double>(l[r * classes + c]));
      sum -= std::log(std::exp(static_cast<long double>(l[r * classes + labels[r]])) / z);
    }
    return static_cast<double>(sum / rows);
  };
  std::vector<float> grad(rows * classes);
  EXPECT_NEAR(SoftmaxCrossEntropy(logits.data(), labels.data(), rows, classes, grad.data()), direct(logits), 1e-12);
  for (int64_t i = 0; i < rows * classes; ++i) {
    const float h = 1.0f / 1024;
    std::vector<float> up = logits, down = logits;
    up[i] += h;
    down[i] -= h;
    EXPECT_NEAR(grad[i], (direct(up) - direct(down)) / (2.0 * h), 1e-6) << i;
  }
  std::vector<float> probabilities = logits;
  Softmax(probabilities.data(), rows, classes);
  for (int64_t r = 0; r < rows; ++r) {
    // grad = (p - one_hot) / rows, so the softmax is grad * rows + one_hot.
    for (int64_t c = 0; c < classes; ++c) {
      EXPECT_NEAR(probabilities[r * classes + c], grad[r * classes + c] * rows + (c == labels[r] ? 1 : 0), 1e-6);
    }
  }
  const std::vector<float> extreme = {1e4f, -1e4f, 0.0f, 0.0f};
  const std::vector<int32_t> wrong = {1, 1};
  std::vector<float> extreme_grad(4);
  const double value = SoftmaxCrossEntropy(extreme.data(), wrong.data(), 2, 2, extreme_grad.data());
  EXPECT_NEAR(value, (2e4 + std::log(2.0)) / 2, 1e-6);
  EXPECT_FLOAT_EQ(extreme_grad[0], 0.5f);
  EXPECT_FLOAT_EQ(extreme_grad[1], -0.5f);
}

}  // namespace
}  // namespace gan
