// bf16 products (gan/nets/layers.h, Products::kBf16) against a double
// reference of the same products on operands rounded to bfloat16.
//
// Error bound: with the operands rounded exactly as the reference rounds them,
// what is left is the fp32 accumulation of K products, at most K * 2^-24 of
// the sum of their magnitudes S (K = 300: 1.8e-5 S); the tolerance is that
// bound. Products of unrounded operands differ from the reference by about
// 2^-9 / sqrt(K) of S (1.1e-4 S here), so each test also checks that the fp32
// product of the same operands is outside the tolerance: it would catch a
// pass that silently ran fp32.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "base/random.h"
#include "gan/nets/conv_layers.h"
#include "gan/nets/layers.h"
#include "gan/nets/mlp.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

// f rounded to the nearest bfloat16 (ties to even), as oneDNN's reorder rounds.
double Bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  bits += 0x7FFF + ((bits >> 16) & 1);
  bits &= 0xFFFF0000u;
  float rounded;
  std::memcpy(&rounded, &bits, sizeof rounded);
  return rounded;
}

constexpr double kUnitRoundoff = 1.0 / (1 << 24);

// Sum of a[k] b[k] over K terms, with both rounded to bf16 or not, and the
// sum of their magnitudes.
struct Dot {
  double value = 0, magnitude = 0;
};

class Bf16ProductsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Bf16ProductsAvailable()) GTEST_SKIP() << "this processor lacks AVX512_BF16 (as oneDNN sees it): bf16 products are refused here";
  }
};

// A net of `layer` alone, with bf16 products.
std::unique_ptr<Mlp> Bf16Net(std::unique_ptr<Layer> layer) {
  const Shape input = layer->input_shape();
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::move(layer));
  auto net = std::make_unique<Mlp>(input, std::move(layers));
  EXPECT_TRUE(net->SetProducts(Products::kBf16).ok());
  return net;
}

// Checks `actual` against the rounded reference dot `rounded` within K terms'
// accumulation error; returns how far the unrounded `exact` dot is outside that
// tolerance (> 1: this entry alone would have caught fp32 products).
double ExpectNear(float actual, const Dot& rounded, const Dot& exact, int64_t terms, const char* what, int64_t index) {
  const double tolerance = terms * kUnitRoundoff * rounded.magnitude + 1e-7;
  EXPECT_NEAR(actual, rounded.value, tolerance) << what << " " << index;
  return std::abs(exact.value - rounded.value) / tolerance;
}

