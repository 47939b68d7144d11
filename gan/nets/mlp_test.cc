// Whole MLPs: built from experiment descriptions, checked against the
// double-precision reference (forward) and finite differences (gradients).
// The error bound is argued in layers_test.cc; the paper-size nets sum up to
// 1200 terms per entry, so their forward bound grows to 1200 * 2^-24 ~ 7e-5.
#include "gan/nets/mlp.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gan/nets/build.h"
#include "gan/spec/experiment.h"
#include "gan/nets/gradient_check.h"
#include "gan/nets/optimizer.h"
#include "base/random.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

proto::Mlp ParseMlp(const std::string& text) {
  proto::Experiment experiment = ParseExperiment("generator {" + text + "}", "test").value();
  return experiment.generator();
}

// The paper's discriminator, scaled down so every entry can be checked.
constexpr char kSmallDiscriminator[] = R"(
  layers { dropout { keep_prob: 0.8 } }
  layers { maxout { units: 6 pieces: 5 weight_irange: 0.5 } }
  layers { dropout { keep_prob: 0.5 } }
  layers { maxout { units: 5 pieces: 3 weight_irange: 0.5 } }
  layers { dropout { keep_prob: 0.5 } }
  layers { linear { units: 1 weight_irange: 0.5 } })";

constexpr char kSmallGenerator[] = R"(
  layers { linear { units: 9 activation: RELU weight_irange: 0.5 bias: 0.1 } }
  layers { linear { units: 8 activation: RELU weight_irange: 0.5 bias: 0.1 } }
  layers { linear { units: 7 activation: SIGMOID weight_irange: 0.5 } })";

TEST(MlpTest, SmallDiscriminatorGradientsInTrainingMode) {
  auto mlp = BuildMlp(ParseMlp(kSmallDiscriminator), Shape::Flat(12), 1).value();
  const GradientCheckReport report = CheckGradients(*mlp, 4, /*training=*/true, 2, 1000);
  EXPECT_GT(report.checked, 12 * 4 + 12 * 30);
  EXPECT_GT(report.max_abs_gradient, 1e-2);
  EXPECT_LT(report.max_error, 1e-4);
}

TEST(MlpTest, SmallGeneratorGradients) {
  auto mlp = BuildMlp(ParseMlp(kSmallGenerator), Shape::Flat(5), 3).value();
  const GradientCheckReport report = CheckGradients(*mlp, 3, /*training=*/true, 4, 1000);
  EXPECT_GT(report.max_abs_gradient, 1e-2);
  EXPECT_LT(report.max_error, 1e-4);
}

