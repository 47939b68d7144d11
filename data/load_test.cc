#include "data/load.h"

#include <cmath>
#include <utility>

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

// With a gcn_scale every split comes contrast-normalised (Debian's Fashion-MNIST).
TEST(LoadSplitsTest, ContrastNormalisesEverySplit) {
  const Splits plain = LoadSplits("fashion_mnist", "").value();
  const Splits normalised = LoadSplits("fashion_mnist", "", 0, 55.0f).value();
  for (auto [a, b] : {std::pair{&plain.train, &normalised.train}, std::pair{&plain.valid, &normalised.valid},
                      std::pair{&plain.test, &normalised.test}}) {
    ASSERT_EQ(a->rows(), b->rows());
    Dataset expected = a->Slice(0, 3, a->split);
    GlobalContrastNormalize(expected, 55.0f);
    for (int64_t i = 0; i < 3 * a->dim(); ++i) ASSERT_EQ(b->pixels[i], expected.pixels[i]);
  }
}

TEST(LoadSplitsTest, UnknownNameIsAnError) {
  EXPECT_EQ(LoadSplits("imagenet", "").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gan::data
