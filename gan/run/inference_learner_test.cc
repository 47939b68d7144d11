// The inference net (gan/learners/inference_learner.h): every encoder
// parameter gradient of its objective against central differences of a
// double-precision reference, with G fixed (its parameters get no gradient);
// a run resumes bit-identically and its checkpoint reads back as the encoder
// with its G and the generator file's digest; bad experiments are refused
// with the field named. Training against a trained G and its control:
// export/generator_file_test.cc.
#include "gan/learners/inference_learner.h"

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "data/test_subsets.h"
#include "gan/nets/build.h"
#include "gan/nets/gradient_check.h"
#include "gan/run/resume_check.h"
#include "gan/run/trained_model.h"
#include "gan/run/trainer.h"
#include "gan/spec/experiment.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

std::string TempDir(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") + "/" + name;
}

// An inference net for a G from 3-value noise to 4 x 4 images (the gradient
// check), or, with `fashion`, to Fashion-MNIST's 28 x 28.
proto::Experiment SmallExperiment(bool fashion) {
  const int pixels = fashion ? 784 : 16;
  return ParseExperiment(absl::StrCat(R"(
    name: "small_inference" noise_dim: 3 batch_size: 6 epochs: 2 seed: 5
    noise { uniform { low: -1 high: 1 } } data { dataset: "fashion_mnist" }
    generator {
      layers { linear { units: 7 activation: RELU weight_irange: 0.5 bias: 0.1 } }
      layers { linear { units: )", pixels, R"( activation: SIGMOID weight_irange: 0.5 } }
    }
    inference {
      generator_file: "unused: the tests hand the trainer G"
      encoder {
        layers { linear { units: 8 activation: RELU weight_irange: 0.5 bias: 0.1 } }
        layers { linear { units: 3 activation: IDENTITY weight_irange: 0.5 } }
      }
      optimizer { adam { learning_rate: 0.001 beta1: 0.9 beta2: 0.999 epsilon: 1e-8 } }
    })"),
                         "small_inference")
      .value();
}

// The experiment's G at the weights its seed 99 gives (a stand-in for a trained G).
std::unique_ptr<Mlp> SomeGenerator(const proto::Experiment& e, int64_t pixels) {
  const std::vector<float> mean(pixels, 0.5f);
  return BuildMlp(e.generator(), Shape::Flat(e.noise_dim()), 99, &mean).value();
}

// (1 / batch) sum_n 1/2 |E(G(z_n)) - z_n|^2 in double, with E's parameters `encoder_params`.
double ReferenceObjective(InferenceLearner& learner, const std::vector<std::vector<double>>& encoder_params, const std::vector<float>& z,
                          int64_t batch) {
  const std::vector<double> z_double(z.begin(), z.end());
  const std::vector<double> x = ReferenceForward(learner.generator(), ParametersAsDouble(learner.generator()), z_double, batch, false, {});
  const std::vector<double> z_hat = ReferenceForward(learner.encoder(), encoder_params, x, batch, false, {});
  double value = 0;
  for (size_t i = 0; i < z_hat.size(); ++i) value += (z_hat[i] - z_double[i]) * (z_hat[i] - z_double[i]) / 2;
  return value / static_cast<double>(batch);
}

TEST(InferenceLearnerTest, EncoderGradientsMatchFiniteDifferencesAndGStaysFixed) {
  const proto::Experiment e = SmallExperiment(false);
  const int64_t batch = e.batch_size(), latent = e.noise_dim();
  const data::Dataset images = data::RandomImages(batch, 11);
  std::unique_ptr<Mlp> g = SomeGenerator(e, 16);
  std::unique_ptr<InferenceLearner> learner = InferenceLearner::Create(e, images, *g, "digest").value();
  std::vector<float> z(batch * latent);
  Rng rng(3);
  rng.FillUniform(z.data(), static_cast<int64_t>(z.size()), -1.0f, 1.0f);
  const double figure = learner->ComputeGradients(z.data());
  std::vector<std::vector<double>> params = ParametersAsDouble(learner->encoder());
  const double value = ReferenceObjective(*learner, params, z, batch);
  // The figure is the mean squared error per component: twice the objective over noise_dim.
  EXPECT_NEAR(figure, 2 * value / static_cast<double>(latent), 1e-5 * std::max(1.0, figure));
  int64_t checked = 0;
  double max_abs_gradient = 0;
  const std::vector<ParameterRef> refs = learner->encoder().Parameters();
  for (size_t t = 0; t < refs.size(); ++t) {
    for (int64_t i = 0; i < refs[t].size; ++i) {
      const double step = 1e-6, original = params[t][i];
      params[t][i] = original + step;
      const double up = ReferenceObjective(*learner, params, z, batch);
      params[t][i] = original - step;
      const double down = ReferenceObjective(*learner, params, z, batch);
      params[t][i] = original;
      const double numeric = (up - down) / (2 * step);
      EXPECT_NEAR(refs[t].grad[i], numeric, 2e-4 * std::max(1.0, std::fabs(numeric))) << refs[t].name << "[" << i << "]";
      max_abs_gradient = std::max(max_abs_gradient, std::fabs(numeric));
      ++checked;
    }
  }
  EXPECT_GT(checked, 150);
  EXPECT_GT(max_abs_gradient, 1e-2);  // not a check of zeros

  // Updates move E only: G keeps the parameters it was given.
  for (int step = 0; step < 5; ++step) ASSERT_TRUE(learner->Step().ok());
  const std::vector<ParameterRef> given = g->Parameters(), kept = learner->generator().Parameters();
  for (size_t t = 0; t < given.size(); ++t) {
    EXPECT_EQ(std::vector<float>(given[t].value, given[t].value + given[t].size), std::vector<float>(kept[t].value, kept[t].value + kept[t].size));
  }
}

