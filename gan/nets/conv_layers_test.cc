// The convolutional layers against naive double-precision references (forward
// outputs, and gradients against central finite differences), the authors'
// CIFAR-10 shapes, errors, and backwards over a batch's trailing rows.
// Tolerances as in gan/nets/layers_test.cc: the convolutions here sum at most
// 2 x 3 x 3 products per output (4 x 3 x 3 for the transposed one), well
// inside the bound argued there.
#include "gan/nets/conv_layers.h"

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "gan/nets/build.h"
#include "gan/nets/gradient_check.h"
#include "gan/nets/mlp.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

constexpr double kForwardTolerance = 1e-5;
constexpr double kGradientTolerance = 1e-4;

proto::Mlp ParseMlp(const char* text) {
  proto::Mlp config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  return config;
}

proto::Layer ParseLayer(const char* text) {
  proto::Layer layer;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &layer)) << text;
  return layer;
}

// A net of random weights and biases (biases too, so that ties between pieces are unlikely).
std::unique_ptr<Mlp> RandomNet(const char* config, const Shape& input, uint64_t seed) {
  std::unique_ptr<Mlp> net = BuildMlp(ParseMlp(config), input, seed).value();
  Rng rng(seed + 100);
  for (const ParameterRef& p : net->Parameters()) rng.FillUniform(p.value, p.size, -0.5f, 0.5f);
  return net;
}

void ExpectForwardMatchesReference(Mlp& mlp, int64_t batch, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(batch * mlp.input_dim());
  rng.FillUniform(x.data(), static_cast<int64_t>(x.size()), -1.0f, 1.0f);
  const std::unique_ptr<MlpPass> pass = mlp.MakePass(batch);
  const std::vector<Rng> streams = ForwardKeepingStreams(*pass, x, /*training=*/true);
  const std::vector<double> expected =
      ReferenceForward(mlp, ParametersAsDouble(mlp), std::vector<double>(x.begin(), x.end()), batch, true, streams);
  ASSERT_EQ(static_cast<int64_t>(expected.size()), batch * mlp.output_dim());
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_NEAR(pass->output()[i], expected[i], kForwardTolerance * std::max(1.0, std::abs(expected[i]))) << "output " << i;
  }
}

void ExpectGradientsMatch(Mlp& mlp, int64_t batch, uint64_t seed) {
  const GradientCheckReport report = CheckGradients(mlp, batch, /*training=*/true, seed);
  EXPECT_GT(report.checked, 0);
  EXPECT_GT(report.max_abs_gradient, 1e-3) << "all gradients are zero: the check would prove nothing";
  EXPECT_LT(report.max_error, kGradientTolerance);
}

// 2 x 7 x 6 -> convolution 3 x 3, pad 1 -> 6 channels of 7 x 6 -> maxout 3 x 2
// -> pooling 3 x 3 in steps of 2: 3 x 3 (the last column's windows cut at the edge).
constexpr char kConvMaxout[] = R"(
  layers { conv_maxout { units: 3 pieces: 2 kernel: 3 pad: 1 pool_shape: 3 pool_stride: 2 weight_irange: 0.5 } })";
// 3 x 4 x 5 -> transposed convolution 3 x 3, stride 2, pad 1, output padding 1 -> 2 x 8 x 10.
constexpr char kConvTransposeUntied[] = R"(
  layers { conv_transpose { channels: 2 kernel: 3 stride: 2 pad: 1 output_padding: 1 untied_bias: true weight_irange: 0.5 } })";
constexpr char kConvTransposeTied[] = R"(
  layers { conv_transpose { channels: 2 kernel: 3 stride: 2 pad: 0 weight_irange: 0.5 } })";
// The generator's shape of things: features -> reshape -> transposed convolution.
constexpr char kSmallConvGenerator[] = R"(
  layers { linear { units: 32 activation: RELU weight_irange: 0.5 } }
  layers { reshape { channels: 2 height: 4 width: 4 } }
  layers { conv_transpose { channels: 3 kernel: 3 stride: 2 pad: 0 untied_bias: true weight_irange: 0.5 } })";