// SGD's velocity update folded into the layers' gradient products
// (FoldedMomentum) against the update it replaces: two copies of a net take
// the same steps, one folded and one not, while the learning rate decays and
// the momentum changes between steps (from 0, which the fold writes without
// its sum, through values small enough to renormalise the folded velocity
// every few steps, to 0.9); their parameters must agree to float rounding,
// and the folded net's gradients must never be written. The folded side's
// fold is first taken by an optimiser that is then destroyed, as a new
// training phase's optimiser replaces the last one's.
TEST(MlpTest, FoldedMomentumIsTheUpdateItReplaces) {
  proto::SgdMomentum sgd;
  sgd.set_learning_rate(0.02f);
  sgd.set_lr_decay_factor(1.05);
  sgd.set_initial_momentum(0.0f);
  sgd.set_final_momentum(0.9f);
  sgd.set_momentum_start_epoch(1);
  sgd.set_momentum_saturate_epoch(20);
  for (const char* spec : {kSmallDiscriminator, kSmallGenerator}) {
    const Shape input = Shape::Flat(12);
    auto plain = BuildMlp(ParseMlp(spec), input, 8).value();
    auto folded = BuildMlp(ParseMlp(spec), input, 8).value();
    proto::SgdMomentum folded_config = sgd;
    folded_config.set_fold_into_products(true);
    SgdMomentum plain_sgd(plain->Parameters(), sgd);
    auto replaced = std::make_unique<SgdMomentum>(folded->Parameters(), folded_config);
    SgdMomentum folded_sgd(folded->Parameters(), folded_config);
    replaced.reset();
    for (const ParameterRef& p : folded->Parameters()) std::fill(p.grad, p.grad + p.size, 7.0f);

    const int64_t batch = 6;
    auto plain_pass = plain->MakePass(batch), folded_pass = folded->MakePass(batch);
    Rng data(9);
    for (int step = 0; step < 30; ++step) {
      plain_sgd.StartEpoch(std::max(1, step));  // steps 0 and 1 at momentum 0
      folded_sgd.StartEpoch(std::max(1, step));
      data.FillUniform(plain_pass->input(), batch * 12, -1.0f, 1.0f);
      std::copy(plain_pass->input(), plain_pass->input() + batch * 12, folded_pass->input());
      plain_pass->Forward(/*training=*/true);
      folded_pass->Forward(/*training=*/true);
      const int64_t outputs = batch * plain->output_dim();
      data.FillUniform(plain_pass->output_grad(), outputs, -1.0f, 1.0f);
      std::copy(plain_pass->output_grad(), plain_pass->output_grad() + outputs, folded_pass->output_grad());
      plain_pass->Backward(/*input_grad=*/false, /*param_grads=*/true);
      folded_pass->Backward(/*input_grad=*/false, /*param_grads=*/true);
      plain_sgd.Step();
      folded_sgd.Step();
    }
    const std::vector<ParameterRef> want = plain->Parameters(), got = folded->Parameters();
    ASSERT_EQ(want.size(), got.size());
    for (size_t t = 0; t < want.size(); ++t) {
      ASSERT_NE(got[t].fold, nullptr) << got[t].name;
      EXPECT_EQ(got[t].fold->velocity, folded_sgd.StateTensors()[t]->data()) << got[t].name;
      for (int64_t i = 0; i < want[t].size; ++i) {
        ASSERT_NEAR(got[t].value[i], want[t].value[i], 1e-6 * std::max(1.0f, std::abs(want[t].value[i])))
            << got[t].name << " " << i;
        ASSERT_EQ(got[t].grad[i], 7.0f) << got[t].name << " " << i;
      }
    }
    // The plain side updated from its gradients: the comparison is not of two idle nets.
    double largest_grad = 0;
    for (const ParameterRef& p : plain->Parameters()) {
      for (int64_t i = 0; i < p.size; ++i) largest_grad = std::max(largest_grad, double{std::abs(p.grad[i])});
    }
    EXPECT_GT(largest_grad, 1e-3);
  }
}

TEST(MlpTest, InferCoversEveryRowInInferenceMode) {
  // 1,203 rows: two full batches of 500 and a short one. Inference mode:
  // dropout is the identity, so the reference takes no masks.
  auto mlp = BuildMlp(ParseMlp(kSmallDiscriminator), Shape::Flat(12), 4).value();
  const int64_t rows = 1203;
  std::vector<float> x(rows * 12);
  Rng(6).FillUniform(x.data(), static_cast<int64_t>(x.size()), -1.0f, 1.0f);
  const std::vector<float> y = mlp->Infer(x.data(), rows);
  const std::vector<double> reference = ReferenceForward(*mlp, ParametersAsDouble(*mlp), std::vector<double>(x.begin(), x.end()), rows,
                                                          /*training=*/false, {});
  ASSERT_EQ(y.size(), reference.size());
  for (int64_t i = 0; i < rows; ++i) EXPECT_NEAR(y[i], reference[i], 1e-5 * std::max(1.0, std::abs(reference[i]))) << "row " << i;
}

TEST(MlpTest, InputGradientOnlyLeavesParameterGradientsAlone) {
  auto mlp = BuildMlp(ParseMlp(kSmallDiscriminator), Shape::Flat(12), 5).value();
  for (const ParameterRef& p : mlp->Parameters()) std::fill(p.grad, p.grad + p.size, 7.0f);
  std::vector<float> x(2 * 12, 0.5f);
  auto pass = mlp->MakePass(2);
  ForwardKeepingStreams(*pass, x, true);
  std::fill(pass->output_grad(), pass->output_grad() + 2, 1.0f);
  pass->Backward(/*input_grad=*/true, /*param_grads=*/false);
  for (const ParameterRef& p : mlp->Parameters()) {
    for (int64_t i = 0; i < p.size; ++i) ASSERT_EQ(p.grad[i], 7.0f) << p.name;
  }
}

