#include "eval/figures.h"

#include <algorithm>
#include <cmath>

#include "eval/distances.h"

namespace gan::eval {

data::Image NearestNeighbourFigure(const float* samples, int64_t rows, int64_t columns, const data::Dataset& train, data::Display display,
                                   const std::vector<int32_t>& row_classes) {
  const int64_t dim = train.dim();
  std::vector<float> last_samples(rows * dim);
  for (int64_t r = 0; r < rows; ++r) {
    const float* last = samples + (r * columns + columns - 1) * dim;
    std::copy(last, last + dim, last_samples.begin() + r * dim);
  }
  std::vector<int64_t> nearest;  // training rows
  if (row_classes.empty()) {
    nearest = SquaredDistances(train.pixels.data(), train.rows(), dim).Nearest(last_samples.data(), rows);
  } else {
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<int64_t> index;  // of the class's rows in `train`
      const data::Dataset of_class = train.RowsOfClass(row_classes[r], &index);
      nearest.push_back(index.empty() ? 0 : index[SquaredDistances(of_class.pixels.data(), of_class.rows(), dim)
                                                          .Nearest(last_samples.data() + r * dim, 1)[0]]);
    }
  }
  std::vector<float> cells((rows * (columns + 1)) * dim);  // [rows, columns + 1, D]
  for (int64_t r = 0; r < rows; ++r) {
    float* row = cells.data() + r * (columns + 1) * dim;
    std::copy(samples + r * columns * dim, samples + (r + 1) * columns * dim, row);
    const float* neighbour = train.pixels.data() + nearest[r] * dim;
    std::copy(neighbour, neighbour + dim, row + columns * dim);
  }
  float sample_scale = 0;
  for (int64_t i = 0; i < rows * columns * dim; ++i) sample_scale = std::max(sample_scale, std::fabs(samples[i]));
  return data::MakeGrid(cells.data(), rows * (columns + 1), train.shape, columns + 1, display, sample_scale);
}

std::vector<float> InterpolateNoise(const float* endpoints, int64_t rows, int64_t steps, int64_t noise_dim) {
  std::vector<float> z(rows * steps * noise_dim);
  for (int64_t r = 0; r < rows; ++r) {
    const float* start = endpoints + 2 * r * noise_dim;
    const float* end = start + noise_dim;
    for (int64_t s = 0; s < steps; ++s) {
      const float t = static_cast<float>(s) / static_cast<float>(steps - 1);
      float* out = z.data() + (r * steps + s) * noise_dim;
      for (int64_t k = 0; k < noise_dim; ++k) out[k] = (1 - t) * start[k] + t * end[k];
    }
  }
  return z;
}

}  // namespace gan::eval