// The discriminator's: convolutional maxout, then a dense maxout on its flat features.
constexpr char kSmallConvDiscriminator[] = R"(
  layers { conv_maxout { units: 2 pieces: 2 kernel: 3 pad: 1 pool_shape: 2 pool_stride: 2 weight_irange: 0.5 } }
  layers { maxout { units: 3 pieces: 2 weight_irange: 0.5 } }
  layers { linear { units: 1 weight_irange: 0.5 } })";

TEST(PooledSizeTest, CoversEveryPositionAsPylearn2Does) {
  // The authors' discriminator (../shared/paper.md): 33 -> 16, 15 -> 7, 9 -> 5.
  EXPECT_EQ(PooledSize(33, 4, 2), 16);
  EXPECT_EQ(PooledSize(15, 4, 2), 7);
  EXPECT_EQ(PooledSize(9, 2, 2), 5);
  EXPECT_EQ(PooledSize(8, 2, 2), 4);  // windows that fit exactly: no extra one
  EXPECT_EQ(PooledSize(4, 4, 2), 1);
}

TEST(ConvPlanTest, TheAuthorsCifar10Shapes) {
  Shape shape = Shape::Image(3, 32, 32);
  for (const char* layer : {"conv_maxout { units: 32 pieces: 2 kernel: 8 pad: 4 pool_shape: 4 pool_stride: 2 }",
                            "conv_maxout { units: 32 pieces: 2 kernel: 8 pad: 3 pool_shape: 4 pool_stride: 2 }",
                            "conv_maxout { units: 192 pieces: 2 kernel: 5 pad: 3 pool_shape: 2 pool_stride: 2 }"}) {
    absl::StatusOr<LayerPlan> plan = PlanLayer(ParseLayer(layer), shape);
    ASSERT_TRUE(plan.ok()) << plan.status();
    shape = plan->output;
  }
  EXPECT_EQ(shape, Shape::Image(192, 5, 5));
  EXPECT_EQ(shape.size(), 4800);

  absl::StatusOr<LayerPlan> reshape = PlanLayer(ParseLayer("reshape { channels: 80 height: 10 width: 10 }"), Shape::Flat(8000));
  ASSERT_TRUE(reshape.ok()) << reshape.status();
  absl::StatusOr<LayerPlan> deconv =
      PlanLayer(ParseLayer("conv_transpose { channels: 3 kernel: 5 stride: 3 untied_bias: true }"), reshape->output);
  ASSERT_TRUE(deconv.ok()) << deconv.status();
  EXPECT_EQ(deconv->output, Shape::Image(3, 32, 32));
  EXPECT_EQ(deconv->weights, "3 x 80 x 5 x 5");
}

TEST(ConvPlanTest, ErrorsNameTheKindAndTheProblem) {
  auto message = [](const char* layer, const Shape& input) { return std::string(PlanLayer(ParseLayer(layer), input).status().message()); };
  EXPECT_EQ(message("reshape { channels: 3 height: 10 width: 10 }", Shape::Flat(301)),
            "(reshape): 3x10x10 is 300 values, its input (301) has 301");
  EXPECT_EQ(message("conv_maxout { units: 2 pieces: 2 kernel: 3 pool_shape: 2 pool_stride: 2 }", Shape::Flat(784)),
            "(conv_maxout): needs an image input (channels x height x width), not 784");
  EXPECT_NE(message("conv_maxout { units: 2 pieces: 2 kernel: 9 pool_shape: 2 pool_stride: 2 }", Shape::Image(1, 8, 8))
                .find("is smaller than one pool_shape"),
            std::string::npos);
  EXPECT_EQ(message("conv_transpose { channels: 3 kernel: 5 stride: 3 pad: 1 output_padding: 2 }", Shape::Image(2, 4, 4)),
            "(conv_transpose): output_padding must be in [0, pad = 1], not 2");
  EXPECT_NE(message("conv_maxout { units: 2 kernel: 3 pool_shape: 2 pool_stride: 2 }", Shape::Image(1, 8, 8)).find("must be positive"),
            std::string::npos);
}

TEST(ConvMaxoutTest, ForwardMatchesReference) {
  auto net = RandomNet(kConvMaxout, Shape::Image(2, 7, 6), 1);
  EXPECT_EQ(net->output_shape(), Shape::Image(3, 3, 3));
  ExpectForwardMatchesReference(*net, 3, 2);
}