TEST(MlpTest, InputGradientOfTrailingRowsEqualsTheWholeBackwards) {
  // 6 rows; the input gradient of rows 2..5 alone, after a full backward has
  // overwritten the hidden gradients, as the simultaneous step does.
  for (const char* net : {kSmallDiscriminator, kSmallGenerator}) {
    const int64_t in = net == kSmallDiscriminator ? 12 : 5;
    auto mlp = BuildMlp(ParseMlp(net), Shape::Flat(in), 7).value();
    const int64_t rows = 6, first = 2, out = mlp->output_dim();
    auto pass = mlp->MakePass(rows, /*tail_first_rows=*/{first});
    Rng rng(8);
    rng.FillUniform(pass->input(), rows * in, -1.0f, 1.0f);
    pass->Forward(/*training=*/true);
    std::vector<float> output_grad(rows * out);
    rng.FillUniform(output_grad.data(), rows * out, -1.0f, 1.0f);
    std::copy(output_grad.begin(), output_grad.end(), pass->output_grad());
    pass->Backward(/*input_grad=*/true, /*param_grads=*/false);
    const std::vector<float> whole(pass->input_grad(), pass->input_grad() + rows * in);

    std::copy(output_grad.begin(), output_grad.end(), pass->output_grad());
    pass->Backward(/*input_grad=*/false, /*param_grads=*/true);
    std::fill(pass->output_grad(), pass->output_grad() + first * out, 99.0f);  // must not be read
    std::copy(output_grad.begin() + first * out, output_grad.end(), pass->output_grad() + first * out);
    float* input_grad = const_cast<float*>(pass->input_grad());
    std::fill(input_grad, input_grad + rows * in, -5.0f);
    pass->BackwardRows(first, /*input_grad=*/true, /*param_grads=*/false);
    for (int64_t i = 0; i < rows * in; ++i) {
      if (i < first * in) {
        ASSERT_EQ(input_grad[i], -5.0f) << "entry " << i << " is before the first row";
      } else {
        ASSERT_EQ(input_grad[i], whole[i]) << "entry " << i;
      }
    }
  }
}

TEST(MlpTest, ParameterGradientsOfTrailingRowsAreThoseOfTheirOwnPass) {
  // As the alternating step's G update: rows 2..5 of a 6-row forward, against
  // the same 4 rows as a pass of their own. (Without dropout: its masks depend
  // on how many rows are drawn.) A row's forward values do not depend on the
  // other rows in exact arithmetic; in float they could differ in the last
  // bit between a 4-row and a 6-row product, hence the relative bound of 1e-5.
  // Reading any row before the first would show as NaN.
  constexpr char kMaxoutNet[] = R"(
    layers { maxout { units: 4 pieces: 3 weight_irange: 0.5 } }
    layers { linear { units: 2 weight_irange: 0.5 } })";
  for (const char* net : {kSmallGenerator, kMaxoutNet}) {
    auto mlp = BuildMlp(ParseMlp(net), Shape::Flat(5), 9).value();
    const int64_t in = 5, rows = 6, first = 2, tail = rows - first, out = mlp->output_dim();
    auto pass = mlp->MakePass(rows, /*tail_first_rows=*/{first});
    auto tail_pass = mlp->MakePass(tail);
    std::vector<float> input(rows * in), output_grad(rows * out);
    Rng rng(10);
    rng.FillUniform(input.data(), rows * in, -1.0f, 1.0f);
    rng.FillUniform(output_grad.data(), rows * out, -1.0f, 1.0f);

    std::copy(input.begin() + first * in, input.end(), tail_pass->input());
    tail_pass->Forward(/*training=*/true);
    std::copy(output_grad.begin() + first * out, output_grad.end(), tail_pass->output_grad());
    tail_pass->Backward(/*input_grad=*/false, /*param_grads=*/true);
    std::vector<std::vector<float>> own;
    for (const ParameterRef& p : mlp->Parameters()) own.emplace_back(p.grad, p.grad + p.size);

    std::copy(input.begin(), input.end(), pass->input());
    pass->Forward(/*training=*/true);
    std::fill(pass->output_grad(), pass->output_grad() + first * out, std::numeric_limits<float>::quiet_NaN());
    std::copy(output_grad.begin() + first * out, output_grad.end(), pass->output_grad() + first * out);
    for (const ParameterRef& p : mlp->Parameters()) std::fill(p.grad, p.grad + p.size, -5.0f);
    pass->BackwardRows(first, /*input_grad=*/false, /*param_grads=*/true);
    const std::vector<ParameterRef> params = mlp->Parameters();
    for (size_t t = 0; t < params.size(); ++t) {
      for (int64_t i = 0; i < params[t].size; ++i) {
        ASSERT_NEAR(params[t].grad[i], own[t][i], 1e-5 * std::max(1.0f, std::abs(own[t][i]))) << params[t].name << " " << i;
      }
    }
  }
}

