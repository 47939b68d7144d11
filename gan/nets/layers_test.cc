// Each layer against a naive double-precision reference: forward outputs, and
// gradients against central finite differences (gan/nets/gradient_check.h).
//
// Error bound: our outputs and gradients are computed in float, with sums of at
// most ~40 terms of magnitude <= ~1 per entry over at most two layers; the
// rounding error of such a sum is below 40 * 2^-24 ~ 2.4e-6 relative, so 1e-5
// (forward) and 1e-4 (gradient) leave a margin of 4-40x while any wrong index,
// missing term or wrong derivative gives errors of order 1e-2 or more. The
// finite differences themselves (double, step 1e-6) are accurate to ~1e-8.
#include "gan/nets/layers.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gan/nets/build.h"
#include "google/protobuf/text_format.h"
#include "gan/nets/gradient_check.h"
#include "gan/nets/mlp.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

constexpr double kForwardTolerance = 1e-5;
constexpr double kGradientTolerance = 1e-4;

std::unique_ptr<Mlp> OneLayer(std::unique_ptr<Layer> layer) {
  const Shape in = layer->input_shape();
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::move(layer));
  return std::make_unique<Mlp>(in, std::move(layers));
}

std::unique_ptr<Mlp> RandomLinear(int64_t in, int64_t out, Activation activation, uint64_t seed) {
  auto layer = std::make_unique<Linear>(Shape::Flat(in), out, activation);
  Rng rng(seed);
  layer->params().Initialize(1.0f, 0.0f, rng);
  rng.FillUniform(layer->params().bias.data(), out, -0.5f, 0.5f);
  return OneLayer(std::move(layer));
}

void ExpectForwardMatchesReference(Mlp& mlp, int64_t batch, bool training, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(batch * mlp.input_dim());
  rng.FillUniform(x.data(), static_cast<int64_t>(x.size()), -1.0f, 1.0f);
  const std::unique_ptr<MlpPass> pass = mlp.MakePass(batch);
  const std::vector<Rng> streams = ForwardKeepingStreams(*pass, x, training);
  const std::vector<double> expected =
      ReferenceForward(mlp, ParametersAsDouble(mlp), std::vector<double>(x.begin(), x.end()), batch, training, streams);
  const float* y = pass->output();
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_NEAR(y[i], expected[i], kForwardTolerance * std::max(1.0, std::abs(expected[i]))) << "output " << i;
  }
}

void ExpectGradientsMatch(Mlp& mlp, int64_t batch, bool training, uint64_t seed) {
  const GradientCheckReport report = CheckGradients(mlp, batch, training, seed);
  EXPECT_GT(report.checked, 0);
  EXPECT_GT(report.max_abs_gradient, 1e-3) << "all gradients are zero: the check would prove nothing";
  EXPECT_LT(report.max_error, kGradientTolerance);
}

class LinearTest : public ::testing::TestWithParam<Activation> {};

TEST_P(LinearTest, ForwardMatchesReference) {
  auto mlp = RandomLinear(37, 11, GetParam(), 1);
  ExpectForwardMatchesReference(*mlp, 5, true, 2);
}

TEST_P(LinearTest, GradientsMatchFiniteDifferences) {
  auto mlp = RandomLinear(13, 9, GetParam(), 3);
  ExpectGradientsMatch(*mlp, 4, true, 4);
}

INSTANTIATE_TEST_SUITE_P(Activations, LinearTest,
                         ::testing::Values(Activation::kIdentity, Activation::kRelu, Activation::kSigmoid, Activation::kSoftplus));

TEST(LinearTest, ReluZeroesNegativesAndSigmoidIsInUnitInterval) {
  for (Activation activation : {Activation::kRelu, Activation::kSigmoid}) {
    auto mlp = RandomLinear(20, 30, activation, 5);
    std::vector<float> x(8 * 20);
    Rng(6).FillUniform(x.data(), static_cast<int64_t>(x.size()), -3.0f, 3.0f);
    auto pass = mlp->MakePass(8);
    ForwardKeepingStreams(*pass, x, true);
    int zeros = 0;
    for (int i = 0; i < 8 * 30; ++i) {
      const float y = pass->output()[i];
      EXPECT_GE(y, 0.0f);
      if (activation == Activation::kSigmoid) {
        EXPECT_LE(y, 1.0f);
      }
      zeros += y == 0.0f;
    }
    if (activation == Activation::kRelu) {
      EXPECT_GT(zeros, 0);
    }
  }
}

