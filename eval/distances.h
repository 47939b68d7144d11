#ifndef EVAL_DISTANCES_H_
#define EVAL_DISTANCES_H_

// Squared Euclidean distances from many points to a fixed set of centres,
// ||x||^2 + ||mu||^2 - 2 x . mu, with the cross terms from one oneDNN matrix
// product per block of points, so memory stays at kBlock x n distances. The
// Parzen window, k-means and the nearest-neighbour figure all stand on it.

#include <cstdint>
#include <functional>
#include <vector>

namespace gan::eval {

class SquaredDistances {
 public:
  static constexpr int64_t kBlock = 256;  // points per block

  // centres [n, d]; copied.
  SquaredDistances(const float* centres, int64_t n, int64_t d);

  // Calls visit(first, rows, distances) for consecutive blocks of points
  // [m, d], with distances [rows, n] (clamped at 0: rounding can make a
  // squared distance slightly negative). `distances` may be overwritten.
  void ForEachBlock(const float* points, int64_t m,
                    const std::function<void(int64_t first, int64_t rows, float* distances)>& visit) const;

  // For each point, the index of its nearest centre (the lowest index on ties).
  std::vector<int64_t> Nearest(const float* points, int64_t m) const;

  int64_t size() const { return n_; }
  int64_t dim() const { return d_; }

 private:
  int64_t n_, d_;
  std::vector<float> centres_;       // [n, d]
  std::vector<float> centre_norms_;  // [n], ||mu_j||^2
};

// Lloyd's k-means on data [n, d]: k centres start as distinct rows drawn with
// `seed`; each of `iterations` rounds assigns every row to its nearest centre
// (as SquaredDistances::Nearest picks it) and moves each centre to the mean
// of its rows (a centre with no rows stays). Returns the centres [k, d].
// Requires 0 < k <= n.
// The result is plain Lloyd's, bit for bit, but faster: after the first
// round, a row whose distance bounds (Hamerly 2010, widened by the rounding
// of float distances) prove its centre unchanged gets no new distances. If
// `rows_assigned` is given, it receives the rows given new distances in each
// round.
std::vector<float> KMeansCentroids(const float* data, int64_t n, int64_t d, int64_t k, int iterations, uint64_t seed,
                                   std::vector<int64_t>* rows_assigned = nullptr);

}  // namespace gan::eval

#endif  // EVAL_DISTANCES_H_
