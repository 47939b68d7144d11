// Grids place each image in its cell; PNGs written here read back identical
// through libpng.
#include "data/image_grid.h"

#include <png.h>

#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <vector>

#include "gtest/gtest.h"

namespace gan::data {
namespace {

Image ReadPng(const std::string& path) {
  png_image read;
  std::memset(&read, 0, sizeof(read));
  read.version = PNG_IMAGE_VERSION;
  Image image;
  if (!png_image_begin_read_from_file(&read, path.c_str())) return image;
  image.channels = (read.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
  read.format = image.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  image.width = read.width;
  image.height = read.height;
  image.pixels.resize(PNG_IMAGE_SIZE(read));
  png_image_finish_read(&read, nullptr, image.pixels.data(), 0, nullptr);
  return image;
}

// Contrast-normalised data has no fixed range: the grid shares one scale, its
// largest |value| (here 8), and v is drawn at 0.5 + 0.5 v / 8 as in the authors'
// figures; data in [0, 1] is clipped.
TEST(ImageGridTest, AlternateRowsPutEachBottomRowUnderItsTopRow) {
  // 4 one-value images of each kind in rows of 2: top 0 1 / bottom 10 11 / top 2 3 / bottom 12 13.
  const std::vector<float> top = {0, 1, 2, 3}, bottom = {10, 11, 12, 13};
  EXPECT_EQ(AlternateRows(top.data(), bottom.data(), 4, 2, 1), (std::vector<float>{0, 1, 10, 11, 2, 3, 12, 13}));
  const std::vector<float> wide_top = {0, 0, 1, 1}, wide_bottom = {5, 5, 6, 6};  // 2 images of 2 values, 1 per row
  EXPECT_EQ(AlternateRows(wide_top.data(), wide_bottom.data(), 2, 1, 2), (std::vector<float>{0, 0, 5, 5, 1, 1, 6, 6}));
}

TEST(ImageGridTest, DisplayRules) {
  const data::ImageShape row{1, 1, 3};
  const std::vector<float> images = {-2.0f, 0.0f, 2.0f, 8.0f, -4.0f, -8.0f};
  const Image shared = MakeGrid(images.data(), 2, row, 2, DisplayFor(55.0f));
  const Image clipped = MakeGrid(images.data(), 2, row, 2, DisplayFor(0.0f));
  const int64_t y = 1;
  const int expected[2][3] = {{96, 128, 159}, {255, 64, 0}};  // round(255 * (0.5 + v / 16))
  for (int64_t cell = 0; cell < 2; ++cell) {
    const int64_t left = 1 + cell * 4;
    for (int64_t x = 0; x < 3; ++x) EXPECT_EQ(shared.pixels[y * shared.width + left + x], expected[cell][x]) << cell << " " << x;
  }
  EXPECT_EQ(clipped.pixels[y * clipped.width + 1], 0);    // -2 -> 0
  EXPECT_EQ(clipped.pixels[y * clipped.width + 3], 255);  // 2 -> 1
  EXPECT_EQ(clipped.pixels[y * clipped.width + 5], 255);  // 8 -> 1
}

TEST(ImageGridTest, GreyAndColourCellsLandWhereTheyShould) {
  // Three 2x3 grey images with values k / 4 in a grid of 2 columns.
  const data::ImageShape grey{1, 2, 3};
  std::vector<float> images;
  for (int k = 0; k < 3; ++k) images.insert(images.end(), 6, k / 4.0f);
  const Image grid = MakeGrid(images.data(), 3, grey, 2, Display::kUnitRange);
  EXPECT_EQ(grid.width, 2 * 4 + 1);
  EXPECT_EQ(grid.height, 2 * 3 + 1);
  EXPECT_EQ(grid.pixels[0], 128);                       // border
  EXPECT_EQ(grid.pixels[1 * grid.width + 5], 64);      // image 1, top-left (row 1, column 5)
  EXPECT_EQ(grid.pixels[4 * grid.width + 1], 128);     // image 2, top-left: 2/4 -> 128
  EXPECT_EQ(grid.pixels[5 * grid.width + 7], 128);     // empty fourth cell stays border grey

  const data::ImageShape colour{3, 1, 1};
  const std::vector<float> rgb = {1.0f, 0.0f, 0.5f};  // planes R, G, B
  const Image pixel = MakeGrid(rgb.data(), 1, colour, 1, Display::kUnitRange);
  EXPECT_EQ(pixel.channels, 3);
  const size_t centre = (1 * pixel.width + 1) * 3;
  EXPECT_EQ(pixel.pixels[centre], 255);
  EXPECT_EQ(pixel.pixels[centre + 1], 0);
  EXPECT_EQ(pixel.pixels[centre + 2], 128);

  const std::string dir = std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp";
  for (const Image* image : {&grid, &pixel}) {
    const std::string path = dir + "/grid.png";
    ASSERT_TRUE(WritePng(*image, path).ok());
    const Image back = ReadPng(path);
    EXPECT_EQ(back.width, image->width);
    EXPECT_EQ(back.channels, image->channels);
    EXPECT_EQ(back.pixels, image->pixels);
  }
  EXPECT_FALSE(WritePng(grid, "/no/such/dir/grid.png").ok());
}

}  // namespace
}  // namespace gan::data
