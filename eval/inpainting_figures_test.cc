// An inpainter's scores against direct computations, and the baselines
// against brute force.
#include "eval/inpainting_figures.h"

#include <cmath>
#include <limits>
#include <vector>

#include "base/random.h"
#include "gtest/gtest.h"

namespace gan::eval {
namespace {

data::Dataset Images(int64_t rows, uint64_t seed) {
  data::Dataset d;
  d.name = "random";
  d.shape = {1, 3, 4};
  d.pixels.resize(rows * 12);
  Rng(seed).FillUniform(d.pixels.data(), static_cast<int64_t>(d.pixels.size()), 0.0f, 1.0f);
  for (int64_t i = 0; i < rows; ++i) d.labels.push_back(static_cast<int32_t>(i % 3));
  return d;
}

std::vector<float> RandomMasks(int64_t rows, int64_t dim, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> masks(rows * dim);
  for (float& m : masks) m = rng.NextUniform() < 0.5f ? 1.0f : 0.0f;
  return masks;
}

// Brute force over every training image, per image's own observed pixels:
// the nearest training image's distance is the least there is, and only the
// missing pixels change.
TEST(InpaintingFiguresTest, NearestTrainingImageIsNearestOnTheObservedPixels) {
  const data::Dataset train = Images(300, 1), images = Images(40, 2);
  const std::vector<float> masks = RandomMasks(40, 12, 3);
  const std::vector<float> completions = NearestTrainingCompletions(images, masks, train);
  for (int64_t i = 0; i < 40; ++i) {
    auto observed_distance = [&](const float* other) {
      double d = 0;
      for (int64_t p = 0; p < 12; ++p) {
        if (masks[i * 12 + p] == 0.0f) d += (images.Row(i)[p] - other[p]) * (images.Row(i)[p] - other[p]);
      }
      return d;
    };
    double best = std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < 300; ++j) best = std::min(best, observed_distance(train.Row(j)));
    // The completion's missing pixels are one training image's: find it.
    int64_t source = -1;
    for (int64_t j = 0; j < 300 && source < 0; ++j) {
      bool same = true;
      for (int64_t p = 0; p < 12; ++p) same = same && (masks[i * 12 + p] == 0.0f || completions[i * 12 + p] == train.Row(j)[p]);
      if (same) source = j;
    }
    ASSERT_GE(source, 0) << "image " << i;
    EXPECT_NEAR(observed_distance(train.Row(source)), best, 1e-4) << "image " << i;
    for (int64_t p = 0; p < 12; ++p) {
      if (masks[i * 12 + p] == 0.0f) {
        EXPECT_EQ(completions[i * 12 + p], images.Row(i)[p]);
      }
    }
  }
}

TEST(InpaintingFiguresTest, MeanImageFillsTheMissingPixels) {
  const data::Dataset train = Images(50, 4), images = Images(5, 5);
  const std::vector<float> masks = RandomMasks(5, 12, 6);
  const std::vector<float> mean = train.PixelMean();
  const std::vector<float> completions = MeanImageCompletions(images, masks, train);
  for (int64_t i = 0; i < 5; ++i) {
    for (int64_t p = 0; p < 12; ++p) {
      EXPECT_EQ(completions[i * 12 + p], masks[i * 12 + p] != 0.0f ? mean[p] : images.Row(i)[p]);
    }
  }
}

// Two images of 12 pixels, two draws: the error and the spread by hand.
TEST(InpaintingFiguresTest, ScoresAreTheMissingPixelsErrorAndSpread) {
  data::Dataset images = Images(2, 7);
  std::vector<float> masks(24, 0.0f);
  masks[0] = masks[1] = 1.0f;  // image 0: pixels 0 and 1 missing
  masks[12 + 5] = 1.0f;        // image 1: pixel 5 missing
  std::vector<float> completions(images.pixels);
  completions.insert(completions.end(), images.pixels.begin(), images.pixels.end());  // draw 2
  completions[0] = images.Row(0)[0] + 0.3f;       // draw 1, image 0
  completions[12 + 5] = images.Row(1)[5] - 0.1f;  // draw 1, image 1
  completions[24 + 1] = images.Row(0)[1] + 0.2f;  // draw 2, image 0
  const CompletionScores scores = ScoreCompletions("model", completions, 2, images, masks, nullptr);
  // Draw 1's errors on the missing pixels: 0.3, 0, -0.1.
  EXPECT_NEAR(scores.missing_mse, (0.09 + 0.0 + 0.01) / 3, 1e-6);
  // Standard deviations of two values a, b: |a - b| / sqrt(2): 0.3, 0.2, 0.1.
  EXPECT_NEAR(scores.spread, (0.3 + 0.2 + 0.1) / std::sqrt(2.0) / 3, 1e-6);
  EXPECT_EQ(scores.accuracy, -1);
  const CompletionScores one_draw = ScoreCompletions("model", completions, 1, images, masks, nullptr);
  EXPECT_EQ(one_draw.spread, 0);
  EXPECT_NE(FormatCompletionScores({scores}).find("model"), std::string::npos);
  EXPECT_NE(CompletionScoresJson({scores}).find("\"method\": \"model\""), std::string::npos);
}

TEST(InpaintingFiguresTest, FigureHasARowPerImageOfObservedCompletionsAndTruth) {
  const data::Dataset images = Images(3, 8);
  const std::vector<float> masks = RandomMasks(3, 12, 9);
  std::vector<float> completions(images.pixels);
  completions.insert(completions.end(), images.pixels.begin(), images.pixels.end());
  const data::Image figure = CompletionFigure(images, masks, completions, 2, {0, 2}, data::Display::kUnitRange);
  // 4 cells of 4 x 3 across (observed, 2 completions, truth), 2 down, with
  // 1-pixel borders around every cell.
  EXPECT_EQ(figure.width, 4 * 4 + 5);
  EXPECT_EQ(figure.height, 2 * 3 + 3);
}

}  // namespace
}  // namespace gan::eval
