// Each figure against a closed form or a direct computation: the Frechet
// distance of Gaussians (commuting covariances, and the 2x2 formula for any
// two), of a set with itself; precision and recall on point sets whose
// answers are known, and against a brute-force count on random sets; the
// inception score and class coverage at their extremes; MS-SSIM of identical
// images, of constant images (luminance alone), symmetry and a worse copy.
#include "eval/sample_metrics.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "base/random.h"
#include "gtest/gtest.h"

namespace gan::eval {
namespace {

GaussianMoments Moments(std::vector<double> mean, std::vector<double> covariance) {
  GaussianMoments m;
  m.dim = static_cast<int64_t>(mean.size());
  m.mean = std::move(mean);
  m.covariance = std::move(covariance);
  return m;
}

// R diag(d) R^T for the rotation R by `angle`.
std::vector<double> Rotated(double angle, double d0, double d1) {
  const double c = std::cos(angle), s = std::sin(angle);
  return {c * c * d0 + s * s * d1, c * s * (d0 - d1), c * s * (d0 - d1), s * s * d0 + c * c * d1};
}

TEST(FrechetDistanceTest, CommutingCovariancesMatchTheClosedForm) {
  // Same eigenvectors: ||m1 - m2||^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
  const GaussianMoments a = Moments({1.0, -2.0}, Rotated(0.3, 4.0, 9.0));
  const GaussianMoments b = Moments({0.0, 1.0}, Rotated(0.3, 1.0, 0.25));
  const double expected = 1 + 9 + (2 - 1) * (2 - 1) + (3 - 0.5) * (3 - 0.5);
  EXPECT_NEAR(FrechetDistance(a, b), expected, 1e-9);
  EXPECT_NEAR(FrechetDistance(b, a), expected, 1e-9);
}

TEST(FrechetDistanceTest, AnyTwoByTwoCovariancesMatchTheClosedForm) {
  // For 2x2 PSD A, B: tr (A^1/2 B A^1/2)^1/2 = sqrt(tr(AB) + 2 sqrt(det(AB))).
  const std::vector<double> sa = Rotated(0.2, 3.0, 0.5), sb = Rotated(1.1, 2.0, 0.1);
  const double ab00 = sa[0] * sb[0] + sa[1] * sb[2], ab01 = sa[0] * sb[1] + sa[1] * sb[3];
  const double ab10 = sa[2] * sb[0] + sa[3] * sb[2], ab11 = sa[2] * sb[1] + sa[3] * sb[3];
  const double trace_root = std::sqrt(ab00 + ab11 + 2 * std::sqrt(ab00 * ab11 - ab01 * ab10));
  const double expected = 0.5 * 0.5 + (3.0 + 0.5) + (2.0 + 0.1) - 2 * trace_root;
  EXPECT_NEAR(FrechetDistance(Moments({0.5, 0.0}, sa), Moments({0.0, 0.0}, sb)), expected, 1e-9);
}

TEST(FrechetDistanceTest, FittedSetAgainstItselfIsZeroAndMomentsAreDirect) {
  const int64_t n = 2000, dim = 16;
  std::vector<float> rows(n * dim);
  Rng rng(3);
  for (int64_t i = 0; i < n; ++i) {
    const float shared = rng.NextUniform();
    for (int64_t j = 0; j < dim; ++j) rows[i * dim + j] = shared * static_cast<float>(j) + rng.NextUniform();
  }
  const GaussianMoments m = FitGaussian(rows.data(), n, dim);
  EXPECT_NEAR(FrechetDistance(m, m), 0.0, 1e-9);
  // Mean and one covariance entry, directly.
  double mean3 = 0, mean5 = 0, cov35 = 0;
  for (int64_t i = 0; i < n; ++i) mean3 += rows[i * dim + 3] / static_cast<double>(n), mean5 += rows[i * dim + 5] / static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) cov35 += (rows[i * dim + 3] - mean3) * (rows[i * dim + 5] - mean5) / static_cast<double>(n - 1);
  EXPECT_NEAR(m.mean[3], mean3, 1e-9);
  EXPECT_NEAR(m.covariance[3 * dim + 5], cov35, 1e-9);
  EXPECT_NEAR(m.covariance[5 * dim + 3], cov35, 1e-9);
  // Another draw of the same distribution is close; a shifted one is far by the shift.
  std::vector<float> shifted = rows;
  for (float& v : shifted) v += 2.0f;
  EXPECT_NEAR(FrechetDistance(m, FitGaussian(shifted.data(), n, dim)), 4.0 * dim, 1e-6);
}

// Four clusters of 25 points on a line each (spacing 0.01), far apart.
std::vector<float> Clusters(int clusters) {
  std::vector<float> points;
  for (int c = 0; c < clusters; ++c) {
    for (int i = 0; i < 25; ++i) {
      points.push_back(10.0f * static_cast<float>(c % 2) + 0.01f * static_cast<float>(i));
      points.push_back(10.0f * static_cast<float>(c / 2));
    }
  }
  return points;
}

TEST(PrecisionRecallTest, KnownAnswers) {
  const std::vector<float> real = Clusters(4);  // 100 points
  // The same points: everything inside.
  PrecisionRecall same = KnnPrecisionRecall(real.data(), 100, real.data(), 100, 2, 3);
  EXPECT_EQ(same.precision, 1.0);
  EXPECT_EQ(same.recall, 1.0);
  // Copies of two of the four clusters: precise, half the recall.
  const std::vector<float> half(real.begin(), real.begin() + 100);
  PrecisionRecall two = KnnPrecisionRecall(real.data(), 100, half.data(), 50, 2, 3);
  EXPECT_EQ(two.precision, 1.0);
  EXPECT_EQ(two.recall, 0.5);
  // A collapsed generator: 40 copies of one real point. Its balls have radius
  // 0, so only that point is recalled.
  std::vector<float> collapsed;
  for (int i = 0; i < 40; ++i) collapsed.insert(collapsed.end(), {real[10], real[11]});
  PrecisionRecall one = KnnPrecisionRecall(real.data(), 100, collapsed.data(), 40, 2, 3);
  EXPECT_EQ(one.precision, 1.0);
  EXPECT_EQ(one.recall, 0.01);
  // Sets smaller than k + 1: k shrinks to what the set has.
  const PrecisionRecall tiny = KnnPrecisionRecall(real.data(), 100, real.data() + 20, 2, 2, 3);
  EXPECT_EQ(tiny.precision, 1.0);
  EXPECT_GT(tiny.recall, 0.0);
  const PrecisionRecall single = KnnPrecisionRecall(real.data(), 100, real.data() + 20, 1, 2, 3);
  EXPECT_EQ(single.precision, 1.0);
  EXPECT_EQ(single.recall, 0.01);  // its ball is the point itself
  // Far away: nothing.
  std::vector<float> far = real;
  for (size_t i = 1; i < far.size(); i += 2) far[i] += 100.0f;
  PrecisionRecall none = KnnPrecisionRecall(real.data(), 100, far.data(), 100, 2, 3);
  EXPECT_EQ(none.precision, 0.0);
  EXPECT_EQ(none.recall, 0.0);
}

TEST(PrecisionRecallTest, MatchesBruteForceOnRandomSets) {
  const int64_t n_real = 300, n_fake = 200, dim = 5;
  const int k = 3;
  std::vector<float> real(n_real * dim), fake(n_fake * dim);
  Rng rng(9);
  for (float& v : real) v = rng.NextUniform();
  for (float& v : fake) v = 1.3f * rng.NextUniform() - 0.1f;
  auto squared = [&](const float* x, const float* y) {
    double s = 0;
    for (int64_t j = 0; j < dim; ++j) s += (static_cast<double>(x[j]) - y[j]) * (static_cast<double>(x[j]) - y[j]);
    return s;
  };
  auto radii = [&](const std::vector<float>& set, int64_t n) {
    std::vector<double> r(n);
    for (int64_t i = 0; i < n; ++i) {
      std::vector<double> d;
      for (int64_t j = 0; j < n; ++j) {
        if (j != i) d.push_back(squared(&set[i * dim], &set[j * dim]));
      }
      std::nth_element(d.begin(), d.begin() + (k - 1), d.end());
      r[i] = d[k - 1];
    }
    return r;
  };
  auto share = [&](const std::vector<float>& centres, int64_t nc, const std::vector<double>& r, const std::vector<float>& points, int64_t np) {
    int64_t inside = 0;
    for (int64_t i = 0; i < np; ++i) {
      for (int64_t j = 0; j < nc; ++j) {
        if (squared(&points[i * dim], &centres[j * dim]) <= r[j]) {
          ++inside;
          break;
        }
      }
    }
    return static_cast<double>(inside) / static_cast<double>(np);
  };
  const double precision = share(real, n_real, radii(real, n_real), fake, n_fake);
  const double recall = share(fake, n_fake, radii(fake, n_fake), real, n_real);
  const PrecisionRecall pr = KnnPrecisionRecall(real.data(), n_real, fake.data(), n_fake, dim, k);
  // Float distances may flip a point exactly on a ball's edge: allow one point.
  EXPECT_NEAR(pr.precision, precision, 1.0 / n_fake);
  EXPECT_NEAR(pr.recall, recall, 1.0 / n_real);
  EXPECT_GT(precision, 0.2);
  EXPECT_LT(precision, 0.95);
}

// The k-th neighbour's squared distance against a full sort of each row's
// distances, on points on a small grid (many repeated distances, and points
// repeated: k-th values shared by several neighbours), for k = 1 to 6.
TEST(KthNeighbourTest, MatchesSortedDistancesWithRepeats) {
  const int64_t n = 400, dim = 3;
  std::vector<float> points(n * dim);
  Rng rng(4);
  for (float& v : points) v = static_cast<float>(static_cast<int>(rng.NextUniform() * 4));  // 0, 1, 2 or 3
  for (int k = 1; k <= 6; ++k) {
    const std::vector<float> radii = KthNeighbourSquaredDistances(points.data(), n, dim, k);
    ASSERT_EQ(radii.size(), static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      std::vector<float> d;
      for (int64_t j = 0; j < n; ++j) {
        float s = 0;
        for (int64_t c = 0; c < dim; ++c) s += (points[i * dim + c] - points[j * dim + c]) * (points[i * dim + c] - points[j * dim + c]);
        if (j != i) d.push_back(s);
      }
      std::sort(d.begin(), d.end());
      // Small integers: the product-form distances are exact.
      ASSERT_EQ(radii[i], d[k - 1]) << "point " << i << ", k " << k;
    }
  }
}

TEST(LabelFiguresTest, InceptionScoreAndCoverageAtTheirExtremes) {
  const int64_t classes = 10, n = 200;
  std::vector<float> certain_balanced(n * classes, 0.0f), certain_one(n * classes, 0.0f), unsure(n * classes, 0.1f);
  for (int64_t i = 0; i < n; ++i) {
    certain_balanced[i * classes + i % classes] = 1.0f;
    certain_one[i * classes + 3] = 1.0f;
  }
  EXPECT_NEAR(InceptionScore(certain_balanced.data(), n, classes), 10.0, 1e-9);
  EXPECT_NEAR(InceptionScore(certain_one.data(), n, classes), 1.0, 1e-9);
  EXPECT_NEAR(InceptionScore(unsure.data(), n, classes), 1.0, 1e-6);

  EXPECT_EQ(LabelShares({0, 0, 1, 3}, 4), (std::vector<double>{0.5, 0.25, 0.0, 0.25}));
  const std::vector<double> uniform(classes, 0.1);
  const ClassCoverage balanced = CompareLabelHistograms(certain_balanced.data(), n, classes, uniform);
  EXPECT_EQ(balanced.classes_covered, 10);
  EXPECT_NEAR(balanced.kl_from_data, 0.0, 1e-12);
  const ClassCoverage collapsed = CompareLabelHistograms(certain_one.data(), n, classes, uniform);
  EXPECT_EQ(collapsed.classes_covered, 1);
  EXPECT_NEAR(collapsed.kl_from_data, std::log(10.0), 1e-12);
  // A class with a twentieth of its due share is not covered; a fifth is.
  std::vector<float> sparse(n * classes, 0.0f);
  for (int64_t i = 0; i < n; ++i) sparse[i * classes + (i == 0 ? 1 : (i < 5 ? 2 : 0))] = 1.0f;
  // class 0: 195/200, class 1: 1/200 (0.05 of its 0.1 share), class 2: 4/200 (0.2 of it).
  EXPECT_EQ(CompareLabelHistograms(sparse.data(), n, classes, uniform).classes_covered, 2);
}

TEST(MsSsimTest, IdentityConstantsSymmetryAndDegradation) {
  const data::ImageShape shape{3, 32, 32};
  std::vector<float> a(shape.size()), b(shape.size()), noisy(shape.size());
  Rng rng(4);
  for (int64_t i = 0; i < shape.size(); ++i) {
    a[i] = 0.5f + 0.4f * std::sin(0.3f * static_cast<float>(i % 32)) * std::cos(0.2f * static_cast<float>(i / 32));
    b[i] = rng.NextUniform();
    noisy[i] = a[i] + 0.2f * (rng.NextUniform() - 0.5f);
  }
  EXPECT_NEAR(MsSsim(a.data(), a.data(), shape, 1.0), 1.0, 1e-12);
  EXPECT_NEAR(MsSsim(a.data(), b.data(), shape, 1.0), MsSsim(b.data(), a.data(), shape, 1.0), 1e-12);
  const double close = MsSsim(a.data(), noisy.data(), shape, 1.0), unrelated = MsSsim(a.data(), b.data(), shape, 1.0);
  EXPECT_LT(close, 1.0);
  EXPECT_GT(close, unrelated);
  EXPECT_LT(unrelated, 0.2);
  // Two constant images (0.2 and 0.6): every contrast-structure term is 1, and
  // the luminance term (2 u v + C1) / (u^2 + v^2 + C1) enters once, at the last
  // of 32x32's two scales (16x16 is the last at least 11 wide), with that
  // scale's exponent over the sum of the two used: 0.2856 / (0.0448 + 0.2856).
  const std::vector<float> dark(shape.size(), 0.2f), light(shape.size(), 0.6f);
  const double c1 = 0.01 * 0.01;
  EXPECT_NEAR(MsSsim(dark.data(), light.data(), shape, 1.0),
              std::pow((2 * 0.2 * 0.6 + c1) / (0.04 + 0.36 + c1), 0.2856 / (0.0448 + 0.2856)), 1e-6);
  // The mean over pairs of copies of one image is 1.
  std::vector<float> copies;
  for (int i = 0; i < 3; ++i) copies.insert(copies.end(), a.begin(), a.end());
  EXPECT_NEAR(MeanPairwiseMsSsim(copies.data(), 3, shape, 1.0, 5, 1), 1.0, 1e-12);
}

}  // namespace
}  // namespace gan::eval
