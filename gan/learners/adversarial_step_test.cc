// The update modes: how many updates each makes, and that the gradients they
// hand to the optimisers are those of the paper's objectives (checked against
// central differences of a double-precision reference of G and D).
#include "gan/learners/adversarial_step.h"

#include <cmath>
#include <memory>
#include <vector>

#include "gan/nets/build.h"
#include "gan/nets/gradient_check.h"
#include "gan/objectives/loss.h"
#include "gan/spec/experiment.h"
#include "gan/spec/inpainting.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

// Counts updates and keeps the gradients of the last one; changes nothing.
class RecordingOptimizer : public Optimizer {
 public:
  explicit RecordingOptimizer(std::vector<ParameterRef> params) : params_(std::move(params)) {}
  void Step() override {
    ++steps;
    grads.clear();
    for (const ParameterRef& p : params_) grads.emplace_back(p.grad, p.grad + p.size);
  }
  void StartEpoch(int) override {}
  std::vector<std::vector<float>*> StateTensors() override { return {}; }
  std::vector<double*> StateScalars() override { return {}; }
  double learning_rate() const override { return 0; }
  double momentum() const override { return 0; }

  int steps = 0;
  std::vector<std::vector<float>> grads;

 private:
  std::vector<ParameterRef> params_;
};

constexpr char kSmallExperiment[] = R"(
  name: "small" noise_dim: 3 batch_size: 4
  noise { normal { mean: 0 stddev: 1 } }
  generator {
    layers { linear { units: 6 activation: RELU weight_irange: 0.8 bias: 0.1 } }
    layers { linear { units: 5 activation: SIGMOID weight_irange: 0.8 } }
  }
  discriminator {
    layers { dropout { keep_prob: 0.8 } }
    layers { maxout { units: 4 pieces: 3 weight_irange: 0.8 } }
    layers { dropout { keep_prob: 0.5 } }
    layers { linear { units: 1 weight_irange: 0.8 } }
  })";

struct Game {
  explicit Game(const std::string& overrides) {
    experiment = ParseExperiment(std::string(kSmallExperiment) + overrides, "test").value();
    g = BuildMlp(experiment.generator(), Shape::Flat(experiment.noise_dim()), 1).value();
    d = BuildMlp(experiment.discriminator(), Shape::Flat(5), 2).value();
    g_opt = std::make_unique<RecordingOptimizer>(g->Parameters());
    d_opt = std::make_unique<RecordingOptimizer>(d->Parameters());
    data.resize(4 * 5);
    Rng(3).FillUniform(data.data(), 20, 0.0f, 1.0f);
    step = std::make_unique<AdversarialStep>(*g, *d, experiment, noise_rng, [this] {
      ++data_batches;
      return data.data();
    });
  }
  proto::Experiment experiment;
  std::unique_ptr<Mlp> g, d;
  std::unique_ptr<RecordingOptimizer> g_opt, d_opt;
  std::vector<float> data;
  Rng noise_rng{4};
  int data_batches = 0;
  std::unique_ptr<AdversarialStep> step;
};

// The paper's objectives of one D pass over 8 rows, 4 data then 4 generated,
// from its logits: D's (minimised), and G's, non-saturating or minimax.
double DiscriminatorObjectiveOf(const std::vector<double>& l) {
  double sum = 0;
  for (int i = 0; i < 4; ++i) sum += 0.5 / 4 * (BinaryCrossEntropyWithLogit(l[i], 1) + BinaryCrossEntropyWithLogit(l[4 + i], 0));
  return sum;
}
double GeneratorObjectiveOf(const std::vector<double>& l, bool non_saturating) {
  double sum = 0;
  for (int i = 4; i < 8; ++i) sum += (non_saturating ? BinaryCrossEntropyWithLogit(l[i], 1) : -BinaryCrossEntropyWithLogit(l[i], 0)) / 4;
  return sum;
}

