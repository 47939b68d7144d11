// oneDNN links and its inner-product primitive on the CPU engine computes
// dst = src * W^T + b, as a naive loop does.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace {

TEST(DnnlSmokeTest, InnerProductMatchesNaiveLoop) {
  constexpr int64_t kBatch = 7, kIn = 33, kOut = 5;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> src(kBatch * kIn), weights(kOut * kIn), bias(kOut), dst(kBatch * kOut);
  for (float& v : src) v = uniform(rng);
  for (float& v : weights) v = uniform(rng);
  for (float& v : bias) v = uniform(rng);

  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  dnnl::memory::desc src_md({kBatch, kIn}, dt::f32, tag::nc);
  dnnl::memory::desc weights_md({kOut, kIn}, dt::f32, tag::oi);
  dnnl::memory::desc bias_md({kOut}, dt::f32, tag::x);
  dnnl::memory::desc dst_md({kBatch, kOut}, dt::f32, tag::nc);
  dnnl::memory src_mem(src_md, engine, src.data());
  dnnl::memory weights_mem(weights_md, engine, weights.data());
  dnnl::memory bias_mem(bias_md, engine, bias.data());
  dnnl::memory dst_mem(dst_md, engine, dst.data());

  dnnl::inner_product_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, src_md, weights_md, bias_md, dst_md}, engine);
  dnnl::inner_product_forward(pd).execute(stream, {{DNNL_ARG_SRC, src_mem},
                                                   {DNNL_ARG_WEIGHTS, weights_mem},
                                                   {DNNL_ARG_BIAS, bias_mem},
                                                   {DNNL_ARG_DST, dst_mem}});
  stream.wait();

  for (int64_t n = 0; n < kBatch; ++n) {
    for (int64_t o = 0; o < kOut; ++o) {
      double expected = bias[o];
      for (int64_t i = 0; i < kIn; ++i) expected += double{src[n * kIn + i]} * weights[o * kIn + i];
      // 33 products of terms in [-1, 1], accumulated in float: |error| <= 33 * 2^-24 * 33.
      EXPECT_NEAR(dst[n * kOut + o], expected, 1e-4) << "row " << n << " column " << o;
    }
  }
}

}  // namespace
