#include "eval/distances.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>

#include "base/random.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace gan::eval {
namespace {

std::vector<float> RowNorms(const float* x, int64_t rows, int64_t d) {
  std::vector<float> norms(rows);
#pragma omp parallel for
  for (int64_t i = 0; i < rows; ++i) {
    double sum = 0;
    for (int64_t k = 0; k < d; ++k) sum += double{x[i * d + k]} * x[i * d + k];
    norms[i] = static_cast<float>(sum);
  }
  return norms;
}

}  // namespace

SquaredDistances::SquaredDistances(const float* centres, int64_t n, int64_t d)
    : n_(n), d_(d), centres_(centres, centres + n * d), centre_norms_(RowNorms(centres, n, d)) {}

void SquaredDistances::ForEachBlock(
    const float* points, int64_t m, const std::function<void(int64_t, int64_t, float*)>& visit) const {
  if (m == 0 || n_ == 0) return;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  using dt = dnnl::memory::data_type;
  // dot [rows, n] = points [rows, d] x centres^T [d, n]; centres^T is the
  // row-major centres read with strides {1, d}.
  struct Shape {
    dnnl::memory::desc x, mu_t, dot;
    dnnl::matmul matmul;
  };
  auto make = [&](int64_t rows) {
    Shape s{dnnl::memory::desc({rows, d_}, dt::f32, dnnl::memory::dims{d_, 1}),
            dnnl::memory::desc({d_, n_}, dt::f32, dnnl::memory::dims{1, d_}),
            dnnl::memory::desc({rows, n_}, dt::f32, dnnl::memory::dims{n_, 1}), {}};
    s.matmul = dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(s.x, s.mu_t, s.dot), engine));
    return s;
  };
  // At most two shapes: full blocks and the last, shorter one.
  const int64_t full_rows = std::min(kBlock, m), tail_rows = m % kBlock == 0 ? full_rows : m % kBlock;
  const Shape full = make(full_rows);
  const Shape tail = tail_rows == full_rows ? full : make(tail_rows);
  std::vector<float> dot(full_rows * n_);
  const std::vector<float> point_norms = RowNorms(points, m, d_);
  for (int64_t first = 0; first < m; first += kBlock) {
    const int64_t rows = std::min(kBlock, m - first);
    const Shape& s = rows == full_rows ? full : tail;
    s.matmul.execute(stream, {{DNNL_ARG_SRC, dnnl::memory(s.x, engine, const_cast<float*>(points + first * d_))},
                              {DNNL_ARG_WEIGHTS, dnnl::memory(s.mu_t, engine, const_cast<float*>(centres_.data()))},
                              {DNNL_ARG_DST, dnnl::memory(s.dot, engine, dot.data())}});
    stream.wait();
#pragma omp parallel for
    for (int64_t b = 0; b < rows; ++b) {
      float* row = dot.data() + b * n_;
      const float x_norm = point_norms[first + b];
      for (int64_t j = 0; j < n_; ++j) {
        // Rounding can make a distance slightly negative: 0 then (+0, as
        // std::max(0.0f, v) gave). A NaN stays NaN, so a broken sample or
        // point shows as NaN downstream instead of as a perfect match.
        const float squared = x_norm + centre_norms_[j] - 2.0f * row[j];
        row[j] = squared > 0.0f || std::isnan(squared) ? squared : 0.0f;
      }
    }
    visit(first, rows, dot.data());
  }
}

std::vector<int64_t> SquaredDistances::Nearest(const float* points, int64_t m) const {
  std::vector<int64_t> nearest(m, 0);
  ForEachBlock(points, m, [&](int64_t first, int64_t rows, float* distances) {
#pragma omp parallel for
    for (int64_t b = 0; b < rows; ++b) {
      const float* row = distances + b * n_;
      nearest[first + b] = std::min_element(row, row + n_) - row;
    }
  });
  return nearest;
}

