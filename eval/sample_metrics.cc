#include "eval/sample_metrics.h"

#include <Eigen/Dense>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "base/random.h"
#include "eval/distances.h"

namespace gan::eval {
namespace {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Eigen::Map<const Matrix> AsMatrix(const std::vector<double>& values, int64_t dim) { return {values.data(), dim, dim}; }

// V max(D, 0)^1/2 V^T of a symmetric matrix.
Matrix SymmetricSqrt(const Matrix& m) {
  const Eigen::SelfAdjointEigenSolver<Matrix> solver(m);
  const Eigen::VectorXd roots = solver.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  return solver.eigenvectors() * roots.asDiagonal() * solver.eigenvectors().transpose();
}

// The k-th smallest of values[0, n) (0 < k <= n), counting repeats, in one
// pass that keeps the k smallest so far in order: few values enter for a
// small k, so most cost one comparison (nth_element moved every value).
float KthSmallest(const float* values, int64_t n, int k, float* smallest) {
  std::fill(smallest, smallest + k, std::numeric_limits<float>::infinity());
  for (int64_t j = 0; j < n; ++j) {
    const float v = values[j];
    if (!(v < smallest[k - 1])) continue;
    int at = k - 1;
    for (; at > 0 && v < smallest[at - 1]; --at) smallest[at] = smallest[at - 1];
    smallest[at] = v;
  }
  return smallest[k - 1];
}

}  // namespace

std::vector<float> KthNeighbourSquaredDistances(const float* points, int64_t n, int64_t dim, int k) {
  std::vector<float> radii(n, 0.0f);
  k = static_cast<int>(std::min<int64_t>(k, n - 1));  // a set of n points has n - 1 neighbours
  if (k <= 0) return radii;
  SquaredDistances(points, n, dim).ForEachBlock(points, n, [&](int64_t first, int64_t rows, float* distances) {
#pragma omp parallel
    {
      std::vector<float> smallest(k);
#pragma omp for schedule(static)
      for (int64_t r = 0; r < rows; ++r) {
        float* row = distances + r * n;
        row[first + r] = std::numeric_limits<float>::infinity();  // not its own neighbour
        radii[first + r] = KthSmallest(row, n, k, smallest.data());
      }
    }
  });
  return radii;
}

namespace {

// The share of `points` that lie in some ball (centre, squared radius).
double ShareInsideBalls(const float* centres, const std::vector<float>& squared_radii, int64_t n_centres,
                        const float* points, int64_t n_points, int64_t dim) {
  int64_t inside = 0;
  SquaredDistances(centres, n_centres, dim).ForEachBlock(points, n_points, [&](int64_t, int64_t rows, float* distances) {
#pragma omp parallel for schedule(static) reduction(+ : inside)
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = distances + r * n_centres;
      for (int64_t j = 0; j < n_centres; ++j) {
        if (row[j] <= squared_radii[j]) {
          ++inside;
          break;
        }
      }
    }
  });
  return static_cast<double>(inside) / static_cast<double>(n_points);
}

// Wang et al.'s MS-SSIM constants.
constexpr int kWindow = 11;
constexpr double kWindowSigma = 1.5, kK1 = 0.01, kK2 = 0.03;
constexpr std::array<double, 5> kScaleExponents = {0.0448, 0.2856, 0.3001, 0.2363, 0.1333};

std::array<double, kWindow> GaussianWindow() {
  std::array<double, kWindow> window;
  double sum = 0;
  for (int i = 0; i < kWindow; ++i) {
    const double x = i - kWindow / 2;
    window[i] = std::exp(-x * x / (2 * kWindowSigma * kWindowSigma));
    sum += window[i];
  }
  for (double& w : window) w /= sum;
  return window;
}

// One channel's plane at one scale, in double.
struct Plane {
  int64_t height = 0, width = 0;
  std::vector<double> values;  // [height, width]
  double at(int64_t y, int64_t x) const { return values[y * width + x]; }
};

// The Gaussian-weighted mean of f(a, b) over each 11x11 window that fits
// (the "valid" positions), separably: rows, then columns.
template <typename F>
Plane WindowMeans(const Plane& a, const Plane& b, F f) {
  static const std::array<double, kWindow> window = GaussianWindow();
  const int64_t out_h = a.height - kWindow + 1, out_w = a.width - kWindow + 1;
  Plane rows{a.height, out_w, std::vector<double>(a.height * out_w)};
  for (int64_t y = 0; y < a.height; ++y) {
    for (int64_t x = 0; x < out_w; ++x) {
      double sum = 0;
      for (int i = 0; i < kWindow; ++i) sum += window[i] * f(a.at(y, x + i), b.at(y, x + i));
      rows.values[y * out_w + x] = sum;
    }
  }
  Plane out{out_h, out_w, std::vector<double>(out_h * out_w)};
  for (int64_t y = 0; y < out_h; ++y) {
    for (int64_t x = 0; x < out_w; ++x) {
      double sum = 0;
      for (int i = 0; i < kWindow; ++i) sum += window[i] * rows.at(y + i, x);
      out.values[y * out_w + x] = sum;
    }
  }
  return out;
}

// The luminance and contrast-structure terms of SSIM, each the mean over the
// window positions of one channel's planes.
struct SsimTerms {
  double luminance = 0, contrast_structure = 0;
};
SsimTerms ChannelSsim(const Plane& a, const Plane& b, double c1, double c2) {
  const Plane mean_a = WindowMeans(a, b, [](double u, double) { return u; });
  const Plane mean_b = WindowMeans(a, b, [](double, double v) { return v; });
  const Plane mean_aa = WindowMeans(a, b, [](double u, double) { return u * u; });
  const Plane mean_bb = WindowMeans(a, b, [](double, double v) { return v * v; });
  const Plane mean_ab = WindowMeans(a, b, [](double u, double v) { return u * v; });
  SsimTerms terms;
  const size_t positions = mean_a.values.size();
  for (size_t i = 0; i < positions; ++i) {
    const double ma = mean_a.values[i], mb = mean_b.values[i];
    const double var_a = mean_aa.values[i] - ma * ma, var_b = mean_bb.values[i] - mb * mb, cov = mean_ab.values[i] - ma * mb;
    terms.luminance += (2 * ma * mb + c1) / (ma * ma + mb * mb + c1);
    terms.contrast_structure += (2 * cov + c2) / (var_a + var_b + c2);
  }
  terms.luminance /= static_cast<double>(positions);
  terms.contrast_structure /= static_cast<double>(positions);
  return terms;
}

// The 2x2 average of a plane (an odd last row or column is dropped).
Plane HalfSize(const Plane& p) {
  Plane half{p.height / 2, p.width / 2, {}};
  half.values.resize(half.height * half.width);
  for (int64_t y = 0; y < half.height; ++y) {
    for (int64_t x = 0; x < half.width; ++x) {
      half.values[y * half.width + x] =
          0.25 * (p.at(2 * y, 2 * x) + p.at(2 * y, 2 * x + 1) + p.at(2 * y + 1, 2 * x) + p.at(2 * y + 1, 2 * x + 1));
    }
  }
  return half;
}

}  // namespace

