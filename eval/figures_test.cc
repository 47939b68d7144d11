// The figures' contents: which images go in which cell.
#include "eval/figures.h"

#include <vector>

#include "gtest/gtest.h"

namespace gan::eval {
namespace {

// A 2x2 grey image whose four pixels all equal `value`.
std::vector<float> Flat(float value) { return std::vector<float>(4, value); }

TEST(NearestNeighbourFigureTest, LastColumnIsTheNearestTrainingExampleOfTheRowsLastSample) {
  data::Dataset train;
  train.shape = {1, 2, 2};
  for (float v : {0.0f, 0.3f, 0.6f, 1.0f}) {
    const std::vector<float> image = Flat(v);
    train.pixels.insert(train.pixels.end(), image.begin(), image.end());
  }
  train.labels.assign(4, 0);
  // Two rows of three samples; the last samples are 0.95 (nearest: 1.0) and 0.35 (nearest: 0.3).
  std::vector<float> samples;
  for (float v : {0.1f, 0.2f, 0.95f, 0.5f, 0.5f, 0.35f}) {
    const std::vector<float> image = Flat(v);
    samples.insert(samples.end(), image.begin(), image.end());
  }
  const data::Image figure = NearestNeighbourFigure(samples.data(), 2, 3, train, data::Display::kUnitRange);
  // 4 cells of 2 pixels and 1-pixel borders: 4 * 2 + 5 = 13 wide, 2 * 2 + 3 = 7 high.
  ASSERT_EQ(figure.width, 13);
  ASSERT_EQ(figure.height, 7);
  auto pixel = [&](int64_t row, int64_t column) {  // top-left pixel of a cell
    return figure.pixels[(1 + row * 3) * figure.width + 1 + column * 3];
  };
  EXPECT_EQ(pixel(0, 2), 242);  // round(0.95 * 255), the sample itself
  EXPECT_EQ(pixel(0, 3), 255);  // its neighbour, 1.0
  EXPECT_EQ(pixel(1, 2), 89);   // round(0.35 * 255)
  EXPECT_EQ(pixel(1, 3), 77);   // its neighbour, 0.3
}

TEST(InterpolateNoiseTest, RowsRunFromStartToEndInEvenSteps) {
  const std::vector<float> endpoints = {0, 10, 4, -2,   // row 0: (0, 10) -> (4, -2)
                                        1, 1, 1, 1};    // row 1: constant
  const std::vector<float> z = InterpolateNoise(endpoints.data(), 2, 5, 2);
  ASSERT_EQ(z.size(), 2u * 5 * 2);
  const std::vector<float> row0 = {0, 10, 1, 7, 2, 4, 3, 1, 4, -2};
  for (int i = 0; i < 10; ++i) EXPECT_FLOAT_EQ(z[i], row0[i]);
  for (int i = 10; i < 20; ++i) EXPECT_FLOAT_EQ(z[i], 1.0f);
}

// Contrast-normalised data: the samples set the shared scale (here 1), and a
// neighbour beyond it is clipped, as in the authors' show_samples scripts.
TEST(NearestNeighbourFigureTest, SamplesSetTheScaleOfContrastNormalisedFigures) {
  data::Dataset train;
  train.shape = {1, 2, 2};
  for (float v : {-3.0f, 3.0f}) {
    const std::vector<float> image = Flat(v);
    train.pixels.insert(train.pixels.end(), image.begin(), image.end());
  }
  train.labels.assign(2, 0);
  std::vector<float> samples;
  for (float v : {-1.0f, 0.5f}) {
    const std::vector<float> image = Flat(v);
    samples.insert(samples.end(), image.begin(), image.end());
  }
  const data::Image figure = NearestNeighbourFigure(samples.data(), 1, 2, train, data::DisplayFor(55.0f));
  auto pixel = [&](int64_t column) { return figure.pixels[1 * figure.width + 1 + column * 3]; };
  EXPECT_EQ(pixel(0), 0);    // -1 of scale 1: black
  EXPECT_EQ(pixel(1), 191);  // 0.5: round(255 * 0.75)
  EXPECT_EQ(pixel(2), 255);  // its neighbour, 3: clipped white
}

}  // namespace
}  // namespace gan::eval