// The optimiser's gradients `grads` against central differences of
// `objective` in every entry of every tensor of `params` (a double copy the
// objective reads); bound as argued in layers_test.cc.
void ExpectGradientsMatch(std::vector<std::vector<double>>& params, const std::vector<std::vector<float>>& grads,
                          const std::function<double()>& objective, const char* what) {
  double max_gradient = 0;
  for (size_t t = 0; t < params.size(); ++t) {
    for (size_t i = 0; i < params[t].size(); ++i) {
      const double saved = params[t][i];
      params[t][i] = saved + 1e-6;
      const double plus = objective();
      params[t][i] = saved - 1e-6;
      const double minus = objective();
      params[t][i] = saved;
      const double numeric = (plus - minus) / 2e-6;
      max_gradient = std::max(max_gradient, std::abs(numeric));
      ASSERT_NEAR(grads[t][i], numeric, 1e-4 * std::max(1.0, std::abs(numeric))) << what << " tensor " << t << " entry " << i;
    }
  }
  EXPECT_GT(max_gradient, 1e-3) << what;
}

TEST(AdversarialStepTest, AlternatingMakesKDiscriminatorUpdatesPerGeneratorUpdate) {
  for (int k : {1, 2, 3}) {
    Game game("update_mode: ALTERNATING discriminator_steps: " + std::to_string(k));
    ASSERT_TRUE(game.step->Run(*game.g_opt, *game.d_opt).ok());
    ASSERT_TRUE(game.step->Run(*game.g_opt, *game.d_opt).ok());
    EXPECT_EQ(game.d_opt->steps, 2 * k);
    EXPECT_EQ(game.g_opt->steps, 2);
    EXPECT_EQ(game.data_batches, 2 * k);  // a fresh data batch for every D update
  }
}

TEST(AdversarialStepTest, SimultaneousMakesOneOfEach) {
  Game game("update_mode: SIMULTANEOUS");
  ASSERT_TRUE(game.step->Run(*game.g_opt, *game.d_opt).ok());
  EXPECT_EQ(game.d_opt->steps, 1);
  EXPECT_EQ(game.g_opt->steps, 1);
  EXPECT_EQ(game.data_batches, 1);
}

// In simultaneous mode both gradients come from one noise draw z and one
// dropped-out D pass over data and samples together; copies of the noise and
// dropout generators reproduce them.
TEST(AdversarialStepTest, SimultaneousGradientsAreThoseOfThePaperObjectives) {
  for (const char* loss : {"NON_SATURATING", "MINIMAX"}) {
    Game game(std::string("update_mode: SIMULTANEOUS generator_loss: ") + loss);
    Rng replay = game.noise_rng;
    const std::vector<Rng> d_streams = CopyRandomStreams(*game.d);
    ASSERT_EQ(d_streams.size(), 2u);  // the two dropout layers
    ASSERT_TRUE(game.step->Run(*game.g_opt, *game.d_opt).ok());
    std::vector<float> z_float(4 * 3);
    replay.FillNormal(z_float.data(), 12);
    const std::vector<double> z(z_float.begin(), z_float.end());
    const bool non_saturating = std::string(loss) == "NON_SATURATING";

    auto g_params = ParametersAsDouble(*game.g);
    auto d_params = ParametersAsDouble(*game.d);
    // D ran once on 8 rows, 4 data then 4 samples: its logits, as that one pass.
    auto logits = [&]() {
      std::vector<double> input(game.data.begin(), game.data.end());
      const std::vector<double> fake_input = ReferenceForward(*game.g, g_params, z, 4, /*training=*/false, {});
      input.insert(input.end(), fake_input.begin(), fake_input.end());
      return ReferenceForward(*game.d, d_params, input, 8, /*training=*/true, d_streams);
    };
    ExpectGradientsMatch(d_params, game.d_opt->grads, [&] { return DiscriminatorObjectiveOf(logits()); }, "discriminator");
    ExpectGradientsMatch(g_params, game.g_opt->grads, [&] { return GeneratorObjectiveOf(logits(), non_saturating); }, "generator");
  }
}