TEST(AffineParametersTest, ClipColumnNormsRescalesOnlyLongColumns) {
  AffineParameters p(2, 3);
  p.weights = {3, 0.1f, 1, 4, 0.1f, -1};  // column norms 5, ~0.141, ~1.414
  p.max_column_norm = 2.0f;
  p.ApplyConstraints();
  EXPECT_FLOAT_EQ(p.weights[0], 1.2f);
  EXPECT_FLOAT_EQ(p.weights[3], 1.6f);
  EXPECT_FLOAT_EQ(p.weights[1], 0.1f);
  EXPECT_FLOAT_EQ(p.weights[5], -1.0f);
  p.max_column_norm = 0;  // off
  p.weights[0] = 100;
  p.ApplyConstraints();
  EXPECT_EQ(p.weights[0], 100);
}

std::unique_ptr<Mlp> RandomMaxout(int64_t in, int64_t units, int64_t pieces, uint64_t seed) {
  auto layer = std::make_unique<Maxout>(Shape::Flat(in), units, pieces);
  Rng rng(seed);
  layer->params().Initialize(1.0f, 0.0f, rng);
  rng.FillUniform(layer->params().bias.data(), units * pieces, -0.5f, 0.5f);
  return OneLayer(std::move(layer));
}

TEST(MaxoutTest, ForwardMatchesReference) {
  auto mlp = RandomMaxout(29, 7, 5, 7);
  ExpectForwardMatchesReference(*mlp, 6, true, 8);
}

TEST(MaxoutTest, GradientsMatchFiniteDifferences) {
  auto mlp = RandomMaxout(11, 6, 3, 9);
  ExpectGradientsMatch(*mlp, 5, true, 10);
}

TEST(MaxoutTest, GradientFlowsOnlyToTheWinningPiece) {
  // One input, weights chosen so that piece 2 of each unit always wins for x > 0.
  auto layer = std::make_unique<Maxout>(Shape::Flat(1), 2, 3);
  layer->params().weights = {0.1f, 0.2f, 0.9f, 0.3f, 0.1f, 0.8f};
  auto mlp = OneLayer(std::move(layer));
  auto pass = mlp->MakePass(1);
  pass->input()[0] = 2.0f;
  pass->Forward(true);
  EXPECT_FLOAT_EQ(pass->output()[0], 1.8f);
  EXPECT_FLOAT_EQ(pass->output()[1], 1.6f);
  pass->output_grad()[0] = 1.0f;
  pass->output_grad()[1] = -1.0f;
  pass->Backward(true, true);
  const std::vector<ParameterRef> params = mlp->Parameters();
  const std::vector<float> expected_dw = {0, 0, 2.0f, 0, 0, -2.0f};
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(params[0].grad[i], expected_dw[i]) << i;
  EXPECT_FLOAT_EQ(pass->input_grad()[0], 0.9f - 0.8f);
}

std::unique_ptr<Mlp> DropoutOnly(int64_t dim, float keep, uint64_t seed) {
  return OneLayer(std::make_unique<Dropout>(Shape::Flat(dim), keep, seed));
}

TEST(DropoutTest, KeepRateWithinStatisticalBoundsAndMeanPreserved) {
  for (float keep : {0.5f, 0.8f}) {
    constexpr int64_t kBatch = 200, kDim = 1000, kN = kBatch * kDim;
    auto mlp = DropoutOnly(kDim, keep, 11);
    std::vector<float> x(kN, 1.0f);
    auto pass = mlp->MakePass(kBatch);
    ForwardKeepingStreams(*pass, x, true);
    int64_t kept = 0;
    double sum = 0;
    for (int64_t i = 0; i < kN; ++i) {
      const float y = pass->output()[i];
      ASSERT_TRUE(y == 0.0f || y == 1.0f / keep) << y;
      kept += y != 0.0f;
      sum += y;
    }
    // Binomial(kN, keep): 5 standard deviations (false failure < 1e-6).
    const double sd = std::sqrt(kN * keep * (1 - keep));
    EXPECT_NEAR(kept, kN * keep, 5 * sd) << "keep " << keep;
    // The mean of y is kept / (kN * keep), so the same bound over kN * keep.
    EXPECT_NEAR(sum / kN, 1.0, 5 * sd / (kN * keep)) << "keep " << keep;
  }
}

