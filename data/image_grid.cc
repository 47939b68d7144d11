#include "data/image_grid.h"

#include <png.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace gan::data {

Image MakeGrid(const float* images, int64_t count, const ImageShape& shape, int64_t columns, Display display,
               float shared_scale) {
  const int64_t rows = (count + columns - 1) / columns;
  Image grid;
  grid.channels = shape.channels == 3 ? 3 : 1;
  grid.width = columns * (shape.width + 1) + 1;
  grid.height = rows * (shape.height + 1) + 1;
  grid.pixels.assign(grid.width * grid.height * grid.channels, 128);  // grey borders
  const int64_t plane = shape.height * shape.width;
  // A value v is drawn at (v - low) * scale, clipped to [0, 1].
  float low = 0, scale = 1;
  if (display == Display::kSharedSymmetricScale) {
    float largest = shared_scale;
    if (largest <= 0) {
      for (int64_t i = 0; i < count * shape.size(); ++i) largest = std::max(largest, std::fabs(images[i]));
    }
    low = -std::max(largest, 1e-6f);
    scale = 1 / (-2 * low);
  }
  for (int64_t k = 0; k < count; ++k) {
    const float* image = images + k * shape.size();
    const int64_t top = 1 + (k / columns) * (shape.height + 1), left = 1 + (k % columns) * (shape.width + 1);
    for (int64_t y = 0; y < shape.height; ++y) {
      for (int64_t x = 0; x < shape.width; ++x) {
        for (int64_t c = 0; c < grid.channels; ++c) {
          const float v = std::clamp((image[c * plane + y * shape.width + x] - low) * scale, 0.0f, 1.0f);
          grid.pixels[((top + y) * grid.width + left + x) * grid.channels + c] = static_cast<uint8_t>(std::lround(v * 255));
        }
      }
    }
  }
  return grid;
}

std::vector<float> AlternateRows(const float* top, const float* bottom, int64_t count, int64_t columns, int64_t dim) {
  std::vector<float> images(2 * count * dim);
  const int64_t block = columns * dim;
  for (int64_t row = 0; row < count / columns; ++row) {
    std::copy_n(top + row * block, block, images.begin() + 2 * row * block);
    std::copy_n(bottom + row * block, block, images.begin() + (2 * row + 1) * block);
  }
  return images;
}

absl::Status WritePng(const Image& image, const std::string& path) {
  const std::string temporary = path + ".tmp";
  FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write: ", std::strerror(errno)));
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (png == nullptr || info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(file);
    std::remove(temporary.c_str());
    return absl::InternalError(absl::StrCat(path, ": libpng failed to write the image"));
  }
  png_init_io(png, file);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width), static_cast<png_uint_32>(image.height), 8,
               image.channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int64_t y = 0; y < image.height; ++y) {
    png_write_row(png, image.pixels.data() + y * image.width * image.channels);
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  if (std::fclose(file) != 0 || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return absl::DataLossError(absl::StrCat(path, ": write failed: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace gan::data