// A pass runs the backwards it was made for; any other first row is a bug of
// the caller's, stopped with its reason instead of a primitive made mid-loop.
TEST(MlpDeathTest, BackwardFromARowThePassWasNotMadeForStops) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto mlp = BuildMlp(ParseMlp(kSmallGenerator), Shape::Flat(5), 11).value();
  auto pass = mlp->MakePass(6, /*tail_first_rows=*/{2});
  pass->Forward(/*training=*/true);
  pass->BackwardRows(2, /*input_grad=*/true, /*param_grads=*/true);  // made for: runs
  EXPECT_DEATH(pass->BackwardRows(3, /*input_grad=*/true, /*param_grads=*/true), "backward from row 3, which the pass was not made for");
  EXPECT_DEATH(mlp->MakePass(6, /*tail_first_rows=*/{6}), "backward from row 6 of a pass of 6 rows");
}

// A forward-only pass computes a training pass's inference-mode outputs bit
// for bit; its Backward is a bug of the caller's, stopped with its reason.
TEST(MlpDeathTest, ForwardOnlyPassesComputeWhatTrainingPassesDoAndRefuseBackward) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (const char* config : {kSmallDiscriminator, kSmallGenerator}) {
    auto mlp = BuildMlp(ParseMlp(config), Shape::Flat(12), 12).value();
    const int64_t rows = 7;
    auto training = mlp->MakePass(rows);
    auto forward_only = mlp->MakeForwardPass(rows);
    Rng(13).FillUniform(training->input(), rows * 12, -1.0f, 1.0f);
    std::copy(training->input(), training->input() + rows * 12, forward_only->input());
    training->Forward(/*training=*/false);
    forward_only->Forward(/*training=*/false);
    for (int64_t i = 0; i < rows * mlp->output_dim(); ++i) ASSERT_EQ(forward_only->output()[i], training->output()[i]) << i;
    EXPECT_EQ(forward_only->output_grad(), nullptr);
    EXPECT_DEATH(forward_only->Backward(/*input_grad=*/true, /*param_grads=*/true), "Backward of a forward-only pass");
  }
}

class PaperMnistTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<proto::Experiment> experiment = LoadExperimentFile("experiments/mnist.pbtxt");
    ASSERT_TRUE(experiment.ok()) << experiment.status();
    experiment_ = *experiment;
  }
  proto::Experiment experiment_;
};

TEST_F(PaperMnistTest, ShapesAndParameterCounts) {
  const std::vector<float> pixel_mean(784, 0.13f);
  auto g = BuildMlp(experiment_.generator(), Shape::Flat(100), 1, &pixel_mean).value();
  auto d = BuildMlp(experiment_.discriminator(), Shape::Flat(784), 2).value();
  EXPECT_EQ(g->output_dim(), 784);
  EXPECT_EQ(d->output_dim(), 1);
  auto count = [](Mlp& mlp) {
    int64_t total = 0;
    for (const ParameterRef& p : mlp.Parameters()) total += p.size;
    return total;
  };
  EXPECT_EQ(count(*g), 100 * 1200 + 1200 + 1200 * 1200 + 1200 + 1200 * 784 + 784);
  EXPECT_EQ(count(*d), 784 * 1200 + 1200 + 240 * 1200 + 1200 + 240 + 1);
  // Output bias: logit of the pixel mean; weights within their irange.
  const std::vector<ParameterRef> params = g->Parameters();
  EXPECT_NEAR(params.back().value[0], std::log(0.13 / 0.87), 1e-6);
  for (int64_t i = 0; i < params[0].size; ++i) ASSERT_LE(std::abs(params[0].value[i]), 0.05f);
}