// An inpainter (Experiment.inpainting) on 2 x 2 images: D reads each data
// image under a mask of its own and G's completion of the same image under
// another, each beside its condition; G's gradient reaches only the missing
// pixels. Both gradients against central differences, the masks and noise
// replayed from a copy of the noise generator.
TEST(AdversarialStepTest, InpaintingGradientsAreThoseOfThePaperObjectivesOnCompletions) {
  const proto::Experiment experiment = ParseExperiment(R"(
    name: "inpaint" noise_dim: 3 batch_size: 4 update_mode: SIMULTANEOUS
    noise { normal { mean: 0 stddev: 1 } } inpainting { height: 2 width: 2 }
    generator {
      layers { linear { units: 6 activation: RELU weight_irange: 0.8 bias: 0.1 } }
      layers { linear { units: 4 activation: SIGMOID weight_irange: 0.8 } }
    }
    discriminator {
      layers { maxout { units: 4 pieces: 3 weight_irange: 0.8 } }
      layers { dropout { keep_prob: 0.5 } }
      layers { linear { units: 1 weight_irange: 0.8 } }
    })", "test").value();
  auto g = BuildMlp(experiment.generator(), Shape::Flat(3 + 8), 1).value();
  auto d = BuildMlp(experiment.discriminator(), Shape::Flat(4 + 8), 2).value();
  RecordingOptimizer g_opt(g->Parameters()), d_opt(d->Parameters());
  std::vector<float> data(4 * 4);
  Rng(3).FillUniform(data.data(), 16, 0.0f, 1.0f);
  Rng noise_rng(4);
  AdversarialStep step(*g, *d, experiment, noise_rng, [&] { return data.data(); });
  Rng replay = noise_rng;
  const std::vector<Rng> d_streams = CopyRandomStreams(*d);
  ASSERT_TRUE(step.Run(g_opt, d_opt).ok());

  // The draws in the step's order: G's inputs (noise, then masks), then the data rows' masks.
  std::vector<float> g_in(4 * 11), real_conditions(4 * 8), mask(4);
  FillTrainingInputs(experiment, replay, data.data(), 4, 4, g_in.data());
  for (int r = 0; r < 4; ++r) {
    DrawTrainingMask(replay, 2, 2, mask.data());
    FillCondition(data.data() + r * 4, mask.data(), 4, real_conditions.data() + r * 8);
  }
  const std::vector<double> g_input(g_in.begin(), g_in.end());
  auto g_params = ParametersAsDouble(*g);
  auto d_params = ParametersAsDouble(*d);
  auto logits = [&]() {
    const std::vector<double> generated = ReferenceForward(*g, g_params, g_input, 4, /*training=*/false, {});
    std::vector<double> input;
    for (int r = 0; r < 4; ++r) {
      input.insert(input.end(), data.begin() + r * 4, data.begin() + (r + 1) * 4);
      input.insert(input.end(), real_conditions.begin() + r * 8, real_conditions.begin() + (r + 1) * 8);
    }
    for (int r = 0; r < 4; ++r) {
      const double* condition = g_input.data() + r * 11 + 3;
      for (int p = 0; p < 4; ++p) input.push_back(condition[4 + p] != 0 ? generated[r * 4 + p] : condition[p]);
      input.insert(input.end(), condition, condition + 8);
    }
    return ReferenceForward(*d, d_params, input, 8, /*training=*/true, d_streams);
  };
  ExpectGradientsMatch(d_params, d_opt.grads, [&] { return DiscriminatorObjectiveOf(logits()); }, "discriminator");
  ExpectGradientsMatch(g_params, g_opt.grads, [&] { return GeneratorObjectiveOf(logits(), /*non_saturating=*/true); }, "generator");
}

TEST(AdversarialStepTest, PaperModelFlopCount) {
  proto::Experiment experiment = LoadExperimentFile("experiments/mnist.pbtxt").value();
  experiment.set_update_mode(proto::ALTERNATING);
  const std::vector<float> mean(784, 0.1f);
  auto g = BuildMlp(experiment.generator(), Shape::Flat(100), 1, &mean).value();
  auto d = BuildMlp(experiment.discriminator(), Shape::Flat(784), 2).value();
  Rng rng(1);
  std::vector<float> data(100 * 784, 0.5f);
  AdversarialStep step(*g, *d, experiment, rng, [&] { return data.data(); });
  // ../shared/design.md: "about 3.6 GFLOP a step" for Algorithm 1 as written.
  EXPECT_NEAR(step.MatmulFlops() / 1e9, 3.567, 0.001);

  // Simultaneous, per row of 2 * in * out: D 2.45808 MFLOP (first layer
  // 1.8816), G 5.0016 MFLOP (first layer 0.24). D forward, backward weights
  // and backward data but the first layer's over 200 rows: 1.098528 GFLOP;
  // D backward data over the 100 generated rows: 0.245808; G forward, backward
  // weights and backward data but the first layer's: 1.47648.
  experiment.set_update_mode(proto::SIMULTANEOUS);
  AdversarialStep simultaneous(*g, *d, experiment, rng, [&] { return data.data(); });
  EXPECT_NEAR(simultaneous.MatmulFlops() / 1e9, 2.820816, 1e-6);
}

}  // namespace
}  // namespace gan
