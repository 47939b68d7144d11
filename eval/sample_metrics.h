#ifndef EVAL_SAMPLE_METRICS_H_
#define EVAL_SAMPLE_METRICS_H_

// Figures of a set of samples beyond the Parzen window, each computed from a
// classifier's view of the samples (eval/classifier.h: features and p(y|x))
// or from the images themselves:
//   - the Frechet distance between Gaussians fitted to two feature sets
//     (Heusel et al. 2017, with this project's classifier in place of
//     Inception);
//   - precision and recall on k-nearest-neighbour manifolds (Kynkaanniemi et
//     al. 2019);
//   - the inception-score analogue exp(E_x KL(p(y|x) || p(y))) (Salimans et
//     al. 2016);
//   - the classes the samples cover and the KL divergence of their label
//     histogram from the data's;
//   - MS-SSIM between random pairs of samples (Wang et al. 2003; Odena et al.
//     2017 used its mean as a diversity figure: lower is more diverse).

#include <cstdint>
#include <vector>

#include "data/dataset.h"

namespace gan::eval {

// Mean [dim] and covariance [dim, dim] (row-major, divided by n - 1) of
// rows [n, dim], accumulated in double. Requires n >= 2.
struct GaussianMoments {
  int64_t dim = 0;
  std::vector<double> mean, covariance;
};
GaussianMoments FitGaussian(const float* rows, int64_t n, int64_t dim);

// The Frechet distance between N(m1, S1) and N(m2, S2):
//   ||m1 - m2||^2 + tr(S1) + tr(S2) - 2 tr((S1^1/2 S2 S1^1/2)^1/2),
// the square roots from Eigen's symmetric eigensolver (eigenvalues that
// rounding makes slightly negative count as 0). Both of one dim.
double FrechetDistance(const GaussianMoments& a, const GaussianMoments& b);

// Kynkaanniemi et al.'s improved precision and recall: each point of a set
// owns a ball reaching its k-th nearest neighbour in the same set (itself
// excluded). Precision is the share of generated points inside some real
// point's ball, recall the share of real points inside some generated
// point's ball. Rows [n, dim]; in a set of n <= k points, k is n - 1 (a
// single point's ball is the point).
struct PrecisionRecall {
  double precision = 0, recall = 0;
};
PrecisionRecall KnnPrecisionRecall(const float* real, int64_t n_real, const float* generated, int64_t n_generated,
                                   int64_t dim, int k);
// The same with the real points' balls given: real_radii from
// KthNeighbourSquaredDistances(real, n_real, dim, k), computed once for a set
// scored against many.
PrecisionRecall KnnPrecisionRecall(const float* real, const std::vector<float>& real_radii, int64_t n_real,
                                   const float* generated, int64_t n_generated, int64_t dim, int k);

// For each row of points [n, dim], the squared distance to its k-th nearest
// other row (k is at most n - 1).
std::vector<float> KthNeighbourSquaredDistances(const float* points, int64_t n, int64_t dim, int k);

// exp(mean_i KL(p(y|x_i) || p(y))), p(y) the mean of the rows of
// probabilities [n, classes]: 1 when every row is the same, `classes` when
// each row is certain and the classes are equally frequent.
double InceptionScore(const float* probabilities, int64_t n, int64_t classes);

// The share of each class 0 .. classes - 1 among `labels`.
std::vector<double> LabelShares(const std::vector<int32_t>& labels, int64_t classes);

// The samples' label histogram (each sample's most probable class, from
// probabilities [n, classes]) against the data's class shares (all > 0):
// a class is covered when it is the label of at least a tenth of the samples
// its share of the data would give it; the KL divergence is
// sum_c h_c log(h_c / data_c) of the histogram h.
struct ClassCoverage {
  int64_t classes_covered = 0;
  double kl_from_data = 0;
};
ClassCoverage CompareLabelHistograms(const float* probabilities, int64_t n, int64_t classes,
                                     const std::vector<double>& data_shares);

// MS-SSIM of two images of `shape` ([C, H, W] floats), with Wang et al.'s
// constants (11x11 Gaussian window of sigma 1.5, K1 0.01, K2 0.03, the
// dynamic range L given) and exponents: as many of their five scales as
// keep the image at least as large as the window (the exponents of those
// scales rescaled to sum to 1), each scale a 2x2 average of the one before.
// Each scale's means over the window positions and the channels; a
// contrast-structure (or luminance) term below 0 counts as 0, so the result
// is in [0, 1], 1 for identical images. Requires height and width >= 11.
double MsSsim(const float* a, const float* b, const data::ImageShape& shape, double dynamic_range);

// The mean MS-SSIM of `pairs` pairs of distinct rows of images [n, shape],
// drawn with `seed`. Requires n >= 2.
double MeanPairwiseMsSsim(const float* images, int64_t n, const data::ImageShape& shape, double dynamic_range,
                          int64_t pairs, uint64_t seed);

}  // namespace gan::eval

#endif  // EVAL_SAMPLE_METRICS_H_