TEST_F(PaperMnistTest, ForwardMatchesReferenceAndSampledGradientsMatch) {
  const std::vector<float> pixel_mean(784, 0.13f);
  for (bool is_generator : {true, false}) {
    auto mlp = is_generator ? BuildMlp(experiment_.generator(), Shape::Flat(100), 1, &pixel_mean).value()
                            : BuildMlp(experiment_.discriminator(), Shape::Flat(784), 2).value();
    constexpr int64_t kBatch = 3;
    std::vector<float> x(kBatch * mlp->input_dim());
    Rng(3).FillUniform(x.data(), static_cast<int64_t>(x.size()), -1.0f, 1.0f);
    auto pass = mlp->MakePass(kBatch);
    const std::vector<Rng> streams = ForwardKeepingStreams(*pass, x, true);
    const std::vector<double> expected =
        ReferenceForward(*mlp, ParametersAsDouble(*mlp), std::vector<double>(x.begin(), x.end()), kBatch, true, streams);
    for (size_t i = 0; i < expected.size(); ++i) {
      ASSERT_NEAR(pass->output()[i], expected[i], 1e-4 * std::max(1.0, std::abs(expected[i])));
    }
    const GradientCheckReport report = CheckGradients(*mlp, kBatch, true, 4, /*entries_per_tensor=*/6);
    int64_t expected_checked = 6;  // the input
    for (const ParameterRef& p : mlp->Parameters()) expected_checked += std::min<int64_t>(p.size, 6);
    EXPECT_EQ(report.checked, expected_checked);
    EXPECT_LT(report.max_error, 1e-3) << (is_generator ? "generator" : "discriminator");
  }
}

TEST(BuildMlpTest, OutputShapeIsThatOfTheBuiltNet) {
  const proto::Mlp config = ParseMlp(kSmallDiscriminator);
  const Shape image = Shape::Image(1, 3, 4);
  EXPECT_EQ(OutputShape(config, image).value(), Shape::Flat(1));
  auto mlp = BuildMlp(config, image, 1).value();
  EXPECT_EQ(mlp->input_shape(), image);
  EXPECT_EQ(mlp->input_dim(), 12);
  EXPECT_EQ(mlp->output_shape(), Shape::Flat(1));
  // Dropout alone keeps the image shape.
  EXPECT_EQ(OutputShape(ParseMlp("layers { dropout { keep_prob: 0.5 } }"), image).value(), image);
  const absl::StatusOr<Shape> bad = OutputShape(ParseMlp("layers { linear { units: 4 } } layers { }"), image);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("layer 1 has no kind"), std::string::npos) << bad.status();
}