TEST(ConvMaxoutTest, GradientsMatchFiniteDifferences) {
  auto net = RandomNet(kConvMaxout, Shape::Image(2, 7, 6), 3);
  ExpectGradientsMatch(*net, 2, 4);
}

TEST(ConvTransposeTest, ForwardMatchesReference) {
  for (const char* config : {kConvTransposeUntied, kConvTransposeTied}) {
    auto net = RandomNet(config, Shape::Image(3, 4, 5), 5);
    ExpectForwardMatchesReference(*net, 3, 6);
  }
  EXPECT_EQ(RandomNet(kConvTransposeUntied, Shape::Image(3, 4, 5), 5)->output_shape(), Shape::Image(2, 8, 10));
  EXPECT_EQ(RandomNet(kConvTransposeTied, Shape::Image(3, 4, 5), 5)->output_shape(), Shape::Image(2, 9, 11));
}

TEST(ConvTransposeTest, GradientsMatchFiniteDifferences) {
  for (const char* config : {kConvTransposeUntied, kConvTransposeTied}) {
    auto net = RandomNet(config, Shape::Image(3, 4, 5), 7);
    ExpectGradientsMatch(*net, 2, 8);
  }
}

TEST(ConvNetsTest, GeneratorAndDiscriminatorShapedNetsMatchReferenceAndFiniteDifferences) {
  auto g = RandomNet(kSmallConvGenerator, Shape::Flat(5), 9);
  EXPECT_EQ(g->output_shape(), Shape::Image(3, 9, 9));
  ExpectForwardMatchesReference(*g, 3, 10);
  ExpectGradientsMatch(*g, 2, 11);
  auto d = RandomNet(kSmallConvDiscriminator, Shape::Image(3, 9, 9), 12);
  EXPECT_EQ(d->output_dim(), 1);
  ExpectForwardMatchesReference(*d, 3, 13);
  ExpectGradientsMatch(*d, 2, 14);
}

// As gan/nets/mlp_test.cc's trailing-row tests, for the convolutional nets: rows
// 2..5 of a 6-row pass give the input gradient the whole backward gives them,
// and the parameter gradients of a pass of those 4 rows alone; rows before
// the first are never read (NaN there would show).
// Where pieces and window positions tie, the first candidate in the order
// piece, row, column wins and takes the whole gradient: with zero weights
// and equal biases every z is the same, so each output's gradient goes to
// piece 0 at its window's top left, and piece 1's bias gets none.
TEST(ConvMaxoutTest, TiesGoToTheFirstPieceAndTheWindowsTopLeft) {
  auto net = RandomNet(kConvMaxout, Shape::Image(2, 7, 6), 5);
  const std::vector<ParameterRef> params = net->Parameters();  // weights [6, 2, 3, 3], bias [6]
  std::fill(params[0].value, params[0].value + params[0].size, 0.0f);
  std::fill(params[1].value, params[1].value + params[1].size, 0.25f);
  const int64_t rows = 2;
  auto pass = net->MakePass(rows);
  Rng(6).FillUniform(pass->input(), rows * net->input_dim(), -1.0f, 1.0f);
  pass->Forward(/*training=*/true);
  for (int64_t i = 0; i < rows * net->output_dim(); ++i) ASSERT_EQ(pass->output()[i], 0.25f) << i;
  std::fill(pass->output_grad(), pass->output_grad() + rows * net->output_dim(), 1.0f);
  pass->Backward(/*input_grad=*/true, /*param_grads=*/true);
  // Unit u's pieces are channels 2u and 2u + 1; each unit has 3 x 3 outputs a row.
  for (int64_t unit = 0; unit < 3; ++unit) {
    EXPECT_EQ(params[1].grad[2 * unit], rows * 9.0f) << "unit " << unit;
    EXPECT_EQ(params[1].grad[2 * unit + 1], 0.0f) << "unit " << unit;
  }
}