// A training-noise layer made by `make` from a seed: the same seed draws the
// same noise, another seed and every new Forward other noise; at inference
// the layer is the identity.
void ExpectSeededNoiseAndIdentityAtInference(const std::function<std::unique_ptr<Mlp>(uint64_t seed)>& make) {
  std::vector<float> x(4 * 64);
  Rng(15).FillUniform(x.data(), static_cast<int64_t>(x.size()), 0.5f, 1.0f);
  auto a = make(12), b = make(12), c = make(13);
  auto noised = [&](Mlp& mlp, bool training) {
    const std::unique_ptr<MlpPass> pass = mlp.MakePass(4);
    ForwardKeepingStreams(*pass, x, training);
    return std::vector<float>(pass->output(), pass->output() + x.size());
  };
  const std::vector<float> first = noised(*a, true);
  EXPECT_EQ(first, noised(*b, true));
  EXPECT_NE(first, noised(*c, true));
  EXPECT_NE(first, noised(*a, true));
  EXPECT_EQ(noised(*a, false), x);
}

TEST(DropoutTest, SameSeedSameMaskNewMaskEachForwardIdentityAtInference) {
  ExpectSeededNoiseAndIdentityAtInference([](uint64_t seed) { return DropoutOnly(64, 0.5f, seed); });
}

TEST(DropoutTest, GradientsMatchFiniteDifferences) {
  auto mlp = DropoutOnly(10, 0.5f, 16);
  ExpectGradientsMatch(*mlp, 3, true, 17);
}

// A weight-normalised Linear: v drawn as W would be, the scales then set apart from v's norms.
std::unique_ptr<Mlp> WeightNormLinear(int64_t in, int64_t out, Activation activation, uint64_t seed) {
  auto layer = std::make_unique<Linear>(Shape::Flat(in), out, activation);
  Rng rng(seed);
  layer->params().Initialize(1.0f, 0.0f, rng);
  rng.FillUniform(layer->params().bias.data(), out, -0.5f, 0.5f);
  layer->EnableWeightNorm();
  return OneLayer(std::move(layer));
}

TEST(WeightNormTest, StartsAtTheSameWAndTrainsDirectionScaleAndBias) {
  auto plain = RandomLinear(6, 4, Activation::kRelu, 40);
  auto normed = WeightNormLinear(6, 4, Activation::kRelu, 40);
  const std::vector<ParameterRef> params = normed->Parameters();
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0].name, "layer0.linear.direction");
  EXPECT_EQ(params[1].name, "layer0.linear.scale");
  EXPECT_EQ(params[0].fold, nullptr);
  std::vector<float> x(5 * 6);
  Rng(41).FillUniform(x.data(), 30, -1.0f, 1.0f);
  const std::vector<float> a = plain->Infer(x.data(), 5), b = normed->Infer(x.data(), 5);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5f) << i;
}

TEST(WeightNormTest, ForwardMatchesReferenceAndGradientsMatchFiniteDifferences) {
  for (Activation activation : {Activation::kIdentity, Activation::kRelu, Activation::kSigmoid}) {
    auto mlp = WeightNormLinear(7, 5, activation, 42);
    // Scales away from v's norms, so that the check sees W = scale v / |v|, not v.
    std::vector<ParameterRef> params = mlp->Parameters();
    Rng(43).FillUniform(params[1].value, params[1].size, 0.5f, 2.0f);
    ExpectForwardMatchesReference(*mlp, 3, true, 44);
    ExpectGradientsMatch(*mlp, 3, true, 45);
  }
}

// Fixed scales get no gradient; v and the bias get theirs as before.
TEST(WeightNormTest, FixedScalesGetNoGradient) {
  auto trained = WeightNormLinear(7, 5, Activation::kRelu, 48);
  auto layer = std::make_unique<Linear>(Shape::Flat(7), 5, Activation::kRelu);
  Rng rng(48);
  layer->params().Initialize(1.0f, 0.0f, rng);
  rng.FillUniform(layer->params().bias.data(), 5, -0.5f, 0.5f);
  layer->EnableWeightNorm(/*fixed_scale=*/true);
  auto fixed = OneLayer(std::move(layer));
  std::vector<float> x(3 * 7), dy(3 * 5);
  Rng(49).FillUniform(x.data(), 21, -1.0f, 1.0f);
  Rng(50).FillUniform(dy.data(), 15, -1.0f, 1.0f);
  for (Mlp* net : {trained.get(), fixed.get()}) {
    const std::unique_ptr<MlpPass> pass = net->MakePass(3);
    std::copy(x.begin(), x.end(), pass->input());
    pass->Forward(true);
    std::copy(dy.begin(), dy.end(), pass->output_grad());
    pass->Backward(false, true);
  }
  const std::vector<ParameterRef> t = trained->Parameters(), f = fixed->Parameters();
  double trained_scale_grad = 0;
  for (int64_t o = 0; o < 5; ++o) {
    EXPECT_EQ(f[1].grad[o], 0.0f) << o;
    trained_scale_grad += std::abs(t[1].grad[o]);
  }
  EXPECT_GT(trained_scale_grad, 1e-3);
  EXPECT_EQ(std::vector<float>(f[0].grad, f[0].grad + f[0].size), std::vector<float>(t[0].grad, t[0].grad + t[0].size));
}

