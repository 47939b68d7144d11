// The K + 1 discriminator's objective and feature matching: values against
// the probabilities written out as the K + 1-way softmax, every gradient
// against central differences (in double, of the value as a function of one
// float logit or feature), finite at extreme logits.
#include "gan/objectives/semi_supervised_objective.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace gan {
namespace {

// A fixed spread of logits, some large.
std::vector<float> Logits(int64_t rows, int64_t classes) {
  std::vector<float> l(rows * classes);
  for (int64_t i = 0; i < rows * classes; ++i) l[i] = static_cast<float>(std::sin(1.7 * i + 0.3) * (i % 7 == 0 ? 6.0 : 2.0));
  return l;
}

// p(generated | x) of one row, written out: 1 / (1 + sum exp(l)).
double GeneratedProbability(const float* l, int64_t classes) {
  double z = 0;
  for (int64_t c = 0; c < classes; ++c) z += std::exp(static_cast<double>(l[c]));
  return 1.0 / (1.0 + z);
}

// With the unlabelled and generated terms weighed as this framework's recipe
// first did (1) and as Salimans et al.'s code does (0.5).
class KPlusOneObjectiveTest : public ::testing::TestWithParam<double> {};

TEST_P(KPlusOneObjectiveTest, DiscriminatorTermsAreTheKPlusOneSoftmaxs) {
  const double weight = GetParam();
  const int64_t classes = 4, labelled = 3, unlabelled = 5, generated = 6, rows = labelled + unlabelled + generated;
  const std::vector<float> l = Logits(rows, classes);
  const std::vector<int32_t> labels = {2, 0, 3};
  std::vector<float> grad(l.size());
  const KPlusOneObjective f = KPlusOneDiscriminatorObjective(l.data(), labels.data(), labelled, unlabelled, generated, classes, weight, grad.data());
  double supervised = 0, real = 0, fake = 0, d_real = 0, d_fake = 0;
  for (int64_t r = 0; r < labelled; ++r) {
    const float* row = l.data() + r * classes;
    double z = 0;
    for (int64_t c = 0; c < classes; ++c) z += std::exp(static_cast<double>(row[c]));
    supervised -= std::log(std::exp(static_cast<double>(row[labels[r]])) / z) / labelled;
  }
  for (int64_t r = labelled; r < labelled + unlabelled; ++r) {
    const double p = GeneratedProbability(l.data() + r * classes, classes);
    real -= std::log(1 - p) / unlabelled;
    d_real += (1 - p) / unlabelled;
  }
  for (int64_t r = labelled + unlabelled; r < rows; ++r) {
    const double p = GeneratedProbability(l.data() + r * classes, classes);
    fake -= std::log(p) / generated;
    d_fake += (1 - p) / generated;
  }
  EXPECT_NEAR(f.labelled, supervised, 1e-9);
  EXPECT_NEAR(f.unlabelled, real, 1e-9);
  EXPECT_NEAR(f.generated, fake, 1e-9);
  EXPECT_NEAR(f.value, supervised + weight * (real + fake), 1e-9);
  EXPECT_NEAR(f.mean_d_real, d_real, 1e-12);
  EXPECT_NEAR(f.mean_d_generated, d_fake, 1e-12);

  // Every gradient entry against central differences of the value.
  for (size_t i = 0; i < l.size(); ++i) {
    const double step = 1e-3;
    std::vector<float> up = l, down = l;
    up[i] += static_cast<float>(step);
    down[i] -= static_cast<float>(step);
    std::vector<float> scratch(l.size());
    const double plus = KPlusOneDiscriminatorObjective(up.data(), labels.data(), labelled, unlabelled, generated, classes, weight, scratch.data()).value;
    const double minus =
        KPlusOneDiscriminatorObjective(down.data(), labels.data(), labelled, unlabelled, generated, classes, weight, scratch.data()).value;
    const double numeric = (plus - minus) / (static_cast<double>(up[i]) - down[i]);
    EXPECT_NEAR(grad[i], numeric, 2e-4 * std::max(1.0, std::fabs(numeric))) << "logit " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(UnlabelledWeights, KPlusOneObjectiveTest, ::testing::Values(1.0, 0.5));

TEST(SemiSupervisedObjectiveTest, ExtremeLogitsGiveFiniteValuesAndGradients) {
  const std::vector<float> l = {1e4f, -1e4f, -1e4f, 1e4f, -1e4f, -1e4f, -1e4f, -1e4f, 80.0f, -80.0f};  // 5 rows of 2
  const std::vector<int32_t> labels = {1};
  std::vector<float> grad(l.size());
  const KPlusOneObjective f = KPlusOneDiscriminatorObjective(l.data(), labels.data(), 1, 2, 2, 2, 1.0, grad.data());
  EXPECT_TRUE(std::isfinite(f.value));
  EXPECT_NEAR(f.labelled, 2e4, 1);  // the wrong class by 2e4
  for (float g : grad) EXPECT_TRUE(std::isfinite(g));
  // Unlabelled: row 1 surely real (-log D = 0), row 2 surely generated (-log D = 1e4 - log 2).
  EXPECT_NEAR(f.unlabelled, (1e4 - std::log(2.0)) / 2, 1e-3);
}

TEST(SemiSupervisedObjectiveTest, FeatureMatchingIsTheSquaredDistanceOfMeans) {
  const int64_t dim = 3, real_rows = 4, generated_rows = 5;
  const std::vector<float> real = Logits(real_rows, dim), generated = Logits(generated_rows + 2, dim);
  const std::vector<float> fake(generated.begin() + 2 * dim, generated.end());
  std::vector<float> grad(fake.size());
  const double value = FeatureMatching(real.data(), real_rows, fake.data(), generated_rows, dim, grad.data());
  double expected = 0;
  for (int64_t j = 0; j < dim; ++j) {
    double a = 0, b = 0;
    for (int64_t r = 0; r < real_rows; ++r) a += real[r * dim + j] / static_cast<double>(real_rows);
    for (int64_t r = 0; r < generated_rows; ++r) b += fake[r * dim + j] / static_cast<double>(generated_rows);
    expected += (a - b) * (a - b);
  }
  EXPECT_NEAR(value, expected, 1e-9);
  EXPECT_GT(value, 1e-3);
  for (size_t i = 0; i < fake.size(); ++i) {
    std::vector<float> up = fake, down = fake, scratch(fake.size());
    up[i] += 1e-3f;
    down[i] -= 1e-3f;
    const double numeric = (FeatureMatching(real.data(), real_rows, up.data(), generated_rows, dim, scratch.data()) -
                            FeatureMatching(real.data(), real_rows, down.data(), generated_rows, dim, scratch.data())) /
                           (static_cast<double>(up[i]) - down[i]);
    EXPECT_NEAR(grad[i], numeric, 1e-5) << "feature " << i;
  }
}

}  // namespace
}  // namespace gan
