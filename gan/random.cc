#include "gan/random.h"

#include <cmath>

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

void Rng::FillNormal(float* values, int64_t n) {
  constexpr double kTwoPi = 6.283185307179586;
  for (int64_t i = 0; i < n; i += 2) {
    // u1 in (0, 1] so that log(u1) is finite.
    const double u1 = (static_cast<double>(NextU64() >> 11) + 1.0) * 0x1.0p-53;
    const double u2 = static_cast<double>(NextU64() >> 11) * 0x1.0p-53;
    const double radius = std::sqrt(-2.0 * std::log(u1));
    values[i] = static_cast<float>(radius * std::cos(kTwoPi * u2));
    if (i + 1 < n) values[i + 1] = static_cast<float>(radius * std::sin(kTwoPi * u2));
  }
}

}  // namespace gan