// After the data-dependent initialisation each unit's pre-activation has
// mean 0 and standard deviation 1 over the rows it was set on.
TEST(WeightNormTest, DataDependentInitialisationStandardisesThePreActivations) {
  constexpr int64_t kRows = 300, kIn = 20, kOut = 6;
  auto mlp = WeightNormLinear(kIn, kOut, Activation::kIdentity, 46);
  std::vector<float> x(kRows * kIn);
  Rng(47).FillUniform(x.data(), kRows * kIn, 0.0f, 3.0f);
  const std::vector<float> before = mlp->Infer(x.data(), kRows);
  mlp->InitializeFromData(x.data(), kRows);
  const std::vector<float> y = mlp->Infer(x.data(), kRows);
  for (int64_t o = 0; o < kOut; ++o) {
    double sum = 0, squares = 0, before_squares = 0;
    for (int64_t n = 0; n < kRows; ++n) {
      sum += y[n * kOut + o];
      squares += double{y[n * kOut + o]} * y[n * kOut + o];
      before_squares += double{before[n * kOut + o]} * before[n * kOut + o];
    }
    EXPECT_NEAR(sum / kRows, 0.0, 1e-4) << o;
    EXPECT_NEAR(squares / kRows, 1.0, 1e-4) << o;
    EXPECT_GT(std::abs(before_squares / kRows - 1.0), 0.5) << o << ": the check needs units that were not standardised before";
  }
}

std::unique_ptr<Mlp> GaussianNoiseOnly(int64_t dim, float stddev, uint64_t seed) {
  return OneLayer(std::make_unique<GaussianNoise>(Shape::Flat(dim), stddev, seed));
}

TEST(GaussianNoiseTest, AddedNoiseHasZeroMeanAndTheStatedDeviation) {
  for (float stddev : {0.3f, 0.5f}) {
    constexpr int64_t kBatch = 200, kDim = 1000, kN = kBatch * kDim;
    auto mlp = GaussianNoiseOnly(kDim, stddev, 21);
    std::vector<float> x(kN);
    Rng(22).FillUniform(x.data(), kN, -1.0f, 1.0f);
    auto pass = mlp->MakePass(kBatch);
    ForwardKeepingStreams(*pass, x, true);
    double sum = 0, sum_squares = 0;
    for (int64_t i = 0; i < kN; ++i) {
      const double added = static_cast<double>(pass->output()[i]) - x[i];
      sum += added;
      sum_squares += added * added;
    }
    // 5 standard errors: the mean's is stddev / sqrt(kN), the variance
    // estimate's stddev^2 sqrt(2 / kN) (false failure < 1e-6).
    EXPECT_NEAR(sum / kN, 0.0, 5 * stddev / std::sqrt(kN)) << "stddev " << stddev;
    EXPECT_NEAR(sum_squares / kN, stddev * stddev, 5 * stddev * stddev * std::sqrt(2.0 / kN)) << "stddev " << stddev;
  }
}

TEST(GaussianNoiseTest, SameSeedSameNoiseNewNoiseEachForwardIdentityAtInference) {
  ExpectSeededNoiseAndIdentityAtInference([](uint64_t seed) { return GaussianNoiseOnly(64, 0.5f, seed); });
}

