#include "base/random.h"

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

// FillNormal transforms its pairs in parallel chunks; the values and the state
// it leaves must be those of one serial Box-Muller loop over the same stream.
TEST(RngTest, NormalDrawsAreTheSerialBoxMullerOnes) {
  for (int64_t n : {1, 2, 7, 4095, 4096, 10001, 20000}) {
    Rng parallel(11), serial(11);
    std::vector<float> values(n);
    parallel.FillNormal(values.data(), n);
    for (int64_t i = 0; i < n; i += 2) {
      const double u1 = (static_cast<double>(serial.NextU64() >> 11) + 1.0) * 0x1.0p-53;
      const double u2 = static_cast<double>(serial.NextU64() >> 11) * 0x1.0p-53;
      const double radius = std::sqrt(-2.0 * std::log(u1));
      ASSERT_EQ(values[i], static_cast<float>(radius * std::cos(6.283185307179586 * u2))) << "n " << n << " i " << i;
      if (i + 1 < n) {
        ASSERT_EQ(values[i + 1], static_cast<float>(radius * std::sin(6.283185307179586 * u2))) << "n " << n << " i " << i;
      }
    }
    EXPECT_EQ(parallel.state(), serial.state()) << "n " << n;
  }
}

}  // namespace
}  // namespace gan