GaussianMoments FitGaussian(const float* rows, int64_t n, int64_t dim) {
  const Matrix x = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(rows, n, dim).cast<double>();
  const Eigen::RowVectorXd mean = x.colwise().mean();
  const Matrix centred = x.rowwise() - mean;
  const Matrix covariance = (centred.transpose() * centred) / static_cast<double>(n - 1);
  GaussianMoments moments;
  moments.dim = dim;
  moments.mean.assign(mean.data(), mean.data() + dim);
  moments.covariance.assign(covariance.data(), covariance.data() + dim * dim);
  return moments;
}

double FrechetDistance(const GaussianMoments& a, const GaussianMoments& b) {
  const int64_t dim = a.dim;
  double mean_term = 0;
  for (int64_t i = 0; i < dim; ++i) mean_term += (a.mean[i] - b.mean[i]) * (a.mean[i] - b.mean[i]);
  const Matrix sa = AsMatrix(a.covariance, dim), sb = AsMatrix(b.covariance, dim);
  const Matrix root_a = SymmetricSqrt(sa);
  Matrix product = root_a * sb * root_a;
  product = 0.5 * (product + product.transpose());  // symmetric up to rounding; make it exactly so
  const Eigen::VectorXd eigenvalues = Eigen::SelfAdjointEigenSolver<Matrix>(product, Eigen::EigenvaluesOnly).eigenvalues();
  const double trace_root = eigenvalues.cwiseMax(0.0).cwiseSqrt().sum();
  return mean_term + sa.trace() + sb.trace() - 2 * trace_root;
}

PrecisionRecall KnnPrecisionRecall(const float* real, int64_t n_real, const float* generated, int64_t n_generated,
                                   int64_t dim, int k) {
  return KnnPrecisionRecall(real, KthNeighbourSquaredDistances(real, n_real, dim, k), n_real, generated, n_generated, dim, k);
}

PrecisionRecall KnnPrecisionRecall(const float* real, const std::vector<float>& real_radii, int64_t n_real,
                                   const float* generated, int64_t n_generated, int64_t dim, int k) {
  const std::vector<float> generated_radii = KthNeighbourSquaredDistances(generated, n_generated, dim, k);
  return {ShareInsideBalls(real, real_radii, n_real, generated, n_generated, dim),
          ShareInsideBalls(generated, generated_radii, n_generated, real, n_real, dim)};
}