namespace {

// Hamerly's bounds (2010) for Lloyd's iterations, made safe for distances
// computed in float: a row keeps its centre without a new distance pass
// when the bounds prove that the pass would pick the same one. For each row:
// `upper` >= its true distance to its centre, `lower` <= its true distance to
// any other centre (plain, not squared, distances).
struct RowBounds {
  std::vector<int64_t> assignment;
  std::vector<double> upper, lower;
};

// A bound on |computed - true| squared distance for a point of squared norm
// `point_norm` and centres of squared norm at most `centre_norm`, in d
// dimensions: ||x||^2 + ||mu||^2 - 2 x.mu, each term rounded to float (the
// products summed in any order), under 2 (d + 8) u (||x|| + ||mu||)^2 with u
// the unit roundoff of float.
double DistanceErrorBound(double point_norm, double centre_norm, int64_t d) {
  const double root = std::sqrt(point_norm) + std::sqrt(centre_norm);
  return 2.0 * static_cast<double>(d + 8) * 0x1.0p-24 * root * root;
}

// Recomputes the nearest centre of each row in `rows` (ascending) and its
// bounds. Rows are gathered into blocks of the sizes a pass over all n rows
// uses (SquaredDistances::kBlock, and the last n % kBlock rows on their own),
// each block filled up with copies of its last row, so that every distance
// comes from a matrix product of the same shape as in that pass: the same
// floats, hence the same nearest centre (the lowest index on ties).
void Reassign(const SquaredDistances& distances, const float* data, int64_t n, int64_t d, const std::vector<int64_t>& rows,
              const std::vector<float>& point_norms, double centre_norm, RowBounds& bounds) {
  const int64_t k = distances.size(), block = SquaredDistances::kBlock;
  const int64_t full_end = n < block ? 0 : n - n % block;  // rows before it go in full blocks
  std::vector<float> gathered(block * d);
  std::vector<int64_t> chosen;
  auto run = [&](size_t begin, size_t end, int64_t size) {
    for (size_t first = begin; first < end; first += static_cast<size_t>(size)) {
      chosen.assign(rows.begin() + static_cast<std::ptrdiff_t>(first), rows.begin() + static_cast<std::ptrdiff_t>(std::min(end, first + size)));
      const int64_t real = static_cast<int64_t>(chosen.size());
      for (int64_t r = 0; r < size; ++r) {
        const int64_t row = chosen[std::min(r, real - 1)];
        std::copy(data + row * d, data + (row + 1) * d, gathered.begin() + r * d);
      }
      distances.ForEachBlock(gathered.data(), size, [&](int64_t, int64_t, float* squared) {
#pragma omp parallel for
        for (int64_t r = 0; r < real; ++r) {
          const float* line = squared + r * k;
          int64_t best = 0;
          float best_value = line[0], second_value = std::numeric_limits<float>::infinity();
          for (int64_t j = 1; j < k; ++j) {
            if (line[j] < best_value) {
              second_value = best_value;
              best_value = line[j];
              best = j;
            } else if (line[j] < second_value) {
              second_value = line[j];
            }
          }
          const int64_t i = chosen[r];
          const double error = DistanceErrorBound(point_norms[i], centre_norm, d);
          bounds.assignment[i] = best;
          bounds.upper[i] = std::sqrt(double{best_value} + error);
          bounds.lower[i] = std::sqrt(std::max(double{second_value} - error, 0.0));
        }
      });
    }
  };
  const size_t split = static_cast<size_t>(std::lower_bound(rows.begin(), rows.end(), full_end) - rows.begin());
  run(0, split, block);
  run(split, rows.size(), n - full_end);
}

}  // namespace

std::vector<float> KMeansCentroids(const float* data, int64_t n, int64_t d, int64_t k, int iterations, uint64_t seed,
                                   std::vector<int64_t>* rows_assigned) {
  // Distinct starting rows: the first k of a seeded shuffle of all rows.
  Rng rng(seed);
  const std::vector<int64_t> order = rng.DistinctBelow(n, k);
  std::vector<float> centres(k * d), previous(k * d);
  for (int64_t c = 0; c < k; ++c) std::copy(data + order[c] * d, data + (order[c] + 1) * d, centres.data() + c * d);

  const std::vector<float> point_norms = RowNorms(data, n, d);
  RowBounds bounds{std::vector<int64_t>(n, 0), std::vector<double>(n, 0.0), std::vector<double>(n, 0.0)};
  std::vector<double> sums(k * d), moved(k);
  std::vector<int64_t> counts(k), stale;
  if (rows_assigned != nullptr) rows_assigned->clear();
  for (int it = 0; it < iterations; ++it) {
    // Assign: every row at first, then only rows whose bounds leave doubt.
    const SquaredDistances distances(centres.data(), k, d);
    const std::vector<float> centre_norms = RowNorms(centres.data(), k, d);
    const double centre_norm = *std::max_element(centre_norms.begin(), centre_norms.end());
    stale.clear();
    for (int64_t i = 0; i < n; ++i) {
      const double margin = bounds.lower[i] * bounds.lower[i] - bounds.upper[i] * bounds.upper[i];
      if (it == 0 || !(margin > 2.0 * DistanceErrorBound(point_norms[i], centre_norm, d))) stale.push_back(i);
    }
    Reassign(distances, data, n, d, stale, point_norms, centre_norm, bounds);
    if (rows_assigned != nullptr) rows_assigned->push_back(static_cast<int64_t>(stale.size()));

    // Update: each centre to the mean of its rows, summed in row order.
    std::fill(sums.begin(), sums.end(), 0.0);
    std::fill(counts.begin(), counts.end(), 0);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t c = bounds.assignment[i];
      ++counts[c];
      for (int64_t t = 0; t < d; ++t) sums[c * d + t] += data[i * d + t];
    }
    previous = centres;
    for (int64_t c = 0; c < k; ++c) {
      if (counts[c] == 0) continue;
      for (int64_t t = 0; t < d; ++t) centres[c * d + t] = static_cast<float>(sums[c * d + t] / counts[c]);
    }

    // Move the bounds by how far the centres moved (a hair more, for the
    // rounding of the movement itself).
    for (int64_t c = 0; c < k; ++c) {
      double squared = 0;
      for (int64_t t = 0; t < d; ++t) {
        const double step = double{centres[c * d + t]} - previous[c * d + t];
        squared += step * step;
      }
      moved[c] = std::sqrt(squared) * (1 + 1e-12);
    }
    const int64_t farthest = std::max_element(moved.begin(), moved.end()) - moved.begin();
    double runner_up = 0;
    for (int64_t c = 0; c < k; ++c) {
      if (c != farthest) runner_up = std::max(runner_up, moved[c]);
    }
    for (int64_t i = 0; i < n; ++i) {
      const int64_t a = bounds.assignment[i];
      bounds.upper[i] += moved[a];
      bounds.lower[i] = std::max(bounds.lower[i] - (a == farthest ? runner_up : moved[farthest]), 0.0);
    }
  }
  return centres;
}

}  // namespace gan::eval