// A batch shared by two processes: each adds to its rows the noise one
// process adds to them. The whole batch is two blocks, each block process 0's
// two rows then process 1's (RowShare's layout).
TEST(GaussianNoiseTest, SharedBatchAddsTheWholeBatchsNoise) {
  constexpr int64_t kDim = 5, kParts = 2, kSlice = 2, kBlocks = 2, kRows = kParts * kSlice * kBlocks;
  std::vector<float> x(kRows * kDim);
  Rng(30).FillUniform(x.data(), static_cast<int64_t>(x.size()), -1.0f, 1.0f);
  auto whole = GaussianNoiseOnly(kDim, 0.5f, 31);
  const std::unique_ptr<MlpPass> whole_pass = whole->MakePass(kRows);
  ForwardKeepingStreams(*whole_pass, x, true);
  for (int64_t part = 0; part < kParts; ++part) {
    auto shared = GaussianNoiseOnly(kDim, 0.5f, 31);
    const std::unique_ptr<MlpPass> pass = shared->MakePass(kSlice * kBlocks, {}, RowShare{part, kParts, kSlice});
    std::vector<float> mine;
    for (int64_t block = 0; block < kBlocks; ++block) {
      const float* from = x.data() + (block * kParts + part) * kSlice * kDim;
      mine.insert(mine.end(), from, from + kSlice * kDim);
    }
    ForwardKeepingStreams(*pass, mine, true);
    for (int64_t block = 0; block < kBlocks; ++block) {
      for (int64_t i = 0; i < kSlice * kDim; ++i) {
        ASSERT_EQ(pass->output()[block * kSlice * kDim + i], whole_pass->output()[(block * kParts + part) * kSlice * kDim + i])
            << "part " << part << ", block " << block << ", value " << i;
      }
    }
  }
}

TEST(GaussianNoiseTest, ForwardMatchesReferenceAndGradientsMatchFiniteDifferences) {
  auto mlp = GaussianNoiseOnly(10, 0.5f, 27);
  ExpectForwardMatchesReference(*mlp, 3, true, 28);
  ExpectGradientsMatch(*mlp, 3, true, 29);
}

// A batch-normalisation layer with its shift, scale and running averages
// drawn away from their initial values, so that every term shows.
std::unique_ptr<Mlp> RandomBatchNorm(int64_t dim, Activation activation, uint64_t seed) {
  auto layer = std::make_unique<BatchNorm>(Shape::Flat(dim), activation, /*fixed_scale=*/false);
  Rng rng(seed);
  rng.FillUniform(layer->shift().data(), dim, -0.5f, 0.5f);
  rng.FillUniform(layer->scale().data(), dim, 0.5f, 2.0f);
  rng.FillUniform(layer->running_mean().data(), dim, -0.5f, 0.5f);
  rng.FillUniform(layer->running_variance().data(), dim, 0.2f, 2.0f);
  return OneLayer(std::move(layer));
}

TEST(BatchNormTest, ForwardMatchesReferenceAndGradientsMatchFiniteDifferences) {
  // A trained scale (a fixed one's gradient is 0 by design: the next test),
  // and gradients while training, where they are used: at inference the
  // running averages are inputs the gradient does not follow.
  for (Activation activation : {Activation::kIdentity, Activation::kRelu, Activation::kSigmoid, Activation::kSoftplus}) {
    SCOPED_TRACE(::testing::Message() << "activation " << static_cast<int>(activation));
    auto mlp = RandomBatchNorm(9, activation, 60);
    ExpectForwardMatchesReference(*mlp, 6, /*training=*/true, 61);
    ExpectGradientsMatch(*mlp, 6, /*training=*/true, 62);
    ExpectForwardMatchesReference(*mlp, 6, /*training=*/false, 63);
  }
}