// A forward-only pass (inference) computes what a training pass computes in
// inference mode, bit for bit, without gradient buffers.
TEST(ConvNetsTest, ForwardOnlyPassesComputeWhatTrainingPassesDo) {
  struct Case {
    const char* config;
    Shape input;
  };
  for (const Case& c : {Case{kSmallConvGenerator, Shape::Flat(5)}, Case{kSmallConvDiscriminator, Shape::Image(3, 9, 9)},
                        Case{kConvMaxout, Shape::Image(2, 7, 6)}}) {
    auto net = RandomNet(c.config, c.input, 17);
    const int64_t rows = 5;
    auto training = net->MakePass(rows);
    auto forward_only = net->MakeForwardPass(rows);
    Rng(18).FillUniform(training->input(), rows * net->input_dim(), -1.0f, 1.0f);
    std::copy(training->input(), training->input() + rows * net->input_dim(), forward_only->input());
    training->Forward(/*training=*/false);
    forward_only->Forward(/*training=*/false);
    EXPECT_EQ(forward_only->output_grad(), nullptr);
    EXPECT_EQ(forward_only->input_grad(), nullptr);
    for (int64_t i = 0; i < rows * net->output_dim(); ++i) ASSERT_EQ(forward_only->output()[i], training->output()[i]) << c.config << " " << i;
  }
}

TEST(ConvNetsTest, BackwardOverTrailingRows) {
  struct Case {
    const char* config;
    Shape input;
  };
  for (const Case& c : {Case{kSmallConvGenerator, Shape::Flat(5)}, Case{kSmallConvDiscriminator, Shape::Image(3, 9, 9)}}) {
    auto net = RandomNet(c.config, c.input, 15);
    const int64_t in = net->input_dim(), out = net->output_dim(), rows = 6, first = 2, tail = rows - first;
    std::vector<float> input(rows * in), output_grad(rows * out);
    Rng rng(16);
    rng.FillUniform(input.data(), rows * in, -1.0f, 1.0f);
    rng.FillUniform(output_grad.data(), rows * out, -1.0f, 1.0f);

    auto pass = net->MakePass(rows, /*tail_first_rows=*/{first});
    std::copy(input.begin(), input.end(), pass->input());
    pass->Forward(/*training=*/true);
    std::copy(output_grad.begin(), output_grad.end(), pass->output_grad());
    pass->Backward(/*input_grad=*/true, /*param_grads=*/false);
    const std::vector<float> whole(pass->input_grad(), pass->input_grad() + rows * in);

    auto tail_pass = net->MakePass(tail);
    std::copy(input.begin() + first * in, input.end(), tail_pass->input());
    tail_pass->Forward(/*training=*/true);
    std::copy(output_grad.begin() + first * out, output_grad.end(), tail_pass->output_grad());
    tail_pass->Backward(/*input_grad=*/false, /*param_grads=*/true);
    std::vector<std::vector<float>> own;
    for (const ParameterRef& p : net->Parameters()) own.emplace_back(p.grad, p.grad + p.size);

    std::fill(pass->output_grad(), pass->output_grad() + first * out, std::numeric_limits<float>::quiet_NaN());
    std::copy(output_grad.begin() + first * out, output_grad.end(), pass->output_grad() + first * out);
    float* input_grad = const_cast<float*>(pass->input_grad());
    std::fill(input_grad, input_grad + rows * in, -5.0f);
    for (const ParameterRef& p : net->Parameters()) std::fill(p.grad, p.grad + p.size, -5.0f);
    pass->BackwardRows(first, /*input_grad=*/true, /*param_grads=*/true);
    for (int64_t i = 0; i < rows * in; ++i) {
      const float expected = i < first * in ? -5.0f : whole[i];
      ASSERT_NEAR(input_grad[i], expected, 1e-5 * std::max(1.0f, std::abs(expected))) << c.config << " input entry " << i;
    }
    const std::vector<ParameterRef> params = net->Parameters();
    for (size_t t = 0; t < params.size(); ++t) {
      for (int64_t i = 0; i < params[t].size; ++i) {
        ASSERT_NEAR(params[t].grad[i], own[t][i], 1e-5 * std::max(1.0f, std::abs(own[t][i]))) << params[t].name << " " << i;
      }
    }
  }
}

}  // namespace
}  // namespace gan
