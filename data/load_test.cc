#include "data/load.h"

#include <cmath>

#include "gtest/gtest.h"

namespace gan::data {
namespace {

TEST(GlobalContrastNormalizeTest, ZeroMeanAndTheGivenNorm) {
  Dataset d;
  d.shape = {1, 1, 4};
  d.pixels = {0.1f, 0.2f, 0.3f, 0.6f, 0.5f, 0.5f, 0.5f, 0.5f};
  d.labels = {0, 1};
  GlobalContrastNormalize(d, 55.0f);
  double mean = 0, norm = 0;
  for (int i = 0; i < 4; ++i) mean += d.pixels[i];
  for (int i = 0; i < 4; ++i) norm += d.pixels[i] * d.pixels[i];
  EXPECT_NEAR(mean, 0.0, 1e-5);
  EXPECT_NEAR(std::sqrt(norm), 55.0, 1e-4);
  // Differences are kept in proportion: (0.6 - 0.3) / (0.2 - 0.1) = 3.
  EXPECT_NEAR((d.pixels[3] - d.pixels[2]) / (d.pixels[1] - d.pixels[0]), 3.0, 1e-4);
  for (int i = 4; i < 8; ++i) EXPECT_EQ(d.pixels[i], 0.0f) << "a flat image stays flat, not NaN";
}

TEST(LoadSplitsTest, UnknownNameIsAnError) {
  EXPECT_EQ(LoadSplits("imagenet", "").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gan::data