// Each layer is initialised on the training outputs of the layers before
// it, already initialised, their noise on: the last layer's training outputs
// with that noise come out standardised, and the net's streams are untouched.
TEST(MlpTest, DataDependentInitialisationRunsLayerByLayerWithTheTrainingNoise) {
  auto net = BuildMlp(ParseMlp(R"(
    layers { linear { units: 8 activation: RELU weight_irange: 1 weight_norm: true fixed_scale: true } }
    layers { gaussian_noise { stddev: 0.5 } }
    layers { linear { units: 4 activation: IDENTITY weight_irange: 1 weight_norm: true } })"), Shape::Flat(5), 3).value();
  constexpr int64_t kRows = 200;
  std::vector<float> x(kRows * 5);
  Rng(4).FillUniform(x.data(), static_cast<int64_t>(x.size()), 0.0f, 2.0f);
  const std::vector<Rng> streams = CopyRandomStreams(*net);
  net->InitializeFromData(x.data(), kRows);
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(net->RandomStreams()[0]->state(), streams[0].state());
  const std::vector<double> x_double(x.begin(), x.end());
  const std::vector<double> noisy = ReferenceForward(*net, ParametersAsDouble(*net), x_double, kRows, /*training=*/true, streams);
  const std::vector<double> clean = ReferenceForward(*net, ParametersAsDouble(*net), x_double, kRows, /*training=*/false, {});
  for (int64_t o = 0; o < 4; ++o) {
    double sum = 0, squares = 0, clean_squares = 0;
    for (int64_t n = 0; n < kRows; ++n) {
      sum += noisy[n * 4 + o];
      squares += noisy[n * 4 + o] * noisy[n * 4 + o];
      clean_squares += clean[n * 4 + o] * clean[n * 4 + o];
    }
    EXPECT_NEAR(sum / kRows, 0.0, 1e-6) << o;
    EXPECT_NEAR(squares / kRows, 1.0, 1e-6) << o;
    EXPECT_LT(clean_squares / kRows, 0.99) << o << ": without the noise the outputs vary less";
  }
}

TEST(BuildMlpTest, ErrorsNameTheLayer) {
  auto bad_units = BuildMlp(ParseMlp("layers { linear { units: 4 } } layers { maxout { units: 0 pieces: 2 } }"), Shape::Flat(3), 1);
  ASSERT_FALSE(bad_units.ok());
  EXPECT_NE(bad_units.status().message().find("layer 1 (maxout)"), std::string::npos) << bad_units.status();
  auto bad_keep = BuildMlp(ParseMlp("layers { dropout { keep_prob: 1.5 } }"), Shape::Flat(3), 1);
  ASSERT_FALSE(bad_keep.ok());
  EXPECT_NE(bad_keep.status().message().find("keep_prob"), std::string::npos);
  for (const char* stddev : {"0", "-0.5", "inf"}) {
    auto bad_noise = BuildMlp(ParseMlp(absl::StrCat("layers { gaussian_noise { stddev: ", stddev, " } }")), Shape::Flat(3), 1);
    ASSERT_FALSE(bad_noise.ok()) << stddev;
    EXPECT_NE(bad_noise.status().message().find("layer 0 (gaussian_noise): stddev must be positive"), std::string::npos) << bad_noise.status();
  }
  auto normed_join = BuildMlp(ParseMlp("layers { linear { units: 4 weight_norm: true max_column_norm: 1 } }"), Shape::Flat(3), 1);
  ASSERT_FALSE(normed_join.ok());
  EXPECT_NE(normed_join.status().message().find("weight_norm cannot be combined"), std::string::npos) << normed_join.status();
  auto no_mean = BuildMlp(ParseMlp("layers { linear { units: 4 bias_from_data_mean_logit: true } }"), Shape::Flat(3), 1);
  ASSERT_FALSE(no_mean.ok());
  EXPECT_NE(no_mean.status().message().find("per-pixel mean"), std::string::npos);
  EXPECT_FALSE(BuildMlp(proto::Mlp(), Shape::Flat(3), 1).ok());
}

// Nets too large for the machine are refused by name before anything is
// allocated (each of these would end in std::bad_alloc).
TEST(BuildMlpTest, NetsLargerThanMemoryAreRefusedBeforeAllocating) {
  const struct {
    std::string layers;
    int64_t input_dim;
    std::string message;
  } too_large[] = {
      {"layers { linear { units: 2000000000 } }", 784, "layer 0 (linear): 784 x 2000000000 weights"},
      {"layers { dropout { keep_prob: 0.5 } } layers { maxout { units: 240 pieces: 100000 } }", 784,
       "layer 1 (maxout): 784 x 24000000 weights"},
      {"layers { linear { units: 1200 } }", 1000000000, "layer 0 (linear): 1000000000 x 1200 weights"},
  };
  for (const auto& [layers, input_dim, message] : too_large) {
    const absl::StatusOr<std::unique_ptr<Mlp>> mlp = BuildMlp(ParseMlp(layers), Shape::Flat(input_dim), 1);
    ASSERT_FALSE(mlp.ok()) << layers;
    EXPECT_EQ(mlp.status().code(), absl::StatusCode::kResourceExhausted) << mlp.status();
    EXPECT_NE(mlp.status().message().find(message), std::string::npos) << mlp.status();
    EXPECT_NE(mlp.status().message().find("GB of memory"), std::string::npos) << mlp.status();
  }
}

TEST(ExperimentTest, ParseErrorNamesSourceAndLine) {
  auto parsed = ParseExperiment("name: \"x\"\nnoise_dim: oops\n", "bad.pbtxt");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("bad.pbtxt: not a valid experiment: line 2"), std::string::npos)
      << parsed.status();
  EXPECT_EQ(LoadExperimentFile("/no/such/file.pbtxt").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace gan
