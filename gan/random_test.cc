#include "gan/random.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace gan {
namespace {

TEST(RngTest, SameSeedSameStreamAndStateRestores) {
  Rng a(42), b(42), c(43);
  EXPECT_EQ(a.NextU64(), b.NextU64());
  EXPECT_NE(a.NextU64(), c.NextU64());
  const Rng::State saved = a.state();
  const uint64_t next = a.NextU64();
  b.set_state(saved);
  EXPECT_EQ(b.NextU64(), next);
}

// Moments of n draws: the sample mean is within 5 standard errors of the true
// mean (a false failure has probability below 1e-6).
TEST(RngTest, UniformAndNormalMoments) {
  constexpr int64_t kN = 1 << 20;
  std::vector<float> values(kN);
  Rng rng(7);

  rng.FillUniform(values.data(), kN, -1.0f, 3.0f);
  double sum = 0, sum_sq = 0;
  for (float v : values) {
    ASSERT_GE(v, -1.0f);
    ASSERT_LT(v, 3.0f);
    sum += v;
    sum_sq += v * v;
  }
  double mean = sum / kN, variance = sum_sq / kN - mean * mean;
  EXPECT_NEAR(mean, 1.0, 5 * std::sqrt(16.0 / 12 / kN));
  EXPECT_NEAR(variance, 16.0 / 12, 0.02);

  rng.FillNormal(values.data(), kN);
  sum = sum_sq = 0;
  double sum_4 = 0;
  for (float v : values) {
    sum += v;
    sum_sq += double{v} * v;
    sum_4 += double{v} * v * v * v;
  }
  mean = sum / kN;
  EXPECT_NEAR(mean, 0.0, 5 / std::sqrt(double{kN}));
  EXPECT_NEAR(sum_sq / kN, 1.0, 5 * std::sqrt(2.0 / kN));
  EXPECT_NEAR(sum_4 / kN, 3.0, 5 * std::sqrt(96.0 / kN));  // kurtosis of a Gaussian
}

}  // namespace
}  // namespace gan
