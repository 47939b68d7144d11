#include "gan/spec/inpainting.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gan/spec/noise.h"

namespace gan {
namespace {

// A whole number in [0, n).
int Below(Rng& rng, int n) { return static_cast<int>(rng.NextU64() % static_cast<uint64_t>(n)); }

// Marks the rectangle of rows [top, top + rows) and columns [left, left + cols) missing.
void MarkRectangle(int width, int top, int left, int rows, int cols, float* mask) {
  for (int r = top; r < top + rows; ++r) std::fill(mask + r * width + left, mask + r * width + left + cols, 1.0f);
}

void MarkRandomPixels(Rng& rng, float missing_probability, int64_t dim, float* mask) {
  for (int64_t i = 0; i < dim; ++i) mask[i] = rng.NextUniform() < missing_probability ? 1.0f : 0.0f;
}

}  // namespace

const std::vector<std::string>& ReportedMaskNames() {
  static const std::vector<std::string> names = {"bottom_half", "left_half", "centre_square", "random_80"};
  return names;
}

void DrawTrainingMask(Rng& rng, int height, int width, float* mask) {
  std::fill(mask, mask + static_cast<int64_t>(height) * width, 0.0f);
  const int half_h = height / 2, half_w = width / 2;
  switch (Below(rng, 4)) {
    case 0:  // a half: top, bottom, left, right
      switch (Below(rng, 4)) {
        case 0: MarkRectangle(width, 0, 0, half_h, width, mask); return;
        case 1: MarkRectangle(width, half_h, 0, height - half_h, width, mask); return;
        case 2: MarkRectangle(width, 0, 0, height, half_w, mask); return;
        default: MarkRectangle(width, 0, half_w, height, width - half_w, mask); return;
      }
    case 1: {  // a quadrant
      const int q = Below(rng, 4);
      const int top = q / 2 == 0 ? 0 : half_h, left = q % 2 == 0 ? 0 : half_w;
      MarkRectangle(width, top, left, q / 2 == 0 ? half_h : height - half_h, q % 2 == 0 ? half_w : width - half_w, mask);
      return;
    }
    case 2: {  // a square, side a quarter to three quarters of the shorter side
      const int shorter = std::min(height, width);
      const int low = std::max(1, shorter / 4), high = std::max(low, 3 * shorter / 4);
      const int side = low + Below(rng, high - low + 1);
      MarkRectangle(width, Below(rng, height - side + 1), Below(rng, width - side + 1), side, side, mask);
      return;
    }
    default: {  // random pixels
      static constexpr float kMissing[] = {0.2f, 0.4f, 0.6f, 0.8f, 0.9f};
      MarkRandomPixels(rng, kMissing[Below(rng, 5)], static_cast<int64_t>(height) * width, mask);
      return;
    }
  }
}

absl::Status FillNamedMask(const std::string& name, Rng& rng, int height, int width, float* mask) {
  const int64_t dim = static_cast<int64_t>(height) * width;
  std::fill(mask, mask + dim, 0.0f);
  if (name == "bottom_half") {
    MarkRectangle(width, height / 2, 0, height - height / 2, width, mask);
  } else if (name == "left_half") {
    MarkRectangle(width, 0, 0, height, width / 2, mask);
  } else if (name == "centre_square") {
    const int side = std::min(height, width) / 2;
    MarkRectangle(width, (height - side) / 2, (width - side) / 2, side, side, mask);
  } else if (name == "random_80") {
    MarkRandomPixels(rng, 0.8f, dim, mask);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown mask '", name, "': the masks are ", absl::StrJoin(ReportedMaskNames(), ", ")));
  }
  return absl::OkStatus();
}

void FillCondition(const float* image, const float* mask, int64_t dim, float* condition) {
  for (int64_t i = 0; i < dim; ++i) condition[i] = mask[i] != 0.0f ? 0.0f : image[i];
  std::copy(mask, mask + dim, condition + dim);
}

void Complete(const float* generated, const float* condition, int64_t dim, float* completion) {
  const float* mask = condition + dim;
  for (int64_t i = 0; i < dim; ++i) completion[i] = mask[i] != 0.0f ? generated[i] : condition[i];
}

namespace {

// z for `rows` rows, then each row's condition from its image and a mask that `fill_mask` makes.
template <typename FillMask>
void FillInputs(const proto::Experiment& experiment, Rng& rng, const float* images, int64_t image_rows, int64_t rows,
                FillMask fill_mask, float* g_input) {
  const int64_t noise_dim = experiment.noise_dim(), dim = InpaintingImageDim(experiment);
  const int64_t width = noise_dim + 2 * dim;
  std::vector<float> z(rows * noise_dim), mask(dim);
  FillNoise(experiment.noise(), rng, z.data(), rows * noise_dim);
  for (int64_t i = 0; i < rows; ++i) {
    float* row = g_input + i * width;
    std::copy(z.begin() + i * noise_dim, z.begin() + (i + 1) * noise_dim, row);
    fill_mask(mask.data());
    FillCondition(images + (i % image_rows) * dim, mask.data(), dim, row + noise_dim);
  }
}

}  // namespace

void FillTrainingInputs(const proto::Experiment& experiment, Rng& rng, const float* images, int64_t image_rows, int64_t rows,
                        float* g_input) {
  const int height = experiment.inpainting().height(), width = experiment.inpainting().width();
  FillInputs(experiment, rng, images, image_rows, rows, [&](float* mask) { DrawTrainingMask(rng, height, width, mask); }, g_input);
}

std::vector<float> TrainingInputs(const proto::Experiment& experiment, Rng& rng, const float* images, int64_t image_rows,
                                  int64_t rows) {
  std::vector<float> g_input(rows * GeneratorInputDim(experiment));
  FillTrainingInputs(experiment, rng, images, image_rows, rows, g_input.data());
  return g_input;
}

absl::StatusOr<std::vector<float>> NamedMasks(const std::string& name, Rng& rng, int height, int width, int64_t rows) {
  const int64_t dim = static_cast<int64_t>(height) * width;
  std::vector<float> masks(rows * dim);
  for (int64_t i = 0; i < rows; ++i) {
    if (absl::Status filled = FillNamedMask(name, rng, height, width, masks.data() + i * dim); !filled.ok()) return filled;
  }
  return masks;
}

std::vector<float> InputsForMasks(const proto::Experiment& experiment, Rng& rng, const float* images, const float* masks,
                                  int64_t rows) {
  const int64_t dim = InpaintingImageDim(experiment);
  std::vector<float> g_input(rows * GeneratorInputDim(experiment));
  int64_t row = 0;
  FillInputs(experiment, rng, images, rows, rows, [&](float* mask) { std::copy(masks + row * dim, masks + (row + 1) * dim, mask); ++row; },
             g_input.data());
  return g_input;
}

std::vector<float> CompleteRows(const proto::Experiment& experiment, const float* g_input, const float* generated, int64_t rows) {
  const int64_t noise_dim = experiment.noise_dim(), dim = InpaintingImageDim(experiment);
  std::vector<float> completions(rows * dim);
  for (int64_t i = 0; i < rows; ++i) {
    Complete(generated + i * dim, g_input + i * (noise_dim + 2 * dim) + noise_dim, dim, completions.data() + i * dim);
  }
  return completions;
}

std::vector<float> InpaintingGridImages(const proto::Experiment& experiment, const float* g_input, const float* generated,
                                        int64_t rows) {
  const int64_t noise_dim = experiment.noise_dim(), dim = InpaintingImageDim(experiment);
  const std::vector<float> completions = CompleteRows(experiment, g_input, generated, rows);
  std::vector<float> images(2 * rows * dim);
  for (int64_t i = 0; i < rows; ++i) {
    const float* condition = g_input + i * (noise_dim + 2 * dim) + noise_dim;
    float* observed = images.data() + 2 * i * dim;
    for (int64_t p = 0; p < dim; ++p) observed[p] = condition[dim + p] != 0.0f ? 0.5f : condition[p];
    std::copy(completions.begin() + i * dim, completions.begin() + (i + 1) * dim, observed + dim);
  }
  return images;
}

}  // namespace gan
