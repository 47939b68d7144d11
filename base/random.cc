#include "base/random.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

namespace gan {
namespace {

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

Rng::Rng(uint64_t seed) {
  for (uint64_t& word : state_) word = SplitMix64(seed);
}

void Rng::FillUniform(float* values, int64_t n, float low, float high) {
  for (int64_t i = 0; i < n; ++i) values[i] = low + (high - low) * NextUniform();
}

std::vector<int64_t> Rng::DistinctBelow(int64_t n, int64_t k) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (int64_t i = 0; i < k; ++i) {
    const int64_t j = i + static_cast<int64_t>(NextU64() % static_cast<uint64_t>(n - i));
    std::swap(order[i], order[j]);
  }
  order.resize(k);
  return order;
}

void Rng::FillNormal(float* values, int64_t n) {
  // Box-Muller, one pair of draws per two values, in a fixed number of chunks
  // transformed in parallel. A serial pass first only advances the stream to
  // find the state at each chunk's first pair (about 1 ns a draw, against tens
  // of ns for a pair's log, sqrt, cos and sin), so the values are the ones one
  // serial loop would give, whatever the number of threads.
  constexpr double kTwoPi = 6.283185307179586;
  constexpr int64_t kChunks = 8;
  const int64_t pairs = (n + 1) / 2;
  const int64_t chunk_pairs = (pairs + kChunks - 1) / kChunks;
  State starts[kChunks];
  for (int64_t c = 0; c < kChunks; ++c) {
    starts[c] = state_;
    const int64_t chunk_draws = 2 * std::clamp<int64_t>(pairs - c * chunk_pairs, 0, chunk_pairs);
    for (int64_t i = 0; i < chunk_draws; ++i) NextU64();
  }
  // Below a few thousand values the threads cost more than they save.
#pragma omp parallel for if (n >= 4096)
  for (int64_t c = 0; c < kChunks; ++c) {
    Rng stream = *this;
    stream.set_state(starts[c]);
    const int64_t end = std::min(pairs, (c + 1) * chunk_pairs);
    for (int64_t pair = c * chunk_pairs; pair < end; ++pair) {
      // u1 in (0, 1] so that log(u1) is finite.
      const double u1 = (static_cast<double>(stream.NextU64() >> 11) + 1.0) * 0x1.0p-53;
      const double u2 = static_cast<double>(stream.NextU64() >> 11) * 0x1.0p-53;
      const double radius = std::sqrt(-2.0 * std::log(u1));
      values[2 * pair] = static_cast<float>(radius * std::cos(kTwoPi * u2));
      if (2 * pair + 1 < n) values[2 * pair + 1] = static_cast<float>(radius * std::sin(kTwoPi * u2));
    }
  }
}

}  // namespace gan