double InceptionScore(const float* probabilities, int64_t n, int64_t classes) {
  std::vector<double> marginal(classes, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t c = 0; c < classes; ++c) marginal[c] += probabilities[i * classes + c] / static_cast<double>(n);
  }
  double mean_kl = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t c = 0; c < classes; ++c) {
      const double p = probabilities[i * classes + c];
      if (p > 0) mean_kl += p * std::log(p / marginal[c]) / static_cast<double>(n);
    }
  }
  return std::exp(mean_kl);
}

std::vector<double> LabelShares(const std::vector<int32_t>& labels, int64_t classes) {
  std::vector<double> shares(classes, 0.0);
  for (int32_t label : labels) {
    if (label >= 0 && label < classes) shares[label] += 1.0 / static_cast<double>(labels.size());
  }
  return shares;
}

ClassCoverage CompareLabelHistograms(const float* probabilities, int64_t n, int64_t classes,
                                     const std::vector<double>& data_shares) {
  std::vector<int64_t> counts(classes, 0);
  for (int64_t i = 0; i < n; ++i) {
    const float* p = probabilities + i * classes;
    ++counts[std::max_element(p, p + classes) - p];
  }
  ClassCoverage coverage;
  for (int64_t c = 0; c < classes; ++c) {
    const double share = static_cast<double>(counts[c]) / static_cast<double>(n);
    if (share >= 0.1 * data_shares[c]) ++coverage.classes_covered;
    if (share > 0) coverage.kl_from_data += share * std::log(share / data_shares[c]);
  }
  return coverage;
}

double MsSsim(const float* a, const float* b, const data::ImageShape& shape, double dynamic_range) {
  const double c1 = (kK1 * dynamic_range) * (kK1 * dynamic_range), c2 = (kK2 * dynamic_range) * (kK2 * dynamic_range);
  // The scales that keep the image at least as large as the window.
  int scales = 1;
  for (int64_t side = std::min(shape.height, shape.width) / 2; scales < 5 && side >= kWindow; side /= 2) ++scales;
  double exponent_sum = 0;
  for (int s = 0; s < scales; ++s) exponent_sum += kScaleExponents[s];

  std::vector<Plane> planes_a, planes_b;
  const int64_t plane = shape.height * shape.width;
  for (int64_t c = 0; c < shape.channels; ++c) {
    planes_a.push_back({shape.height, shape.width, std::vector<double>(a + c * plane, a + (c + 1) * plane)});
    planes_b.push_back({shape.height, shape.width, std::vector<double>(b + c * plane, b + (c + 1) * plane)});
  }
  double result = 1;
  for (int s = 0; s < scales; ++s) {
    SsimTerms mean;
    for (int64_t c = 0; c < shape.channels; ++c) {
      const SsimTerms terms = ChannelSsim(planes_a[c], planes_b[c], c1, c2);
      mean.luminance += terms.luminance / static_cast<double>(shape.channels);
      mean.contrast_structure += terms.contrast_structure / static_cast<double>(shape.channels);
    }
    const double exponent = kScaleExponents[s] / exponent_sum;
    result *= std::pow(std::max(mean.contrast_structure, 0.0), exponent);
    if (s == scales - 1) {
      result *= std::pow(std::max(mean.luminance, 0.0), exponent);
    } else {
      for (int64_t c = 0; c < shape.channels; ++c) {
        planes_a[c] = HalfSize(planes_a[c]);
        planes_b[c] = HalfSize(planes_b[c]);
      }
    }
  }
  return result;
}

double MeanPairwiseMsSsim(const float* images, int64_t n, const data::ImageShape& shape, double dynamic_range,
                          int64_t pairs, uint64_t seed) {
  Rng rng(seed);
  std::vector<std::pair<int64_t, int64_t>> chosen(pairs);
  for (auto& [i, j] : chosen) {
    i = static_cast<int64_t>(rng.NextU64() % static_cast<uint64_t>(n));
    j = static_cast<int64_t>(rng.NextU64() % static_cast<uint64_t>(n - 1));
    if (j >= i) ++j;
  }
  // Each pair on its own thread's turn; summed in order, so the mean has the
  // same bits on any number of threads.
  std::vector<double> values(pairs);
#pragma omp parallel for schedule(dynamic, 16)
  for (int64_t p = 0; p < pairs; ++p) {
    values[p] = MsSsim(images + chosen[p].first * shape.size(), images + chosen[p].second * shape.size(), shape, dynamic_range);
  }
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(pairs);
}

}  // namespace gan::eval