// While training each value is standardised over the batch's rows, and the
// running averages move a tenth of the way to the batch's mean and unbiased
// variance; the averages' gradient, and a fixed scale's, stay 0.
TEST(BatchNormTest, StandardisesOverTheBatchAndMovesTheRunningAverages) {
  constexpr int64_t kRows = 50, kDim = 4;
  auto mlp = OneLayer(std::make_unique<BatchNorm>(Shape::Flat(kDim), Activation::kIdentity, /*fixed_scale=*/true));
  auto& layer = static_cast<BatchNorm&>(*mlp->layers()[0]);
  std::vector<float> x(kRows * kDim), dy(kRows * kDim);
  Rng(63).FillUniform(x.data(), kRows * kDim, 2.0f, 5.0f);
  Rng(64).FillUniform(dy.data(), kRows * kDim, -1.0f, 1.0f);
  const std::unique_ptr<MlpPass> pass = mlp->MakePass(kRows);
  std::copy(x.begin(), x.end(), pass->input());
  pass->Forward(/*training=*/true);
  std::copy(dy.begin(), dy.end(), pass->output_grad());
  pass->Backward(/*input_grad=*/true, /*param_grads=*/true);
  for (int64_t j = 0; j < kDim; ++j) {
    double sum = 0, squares = 0, x_sum = 0, x_squares = 0;
    for (int64_t n = 0; n < kRows; ++n) {
      const double y = pass->output()[n * kDim + j];
      sum += y;
      squares += y * y;
      x_sum += x[n * kDim + j];
    }
    const double x_mean = x_sum / kRows;
    for (int64_t n = 0; n < kRows; ++n) x_squares += (x[n * kDim + j] - x_mean) * (x[n * kDim + j] - x_mean);
    EXPECT_NEAR(sum / kRows, 0.0, 1e-5) << j;
    EXPECT_NEAR(squares / kRows, 1.0, 1e-4) << j;
    EXPECT_NEAR(layer.running_mean()[j], 0.1 * x_mean, 1e-5) << j;
    EXPECT_NEAR(layer.running_variance()[j], 0.9 + 0.1 * x_squares / (kRows - 1), 1e-5) << j;
    EXPECT_EQ(layer.scale_grad()[j], 0.0f) << j;
    EXPECT_NE(layer.shift_grad()[j], 0.0f) << j;
  }
  for (const ParameterRef& p : mlp->Parameters()) {
    if (p.name.find("running") == std::string::npos) continue;
    for (int64_t j = 0; j < p.size; ++j) EXPECT_EQ(p.grad[j], 0.0f) << p.name;
  }
}

// Shapes: a layer with weights reads any input as its flat features (an
// image's values in row-major order) and outputs flat units; dropout keeps
// its input's shape. PlanLayer says so without building anything.
TEST(LayerShapeTest, ImageInputsAreReadAsTheirFlatFeatures) {
  const Shape image = Shape::Image(2, 3, 4);
  proto::Layer linear, maxout, dropout;
  linear.mutable_linear()->set_units(5);
  maxout.mutable_maxout()->set_units(5);
  maxout.mutable_maxout()->set_pieces(3);
  dropout.mutable_dropout()->set_keep_prob(0.5f);
  EXPECT_EQ(PlanLayer(linear, image)->output, Shape::Flat(5));
  EXPECT_EQ(PlanLayer(linear, image)->weights, "24 x 5");
  EXPECT_EQ(PlanLayer(maxout, image)->weights, "24 x 15");
  EXPECT_EQ(PlanLayer(dropout, image)->output, image);
  EXPECT_EQ(PlanLayer(dropout, image)->weight_values, 0);

  Rng rng(20);
  auto on_image = MakeLayer(linear, image, rng, nullptr).value();
  EXPECT_EQ(on_image->input_shape(), image);
  EXPECT_EQ(on_image->input_dim(), 24);
  EXPECT_EQ(on_image->output_shape(), Shape::Flat(5));
  EXPECT_EQ(MakeLayer(dropout, image, rng, nullptr).value()->output_shape(), image);
}

TEST(LayerShapeTest, PlanErrorsNameTheKindAndField) {
  proto::Layer none, bad_units, bad_irange;
  bad_units.mutable_maxout()->set_units(4);
  bad_irange.mutable_linear()->set_units(4);
  bad_irange.mutable_linear()->set_weight_irange(-1);
  EXPECT_NE(PlanLayer(none, Shape::Flat(3)).status().message().find("has no kind"), std::string::npos);
  EXPECT_NE(PlanLayer(bad_units, Shape::Flat(3)).status().message().find("(maxout): units and pieces must be positive"), std::string::npos);
  EXPECT_NE(PlanLayer(bad_irange, Shape::Flat(3)).status().message().find("(linear): weight_irange must be finite and >= 0"),
            std::string::npos);
  Rng rng(21);
  EXPECT_FALSE(MakeLayer(bad_irange, Shape::Flat(3), rng, nullptr).ok());
}

// A joined layer (Mirza and Osindero's nets: each input through a layer of its
// own, the outputs side by side) from its experiment text.
std::unique_ptr<Mlp> JoinedNet(const std::string& layer_text, int64_t inputs) {
  proto::Mlp config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(layer_text, config.add_layers())) << layer_text;
  absl::StatusOr<std::unique_ptr<Mlp>> net = BuildMlp(config, Shape::Flat(inputs), 7);
  EXPECT_TRUE(net.ok()) << net.status();
  return net.ok() ? *std::move(net) : nullptr;
}

