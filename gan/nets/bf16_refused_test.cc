// bf16 products where the processor lacks AVX512_BF16: BUILD runs this test
// with DNNL_MAX_CPU_ISA=AVX2, so oneDNN sees such a processor on any machine.
#include <memory>
#include <string>
#include <vector>

#include "gan/nets/layers.h"
#include "gan/nets/mlp.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

TEST(Bf16Refused, OnAProcessorWithoutAvx512Bf16) {
  EXPECT_FALSE(Bf16ProductsAvailable());
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<Linear>(Shape::Flat(10), 4, Activation::kRelu));
  Mlp mlp(Shape::Flat(10), std::move(layers));
  const absl::Status status = mlp.SetProducts(Products::kBf16);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_NE(status.message().find("AVX512_BF16"), std::string::npos) << status;
  EXPECT_TRUE(mlp.SetProducts(Products::kFp32).ok());
}

}  // namespace
}  // namespace gan
