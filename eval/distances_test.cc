// Distances and nearest centres against brute force; k-means on data whose
// clusters are known.
#include "eval/distances.h"

#include <cmath>
#include <vector>

#include "base/random.h"
#include "gtest/gtest.h"

namespace gan::eval {
namespace {

std::vector<float> Uniform(int64_t n, uint64_t seed) {
  std::vector<float> values(n);
  Rng(seed).FillUniform(values.data(), n, 0.0f, 1.0f);
  return values;
}

double Direct(const float* a, const float* b, int64_t d) {
  double sum = 0;
  for (int64_t k = 0; k < d; ++k) sum += (double{a[k]} - b[k]) * (double{a[k]} - b[k]);
  return sum;
}

TEST(SquaredDistancesTest, EveryBlockMatchesBruteForce) {
  const int64_t n = 41, d = 29, m = 600;  // two full blocks and a short one
  const std::vector<float> centres = Uniform(n * d, 1), points = Uniform(m * d, 2);
  const SquaredDistances distances(centres.data(), n, d);
  int64_t visited = 0;
  distances.ForEachBlock(points.data(), m, [&](int64_t first, int64_t rows, float* block) {
    EXPECT_EQ(first, visited);
    EXPECT_LE(rows, SquaredDistances::kBlock);
    for (int64_t b = 0; b < rows; ++b) {
      for (int64_t j = 0; j < n; ++j) {
        // Values in [0, 1], 29 terms: the float cancellation error is ~1e-5.
        EXPECT_NEAR(block[b * n + j], Direct(&points[(first + b) * d], &centres[j * d], d), 1e-4);
      }
    }
    visited += rows;
  });
  EXPECT_EQ(visited, m);
}

TEST(SquaredDistancesTest, NearestIsTheBruteForceArgMin) {
  const int64_t n = 300, d = 16, m = 257;
  const std::vector<float> centres = Uniform(n * d, 3), points = Uniform(m * d, 4);
  const std::vector<int64_t> nearest = SquaredDistances(centres.data(), n, d).Nearest(points.data(), m);
  ASSERT_EQ(nearest.size(), size_t(m));
  for (int64_t i = 0; i < m; ++i) {
    int64_t best = 0;
    for (int64_t j = 1; j < n; ++j) {
      if (Direct(&points[i * d], &centres[j * d], d) < Direct(&points[i * d], &centres[best * d], d)) best = j;
    }
    // A near-tie may go either way in float; then the two distances agree.
    EXPECT_NEAR(Direct(&points[i * d], &centres[nearest[i] * d], d), Direct(&points[i * d], &centres[best * d], d), 1e-4)
        << "point " << i;
  }
}

TEST(KMeansTest, FindsSeparatedClusters) {
  // Four tight clusters around corners of a square, 50 points each.
  const int64_t d = 2, per = 50, k = 4;
  const float corners[k][2] = {{0, 0}, {10, 0}, {0, 10}, {10, 10}};
  std::vector<float> data;
  Rng rng(5);
  for (int64_t c = 0; c < k; ++c) {
    for (int64_t i = 0; i < per; ++i) {
      data.push_back(corners[c][0] + rng.NextUniform() - 0.5f);
      data.push_back(corners[c][1] + rng.NextUniform() - 0.5f);
    }
  }
  // Lloyd's iterations may leave two starts in one cluster, so this asks that
  // each centre is the mean of the points nearest to it (Lloyd's fixed point).
  const std::vector<float> centres = KMeansCentroids(data.data(), k * per, d, k, 10, 7);
  ASSERT_EQ(centres.size(), size_t(k * d));
  for (int64_t c = 0; c < k; ++c) {
    double mean[2] = {0, 0};
    int64_t count = 0;
    for (int64_t i = 0; i < k * per; ++i) {
      int64_t nearest = 0;
      for (int64_t o = 1; o < k; ++o) {
        if (Direct(&data[i * d], &centres[o * d], d) < Direct(&data[i * d], &centres[nearest * d], d)) nearest = o;
      }
      if (nearest != c) continue;
      mean[0] += data[i * d];
      mean[1] += data[i * d + 1];
      ++count;
    }
    ASSERT_GT(count, 0) << "centre " << c;
    EXPECT_NEAR(centres[c * d], mean[0] / count, 1e-4);
    EXPECT_NEAR(centres[c * d + 1], mean[1] / count, 1e-4);
  }
}

// Plain Lloyd, every row's nearest centre from a full distance pass each
// iteration: what KMeansCentroids must give, bit for bit, although it skips
// the rows whose bounds prove their centre.
std::vector<float> PlainLloyd(const float* data, int64_t n, int64_t d, int64_t k, int iterations, uint64_t seed) {
  std::vector<float> centres = KMeansCentroids(data, n, d, k, 0, seed);  // the same starting rows
  std::vector<double> sums(k * d);
  std::vector<int64_t> counts(k);
  for (int it = 0; it < iterations; ++it) {
    const std::vector<int64_t> assignment = SquaredDistances(centres.data(), k, d).Nearest(data, n);
    std::fill(sums.begin(), sums.end(), 0.0);
    std::fill(counts.begin(), counts.end(), 0);
    for (int64_t i = 0; i < n; ++i) {
      ++counts[assignment[i]];
      for (int64_t t = 0; t < d; ++t) sums[assignment[i] * d + t] += data[i * d + t];
    }
    for (int64_t c = 0; c < k; ++c) {
      if (counts[c] == 0) continue;
      for (int64_t t = 0; t < d; ++t) centres[c * d + t] = static_cast<float>(sums[c * d + t] / counts[c]);
    }
  }
  return centres;
}

TEST(KMeansTest, BoundsGiveExactlyPlainLloyd) {
  // Clustered data (bounds settle most rows) and uniform data (they settle
  // few); row counts that leave a short last block, and one below a block.
  struct Case {
    int64_t n, d, k;
    bool clustered;
  };
  for (const Case& c : {Case{1000, 20, 40, true}, Case{1000, 20, 40, false}, Case{700, 9, 300, true}, Case{200, 5, 7, false}}) {
    std::vector<float> data = Uniform(c.n * c.d, 11);
    if (c.clustered) {
      for (int64_t i = 0; i < c.n; ++i) {
        for (int64_t t = 0; t < c.d; ++t) data[i * c.d + t] = 0.05f * data[i * c.d + t] + static_cast<float>((i % 13) == t % 13);
      }
    }
    for (int iterations : {1, 2, 10}) {
      std::vector<int64_t> assigned;
      EXPECT_EQ(KMeansCentroids(data.data(), c.n, c.d, c.k, iterations, 3, &assigned), PlainLloyd(data.data(), c.n, c.d, c.k, iterations, 3))
          << "n " << c.n << " k " << c.k << (c.clustered ? " clustered" : " uniform") << ", " << iterations << " iterations";
      ASSERT_EQ(assigned.size(), static_cast<size_t>(iterations));
      EXPECT_EQ(assigned[0], c.n) << "the first round assigns every row";
      // On clustered data the later rounds skip rows: the equality above
      // covers the skipping, not only full passes.
      if (c.clustered && iterations == 10) {
        EXPECT_LT(assigned[9], c.n / 2) << "n " << c.n << " k " << c.k;
      }
    }
  }
}

TEST(KMeansTest, KEqualToNKeepsEveryPoint) {
  const int64_t n = 20, d = 3;
  const std::vector<float> data = Uniform(n * d, 6);
  const std::vector<float> centres = KMeansCentroids(data.data(), n, d, n, 3, 1);
  // Each point is its own cluster: the centres are the points, in some order.
  for (int64_t i = 0; i < n; ++i) {
    bool found = false;
    for (int64_t c = 0; c < n && !found; ++c) found = Direct(&data[i * d], &centres[c * d], d) == 0.0;
    EXPECT_TRUE(found) << "point " << i;
  }
}

TEST(KMeansTest, NoIterationsGivesDistinctDataRows) {
  const int64_t n = 30, d = 2, k = 10;
  const std::vector<float> data = Uniform(n * d, 8);
  const std::vector<float> centres = KMeansCentroids(data.data(), n, d, k, 0, 2);
  for (int64_t a = 0; a < k; ++a) {
    for (int64_t b = a + 1; b < k; ++b) EXPECT_GT(Direct(&centres[a * d], &centres[b * d], d), 0.0);
  }
}

}  // namespace
}  // namespace gan::eval