TEST(InferenceLearnerTest, ResumesBitIdenticallyAndItsCheckpointLoadsWithItsGenerator) {
  const proto::Experiment e = SmallExperiment(true);
  std::unique_ptr<Mlp> g = SomeGenerator(e, 784);
  TrainerOptions options;
  options.inference_generator = g.get();
  options.inference_generator_sha256 = "0123abcd";
  // Mid-epoch 2 (166 steps an epoch).
  std::unique_ptr<Trainer> straight = ExpectResumedRunBitIdentical(e, data::FashionMnistTrainingSubset(), options, 250, "inference");
  ASSERT_NE(straight, nullptr);

  absl::StatusOr<TrainedModel> model = LoadTrainedModel(straight->checkpoint_path());
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->discriminator, nullptr);
  EXPECT_EQ(model->generator_file_sha256, "0123abcd");
  ASSERT_NE(model->encoder, nullptr);
  std::vector<float> z(7 * 3);
  Rng rng(9);
  rng.FillUniform(z.data(), static_cast<int64_t>(z.size()), -1.0f, 1.0f);
  const std::vector<float> x = g->Infer(z.data(), 7);
  EXPECT_EQ(model->generator->Infer(z.data(), 7), x);
  EXPECT_EQ(model->encoder->Infer(x.data(), 7), straight->net("encoder")->Infer(x.data(), 7));
}

TEST(InferenceLearnerTest, RefusesBadExperimentsNamingTheField) {
  std::unique_ptr<Mlp> g = SomeGenerator(SmallExperiment(true), 784);
  auto refused = [&](const proto::Experiment& e, Mlp* generator) {
    TrainerOptions options;
    options.output_dir = TempDir("inference_refused");
    options.inference_generator = generator;
    return Trainer::Create(e, data::FashionMnistTrainingSubset(), options).status();
  };
  proto::Experiment wide = SmallExperiment(true);
  wide.mutable_inference()->mutable_encoder()->mutable_layers(1)->mutable_linear()->set_units(4);
  EXPECT_NE(refused(wide, g.get()).message().find("inference.encoder: outputs 4 values, z has noise_dim 3"), std::string::npos)
      << refused(wide, g.get());
  EXPECT_NE(refused(SmallExperiment(true), nullptr).message().find("fixed generator was not given"), std::string::npos);
  proto::Experiment other_g = SmallExperiment(true);
  other_g.mutable_generator()->mutable_layers(0)->mutable_linear()->set_units(9);
  EXPECT_NE(refused(other_g, g.get()).message().find("is not the net the experiment's `generator` describes"), std::string::npos)
      << refused(other_g, g.get());
  proto::Experiment no_file = SmallExperiment(true);
  no_file.mutable_inference()->clear_generator_file();
  EXPECT_NE(refused(no_file, g.get()).message().find("inference.generator_file is not set"), std::string::npos);
  proto::Experiment with_d = SmallExperiment(true);
  with_d.mutable_discriminator()->add_layers()->mutable_linear()->set_units(1);
  EXPECT_NE(refused(with_d, g.get()).message().find("no discriminator"), std::string::npos) << refused(with_d, g.get());
  proto::Experiment no_optimizer = SmallExperiment(true);
  no_optimizer.mutable_inference()->clear_optimizer();
  EXPECT_NE(refused(no_optimizer, g.get()).message().find("inference.optimizer is not set"), std::string::npos);
}

}  // namespace
}  // namespace gan
