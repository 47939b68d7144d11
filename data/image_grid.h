#ifndef DATA_IMAGE_GRID_H_
#define DATA_IMAGE_GRID_H_

// Grids of images as PNG files: the paper's sample figures.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "data/dataset.h"

namespace gan::data {

// An 8-bit image, grey (channels 1) or RGB (channels 3), rows top to bottom.
struct Image {
  int64_t width = 0, height = 0, channels = 1;
  std::vector<uint8_t> pixels;  // [height, width, channels]
};

// How image values become grey levels, the one rule every program that draws
// images uses: data in [0, 1] is shown as it is (clipped to [0, 1]);
// contrast-normalised data (no fixed range, zero mean per image) is shown as the
// authors' figures showed it (pylearn2's PatchViewer without rescaling, after
// their show_samples scripts divided by one scale): the whole grid shares one
// scale s, the largest |value| of its images (or of the samples, in Figure 2),
// and a value v is drawn at 0.5 + 0.5 v / s, clipped, so 0 is mid-grey and
// images keep their contrast relative to each other.
enum class Display { kUnitRange, kSharedSymmetricScale };
// The display of a data set with global contrast normalisation to `gcn_scale` (0: none).
inline Display DisplayFor(float gcn_scale) { return gcn_scale > 0 ? Display::kSharedSymmetricScale : Display::kUnitRange; }

// Lays out `count` images of `shape` (rows of [C, H, W] floats) in a grid of
// `columns`, with a 1-pixel border between cells. `shared_scale` > 0 sets
// kSharedSymmetricScale's s (else the largest |value| of the images).
Image MakeGrid(const float* images, int64_t count, const ImageShape& shape, int64_t columns, Display display,
               float shared_scale = 0);

// The images of a grid of `columns` columns in which each row of `top` is
// followed by the same row of `bottom` (e.g. inputs above their
// reconstructions): [2 * count, dim] from `top` and `bottom` [count, dim],
// count a multiple of `columns`.
std::vector<float> AlternateRows(const float* top, const float* bottom, int64_t count, int64_t columns, int64_t dim);

// Writes `image` as PNG, atomically (temporary file, then rename). Errors name the path.
absl::Status WritePng(const Image& image, const std::string& path);

}  // namespace gan::data

#endif  // DATA_IMAGE_GRID_H_