TEST(JoinedLayerTest, EqualsItsBlocksAsSeparateLayersSideBySide) {
  // [a (3 columns) | b (2 columns)] -> [linear(a) 2 units | linear(b) 4 units].
  std::unique_ptr<Mlp> joined = JoinedNet(
      "linear { units: 6 activation: RELU bias: 0.1 join { inputs: 3 units: 2 weight_irange: 0.5 } join { inputs: 2 units: 4 weight_irange: 0.9 } }",
      5);
  ASSERT_NE(joined, nullptr);
  const std::vector<ParameterRef> p = joined->Parameters();
  ASSERT_EQ(p[0].size, 5 * 6);
  auto w = [&](int i, int o) { return p[0].value[i * 6 + o]; };
  // Zero outside the blocks, inside each block within its own range and not zero.
  for (int i = 0; i < 5; ++i) {
    for (int o = 0; o < 6; ++o) {
      const bool first_block = i < 3 && o < 2, second_block = i >= 3 && o >= 2;
      const float range = first_block ? 0.5f : second_block ? 0.9f : 0.0f;
      if (range == 0.0f) {
        EXPECT_EQ(w(i, o), 0.0f) << i << ", " << o;
      } else {
        EXPECT_TRUE(w(i, o) != 0.0f && std::abs(w(i, o)) <= range) << i << ", " << o;
      }
    }
  }
  // The outputs are those of the two layers computed apart.
  const std::vector<float> x = {0.3f, -0.7f, 0.2f, 0.9f, -0.4f, -0.1f, 0.5f, 0.6f, -0.8f, 0.2f};  // 2 rows
  const std::vector<float> y = joined->Infer(x.data(), 2);
  for (int n = 0; n < 2; ++n) {
    for (int o = 0; o < 6; ++o) {
      double sum = p[1].value[o];
      const int first = o < 2 ? 0 : 3, count = o < 2 ? 3 : 2;
      for (int i = first; i < first + count; ++i) sum += double{x[n * 5 + i]} * w(i, o);
      EXPECT_NEAR(y[n * 6 + o], std::max(sum, 0.0), kForwardTolerance) << n << ", " << o;
    }
  }
}

TEST(JoinedLayerTest, StaysJoinedThroughUpdatesAndItsGradientsMatch) {
  std::unique_ptr<Mlp> joined =
      JoinedNet("maxout { units: 5 pieces: 3 join { inputs: 4 units: 3 weight_irange: 0.7 } join { inputs: 2 units: 2 weight_irange: 0.7 } }", 6);
  ASSERT_NE(joined, nullptr);
  ExpectForwardMatchesReference(*joined, 4, false, 31);
  ExpectGradientsMatch(*joined, 4, false, 32);
  // A step along a gradient that fills every entry, then the constraints:
  // zero again outside the blocks (rows 0-3 own columns 0-8, rows 4-5 columns 9-14).
  const ParameterRef w = joined->Parameters()[0];
  for (int64_t i = 0; i < w.size; ++i) w.value[i] += 0.01f;
  joined->ApplyConstraints();
  for (int64_t i = 0; i < 6; ++i) {
    for (int64_t c = 0; c < 15; ++c) {
      const bool inside = (i < 4) == (c < 9);
      if (inside) {
        EXPECT_NE(w.value[i * 15 + c], 0.0f) << i << ", " << c;
      } else {
        EXPECT_EQ(w.value[i * 15 + c], 0.0f) << i << ", " << c;
      }
    }
  }
}

TEST(JoinedLayerTest, BlocksThatDoNotCoverTheLayerAreRefused) {
  proto::Layer layer;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      "maxout { units: 5 pieces: 2 join { inputs: 4 units: 3 } join { inputs: 1 units: 2 } }", &layer));
  const absl::Status status = PlanLayer(layer, Shape::Flat(6)).status();
  EXPECT_NE(status.message().find("(maxout): the join's blocks read 5 inputs and make 5 units; the layer has 6 inputs and 5 units"),
            std::string::npos)
      << status;
  layer.mutable_maxout()->mutable_join(1)->set_units(0);
  EXPECT_NE(PlanLayer(layer, Shape::Flat(5)).status().message().find("join[1]: inputs and units must be positive"), std::string::npos);
}

}  // namespace
}  // namespace gan
