#include "eval/distances.h"

#include <algorithm>
#include <cmath>
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

std::vector<float> KMeansCentroids(const float* data, int64_t n, int64_t d, int64_t k, int iterations, uint64_t seed) {
  // Distinct starting rows: the first k of a seeded shuffle of all rows.
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed);
  for (int64_t i = 0; i < k; ++i) {
    const int64_t j = i + static_cast<int64_t>(rng.NextU64() % static_cast<uint64_t>(n - i));
    std::swap(order[i], order[j]);
  }
  std::vector<float> centres(k * d);
  for (int64_t c = 0; c < k; ++c) std::copy(data + order[c] * d, data + (order[c] + 1) * d, centres.data() + c * d);

  std::vector<double> sums(k * d);
  std::vector<int64_t> counts(k);
  for (int it = 0; it < iterations; ++it) {
    const std::vector<int64_t> assignment = SquaredDistances(centres.data(), k, d).Nearest(data, n);
    std::fill(sums.begin(), sums.end(), 0.0);
    std::fill(counts.begin(), counts.end(), 0);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t c = assignment[i];
      ++counts[c];
      for (int64_t t = 0; t < d; ++t) sums[c * d + t] += data[i * d + t];
    }
    for (int64_t c = 0; c < k; ++c) {
      if (counts[c] == 0) continue;
      for (int64_t t = 0; t < d; ++t) centres[c * d + t] = static_cast<float>(sums[c * d + t] / counts[c]);
    }
  }
  return centres;
}

}  // namespace gan::eval
