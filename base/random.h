#ifndef BASE_RANDOM_H_
#define BASE_RANDOM_H_

#include <array>
#include <cstdint>
#include <vector>

namespace gan {

// A small, fast, seedable generator (xoshiro256**, seeded through splitmix64).
// Its whole state is four words, so checkpoints can save and restore it and a
// resumed run draws exactly the numbers an uninterrupted one would.
class Rng {
 public:
  using State = std::array<uint64_t, 4>;

  explicit Rng(uint64_t seed);

  uint64_t NextU64() {  // inline: the dropout masks draw one per two elements
    const uint64_t result = RotateLeft(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = RotateLeft(state_[3], 45);
    return result;
  }
  // Uniform in [0, 1), 24 random bits (every value is an exact float).
  float NextUniform() { return static_cast<float>(NextU64() >> 40) * 0x1.0p-24f; }

  // Fills values[0, n) with independent draws.
  void FillUniform(float* values, int64_t n, float low, float high);
  void FillNormal(float* values, int64_t n);  // standard normal (Box-Muller)

  // k distinct values of [0, n), each k-subset equally likely, in the order
  // drawn: the first k entries of a partial Fisher-Yates shuffle of 0..n-1
  // (0 <= k <= n).
  std::vector<int64_t> DistinctBelow(int64_t n, int64_t k);

  const State& state() const { return state_; }
  void set_state(const State& state) { state_ = state; }

 private:
  static uint64_t RotateLeft(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  State state_;
};

}  // namespace gan

#endif  // BASE_RANDOM_H_
