#ifndef EVAL_FIGURES_H_
#define EVAL_FIGURES_H_

// The paper's sample figures, as images (write them with data::WritePng).

#include <cstdint>
#include <vector>

#include "data/dataset.h"
#include "data/image_grid.h"

namespace gan::eval {

// Figure 2: `rows` rows of `columns` samples (samples [rows * columns, D]),
// each row followed by the training example nearest (Euclidean) to its last
// sample, so a reader can see the samples are not copies of training data.
// With kSharedSymmetricScale the samples set the scale, as in the authors'
// show_samples scripts; a neighbour beyond it is clipped. With `row_classes`
// (one per row) a row's neighbour is the nearest training example of that
// class (a conditional generator's rows).
data::Image NearestNeighbourFigure(const float* samples, int64_t rows, int64_t columns, const data::Dataset& train, data::Display display,
                                   const std::vector<int32_t>& row_classes = {});

// Figure 3's inputs: for each of `rows` pairs of noise vectors (endpoints
// [2 * rows, noise_dim]: start, end, start, end, ...), `steps` >= 2 points
// evenly spaced on the line from start to end, both included:
// [rows * steps, noise_dim], row by row.
std::vector<float> InterpolateNoise(const float* endpoints, int64_t rows, int64_t steps, int64_t noise_dim);

}  // namespace gan::eval

#endif  // EVAL_FIGURES_H_