TEST_F(Bf16ProductsTest, LinearForwardAndBackwardAreProductsOfRoundedOperands) {
  constexpr int64_t kIn = 300, kOut = 50, kBatch = 7;
  auto layer = std::make_unique<Linear>(Shape::Flat(kIn), kOut, Activation::kIdentity);
  Linear& linear = *layer;
  Rng rng(1);
  linear.params().Initialize(1.0f, 0.0f, rng);
  rng.FillUniform(linear.params().bias.data(), kOut, -0.5f, 0.5f);
  const std::unique_ptr<Mlp> mlp = Bf16Net(std::move(layer));
  const std::unique_ptr<MlpPass> pass = mlp->MakePass(kBatch);
  rng.FillUniform(pass->input(), kBatch * kIn, -1.0f, 1.0f);
  const std::vector<float> x(pass->input(), pass->input() + kBatch * kIn);
  pass->Forward(/*training=*/true);
  rng.FillUniform(pass->output_grad(), kBatch * kOut, -1.0f, 1.0f);
  const std::vector<float> dy(pass->output_grad(), pass->output_grad() + kBatch * kOut);
  pass->Backward(/*input_grad=*/true, /*param_grads=*/true);

  const std::vector<float>& w = linear.params().weights;  // [in, out]
  auto dot = [](int64_t terms, auto a, auto b, bool rounded) {
    Dot d;
    for (int64_t k = 0; k < terms; ++k) {
      const double term = rounded ? Bf16(a(k)) * Bf16(b(k)) : static_cast<double>(a(k)) * b(k);
      d.value += term;
      d.magnitude += std::abs(term);
    }
    return d;
  };
  double largest_exact_miss = 0;
  // Forward: y[n, o] = b[o] + sum over i of x[n, i] W[i, o].
  for (int64_t n = 0; n < kBatch; ++n) {
    for (int64_t o = 0; o < kOut; ++o) {
      auto xs = [&](int64_t i) { return x[n * kIn + i]; };
      auto ws = [&](int64_t i) { return w[i * kOut + o]; };
      Dot rounded = dot(kIn, xs, ws, true), exact = dot(kIn, xs, ws, false);
      rounded.value += linear.params().bias[o];
      exact.value += linear.params().bias[o];
      largest_exact_miss = std::max(largest_exact_miss, ExpectNear(pass->output()[n * kOut + o], rounded, exact, kIn, "y", n * kOut + o));
    }
  }
  // Backward data: dx[n, i] = sum over o of dy[n, o] W[i, o].
  for (int64_t n = 0; n < kBatch; ++n) {
    for (int64_t i = 0; i < kIn; ++i) {
      auto dys = [&](int64_t o) { return dy[n * kOut + o]; };
      auto ws = [&](int64_t o) { return w[i * kOut + o]; };
      largest_exact_miss = std::max(largest_exact_miss, ExpectNear(pass->input_grad()[n * kIn + i], dot(kOut, dys, ws, true),
                                                                   dot(kOut, dys, ws, false), kOut, "dx", n * kIn + i));
    }
  }
  // Backward weights: dW[i, o] = sum over n of x[n, i] dy[n, o]; db[o] = sum over n of dy[n, o] (fp32, unrounded).
  for (int64_t i = 0; i < kIn; ++i) {
    for (int64_t o = 0; o < kOut; ++o) {
      auto xs = [&](int64_t n) { return x[n * kIn + i]; };
      auto dys = [&](int64_t n) { return dy[n * kOut + o]; };
      largest_exact_miss = std::max(largest_exact_miss, ExpectNear(linear.params().weights_grad[i * kOut + o], dot(kBatch, xs, dys, true),
                                                                   dot(kBatch, xs, dys, false), kBatch, "dW", i * kOut + o));
    }
  }
  for (int64_t o = 0; o < kOut; ++o) {
    double sum = 0;
    for (int64_t n = 0; n < kBatch; ++n) sum += dy[n * kOut + o];
    EXPECT_NEAR(linear.params().bias_grad[o], sum, kBatch * kUnitRoundoff * kBatch + 1e-7) << "db " << o;
  }
  EXPECT_GT(largest_exact_miss, 3) << "fp32 products of the same operands would pass this test too: it proves nothing";
}

TEST_F(Bf16ProductsTest, MaxoutForwardTakesTheMaximumOfRoundedProducts) {
  constexpr int64_t kIn = 300, kUnits = 20, kPieces = 3, kBatch = 5;
  auto layer = std::make_unique<Maxout>(Shape::Flat(kIn), kUnits, kPieces);
  Maxout& maxout = *layer;
  Rng rng(2);
  maxout.params().Initialize(1.0f, 0.0f, rng);
  const std::unique_ptr<Mlp> mlp = Bf16Net(std::move(layer));
  const std::unique_ptr<MlpPass> pass = mlp->MakePass(kBatch);
  rng.FillUniform(pass->input(), kBatch * kIn, -1.0f, 1.0f);
  pass->Forward(/*training=*/false);
  const float* x = pass->input();
  const std::vector<float>& w = maxout.params().weights;  // [in, units * pieces]
  for (int64_t n = 0; n < kBatch; ++n) {
    for (int64_t u = 0; u < kUnits; ++u) {
      double best = -INFINITY, magnitude = 0;
      for (int64_t p = 0; p < kPieces; ++p) {
        double z = 0, m = 0;
        for (int64_t i = 0; i < kIn; ++i) {
          const double term = Bf16(x[n * kIn + i]) * Bf16(w[i * kUnits * kPieces + u * kPieces + p]);
          z += term;
          m += std::abs(term);
        }
        if (z > best) best = z, magnitude = m;
      }
      // A near tie may pick the other piece; both are within the bound of each other then.
      EXPECT_NEAR(pass->output()[n * kUnits + u], best, 2 * kIn * kUnitRoundoff * magnitude + 1e-7) << n << ", " << u;
    }
  }
}

TEST(Bf16Refusals, ConvolutionalLayersRunFp32Only) {
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<ConvMaxout>(Shape::Image(3, 8, 8), 4, 2, 3, 1, 2, 2));
  Mlp mlp(Shape::Image(3, 8, 8), std::move(layers));
  const absl::Status status = mlp.SetProducts(Products::kBf16);
  if (!Bf16ProductsAvailable()) {
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  } else {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented) << status;
    EXPECT_NE(status.message().find("layer 0"), std::string::npos) << status;
  }
  EXPECT_TRUE(mlp.SetProducts(Products::kFp32).ok());
}

}  // namespace
}  // namespace gan
