// The autoencoders: every parameter gradient of each kind's whole objective
// (the two-headed encoder, the reparameterised codes, the KL term, the
// Bernoulli or squared-error reconstruction, the corruption) against central
// differences of a double-precision reference; training lowers the objective;
// a run resumes bit-identically; the checkpoint's decoder reads back as a
// generator; bad experiments are refused with the field named.
#include "gan/learners/autoencoder_learner.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "data/test_subsets.h"
#include "gan/nets/gradient_check.h"
#include "gan/objectives/loss.h"
#include "gan/objectives/vae_objective.h"
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

// A small autoencoder of `kind` on 4 x 4 images with a 3-value code.
proto::Experiment SmallExperiment(const std::string& kind, const std::string& extra) {
  const bool variational = kind == "VARIATIONAL";
  return ParseExperiment(absl::StrCat(R"(
    name: "small_ae" noise_dim: 3 batch_size: 6 epochs: 2 seed: 5
    noise { normal { mean: 0 stddev: 1 } } data { dataset: "fashion_mnist" }
    generator {
      layers { linear { units: 7 activation: RELU weight_irange: 0.5 bias: 0.1 } }
      layers { linear { units: 16 activation: SIGMOID weight_irange: 0.5 } }
    }
    autoencoder {
      kind: )", kind, R"(
      encoder {
        layers { linear { units: 8 activation: RELU weight_irange: 0.5 bias: 0.1 } }
        layers { linear { units: )", variational ? 6 : 3, R"( activation: IDENTITY weight_irange: 0.5 } }
      }
      optimizer { adam { learning_rate: 0.001 beta1: 0.9 beta2: 0.999 epsilon: 1e-8 } }
      )", extra, R"(
    })"),
                         "small_ae")
      .value();
}

std::vector<double> AsDouble(const float* v, int64_t n) { return std::vector<double>(v, v + n); }

// The objective of `learner`'s experiment on x in double precision, with the
// given parameters (encoder's, then decoder's) and the random stream `rng`
// as it was before the learner's ComputeGradients.
double ReferenceObjective(AutoencoderLearner& learner, const proto::Experiment& e, const std::vector<std::vector<double>>& encoder_params,
                          const std::vector<std::vector<double>>& decoder_params, const std::vector<float>& x, Rng rng) {
  const proto::Autoencoder& a = e.autoencoder();
  const int64_t batch = e.batch_size(), latent = e.noise_dim(), dim = 16;
  const int64_t samples = a.kind() == proto::Autoencoder::VARIATIONAL ? std::max(1, a.samples_per_example()) : 1;
  std::vector<float> input = x;
  if (a.kind() == proto::Autoencoder::DENOISING) Corrupt(a.corruption(), rng, x.data(), batch * dim, input.data());
  const std::vector<double> code = ReferenceForward(learner.encoder(), encoder_params, AsDouble(input.data(), batch * dim), batch, false, {});
  std::vector<double> z(samples * batch * latent);
  std::vector<float> eps(samples * batch * latent);
  if (a.kind() == proto::Autoencoder::VARIATIONAL) {
    rng.FillNormal(eps.data(), static_cast<int64_t>(eps.size()));
    const std::vector<double> eps_double = AsDouble(eps.data(), static_cast<int64_t>(eps.size()));
    for (int64_t s = 0; s < samples; ++s) {
      ReparameterizedSample(code.data(), eps_double.data() + s * batch * latent, batch, latent, z.data() + s * batch * latent);
    }
  } else {
    z = code;
  }
  const std::vector<double> out = ReferenceForward(learner.decoder(), decoder_params, z, samples * batch, false, {});
  const std::vector<double> target = AsDouble(x.data(), batch * dim);
  std::vector<double> scratch(batch * 2 * latent), out_grad(batch * dim);
  double value = 0;
  for (int64_t s = 0; s < samples; ++s) {
    const double* block = out.data() + s * batch * dim;
    const double scale = 1.0 / static_cast<double>(samples * batch);
    if (a.reconstruction() == proto::Autoencoder::BINARY_CROSS_ENTROPY) {
      value += BernoulliReconstruction(block, target.data(), batch, dim, scale, out_grad.data());
    } else {
      for (int64_t i = 0; i < batch * dim; ++i) value += scale * (block[i] - target[i]) * (block[i] - target[i]) / 2;
    }
  }
  if (a.kind() == proto::Autoencoder::VARIATIONAL) {
    value += GaussianKlToStandardNormal(code.data(), batch, latent, 1.0 / static_cast<double>(batch), scratch.data());
  }
  return value;
}

void CheckObjectiveGradients(const proto::Experiment& e) {
  SCOPED_TRACE(e.autoencoder().DebugString());
  const data::Dataset images = data::RandomImages(e.batch_size(), 11);
  std::unique_ptr<AutoencoderLearner> learner =
      AutoencoderLearner::Create(e, images, [&] { return images.pixels.data(); }).value();
  const Rng before = *learner->RandomStreams()[0];
  const std::vector<double> figures = learner->ComputeGradients(images.pixels.data());
  std::vector<std::vector<double>> params[2] = {ParametersAsDouble(learner->encoder()), ParametersAsDouble(learner->decoder())};
  const double value = ReferenceObjective(*learner, e, params[0], params[1], images.pixels, before);
  EXPECT_NEAR(figures[0], value, 1e-5 * std::max(1.0, std::fabs(value)));
  int64_t checked = 0;
  double max_abs_gradient = 0;
  Mlp* nets[2] = {&learner->encoder(), &learner->decoder()};
  for (int n = 0; n < 2; ++n) {
    const std::vector<ParameterRef> refs = nets[n]->Parameters();
    for (size_t t = 0; t < refs.size(); ++t) {
      for (int64_t i = 0; i < refs[t].size; ++i) {
        const double step = 1e-6, original = params[n][t][i];
        params[n][t][i] = original + step;
        const double up = ReferenceObjective(*learner, e, params[0], params[1], images.pixels, before);
        params[n][t][i] = original - step;
        const double down = ReferenceObjective(*learner, e, params[0], params[1], images.pixels, before);
        params[n][t][i] = original;
        const double numeric = (up - down) / (2 * step);
        EXPECT_NEAR(refs[t].grad[i], numeric, 2e-4 * std::max(1.0, std::fabs(numeric))) << (n == 0 ? "encoder " : "decoder ")
                                                                                          << refs[t].name << "[" << i << "]";
        max_abs_gradient = std::max(max_abs_gradient, std::fabs(numeric));
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 200);
  EXPECT_GT(max_abs_gradient, 1e-2);  // not a check of zeros
}

TEST(AutoencoderLearnerTest, PlainBernoulliGradientsMatchFiniteDifferences) {
  CheckObjectiveGradients(SmallExperiment("PLAIN", ""));
}

TEST(AutoencoderLearnerTest, PlainSquaredErrorGradientsMatchFiniteDifferences) {
  CheckObjectiveGradients(SmallExperiment("PLAIN", "reconstruction: SQUARED_ERROR"));
}

TEST(AutoencoderLearnerTest, DenoisingGradientsMatchFiniteDifferences) {
  CheckObjectiveGradients(SmallExperiment("DENOISING", "corruption { masking_probability: 0.3 }"));
  CheckObjectiveGradients(SmallExperiment("DENOISING", "corruption { gaussian_stddev: 0.2 }"));
}

TEST(AutoencoderLearnerTest, VariationalGradientsMatchFiniteDifferences) {
  CheckObjectiveGradients(SmallExperiment("VARIATIONAL", ""));
  CheckObjectiveGradients(SmallExperiment("VARIATIONAL", "samples_per_example: 3"));
}

TEST(AutoencoderLearnerTest, CorruptionHasItsRateAndSpread) {
  const int64_t n = 100000;
  std::vector<float> x(n, 0.5f), out(n);
  Rng rng(3);
  proto::Corruption masking;
  masking.set_masking_probability(0.25f);
  Corrupt(masking, rng, x.data(), n, out.data());
  int64_t zeros = 0;
  for (float v : out) {
    zeros += v == 0.0f;
    ASSERT_TRUE(v == 0.0f || v == 0.5f) << v;
  }
  EXPECT_NEAR(zeros / static_cast<double>(n), 0.25, 0.005);  // > 3 standard errors (0.0014)
  proto::Corruption gaussian;
  gaussian.set_gaussian_stddev(0.3f);
  Corrupt(gaussian, rng, x.data(), n, out.data());
  double sum = 0, sum_sq = 0;
  for (float v : out) {
    sum += v - 0.5;
    sum_sq += (v - 0.5) * (v - 0.5);
  }
  EXPECT_NEAR(sum / n, 0.0, 0.005);
  EXPECT_NEAR(std::sqrt(sum_sq / n), 0.3, 0.005);
}

// A Fashion-MNIST autoencoder of `kind` with a 10-value code.
proto::Experiment FashionExperiment(const std::string& kind, const std::string& extra) {
  const bool variational = kind == "VARIATIONAL";
  return ParseExperiment(absl::StrCat(R"(
    name: "fashion_ae" noise_dim: 10 batch_size: 50 epochs: 4 seed: 2
    noise { normal { mean: 0 stddev: 1 } } data { dataset: "fashion_mnist" }
    generator {
      layers { linear { units: 100 activation: RELU weight_irange: 0.05 } }
      layers { linear { units: 784 activation: SIGMOID weight_irange: 0.05 bias_from_data_mean_logit: true } }
    }
    autoencoder {
      kind: )", kind, R"(
      encoder {
        layers { linear { units: 100 activation: RELU weight_irange: 0.05 } }
        layers { linear { units: )", variational ? 20 : 10, R"( activation: IDENTITY weight_irange: 0.05 } }
      }
      optimizer { adam { learning_rate: 0.002 beta1: 0.9 beta2: 0.999 epsilon: 1e-8 } }
      )", extra, R"(
    })"),
                         "fashion_ae")
      .value();
}

std::vector<double> EpochMeans(const std::string& dir, const std::string& figure) {
  std::ifstream metrics(dir + "/metrics.jsonl");
  std::vector<double> means;
  std::string line;
  const std::string key = "\"" + figure + "\": ";
  while (std::getline(metrics, line)) {
    const size_t at = line.find(key);
    if (at != std::string::npos) means.push_back(std::stod(line.substr(at + key.size())));
  }
  return means;
}

TEST(AutoencoderLearnerTest, EachKindLearnsInTheTrainer) {
  for (const auto& [kind, extra, figure] :
       {std::tuple{"PLAIN", "", "reconstruction"}, std::tuple{"DENOISING", "corruption { masking_probability: 0.3 }", "reconstruction"},
        std::tuple{"VARIATIONAL", "samples_per_example: 2", "negative_elbo"}}) {
    SCOPED_TRACE(kind);
    const std::string dir = TempDir(absl::StrCat("learns_", kind));
    TrainerOptions options;
    options.output_dir = dir;
    proto::Experiment e = FashionExperiment(kind, extra);
    e.set_epochs(10);
    auto trainer = Trainer::Create(e, data::FashionMnistTrainingSubset(), options).value();
    ASSERT_TRUE(trainer->Run().ok());
    const std::vector<double> means = EpochMeans(dir, figure);
    ASSERT_EQ(means.size(), 10u);
    // Per image in nats; the first epoch's mean is already below the untrained nets' figure.
    EXPECT_LT(means[9], 0.8 * means[0]) << means[0] << " -> " << means[9];
    EXPECT_TRUE(std::ifstream(dir + "/samples/epoch_0010.png").good());
  }
}

TEST(AutoencoderLearnerTest, ResumesBitIdenticallyAndItsDecoderLoadsAsAGenerator) {
  const proto::Experiment e = FashionExperiment("VARIATIONAL", "");
  // Mid-epoch 2.
  std::unique_ptr<Trainer> straight = ExpectResumedRunBitIdentical(e, data::FashionMnistTrainingSubset(), TrainerOptions{}, 27, "vae");
  ASSERT_NE(straight, nullptr);

  // The checkpoint's generator is the decoder with its sigmoid: the learner's generator, value for value.
  absl::StatusOr<TrainedModel> model = LoadTrainedModel(straight->checkpoint_path());
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->discriminator, nullptr);
  ASSERT_NE(model->encoder, nullptr);
  std::vector<float> z(7 * 10);
  Rng rng(9);
  rng.FillNormal(z.data(), static_cast<int64_t>(z.size()));
  const std::vector<float> loaded = model->generator->Infer(z.data(), 7);
  straight->learner().SyncGenerator();
  const std::vector<float> trained = straight->learner().Generator()->Infer(z.data(), 7);
  EXPECT_EQ(loaded, trained);
  for (float p : loaded) ASSERT_TRUE(p >= 0.0f && p <= 1.0f) << p;
}

TEST(AutoencoderLearnerTest, RefusesBadExperimentsNamingTheField) {
  auto refused = [](const proto::Experiment& e) {
    TrainerOptions options;
    options.output_dir = TempDir("refused");
    return Trainer::Create(e, data::FashionMnistTrainingSubset(), options).status();
  };
  proto::Experiment wide_code = FashionExperiment("VARIATIONAL", "");
  wide_code.set_noise_dim(20);  // the encoder gives 20 values, a VAE of 20 codes needs 40
  EXPECT_NE(refused(wide_code).message().find("autoencoder.encoder: outputs 20 values"), std::string::npos) << refused(wide_code);
  proto::Experiment logits_out = FashionExperiment("PLAIN", "");
  logits_out.mutable_generator()->mutable_layers(1)->mutable_linear()->set_activation(proto::IDENTITY);
  EXPECT_NE(refused(logits_out).message().find("must end in a linear layer with activation SIGMOID"), std::string::npos) << refused(logits_out);
  proto::Experiment wrong_prior = FashionExperiment("VARIATIONAL", "");
  wrong_prior.mutable_noise()->mutable_normal()->set_stddev(2);
  EXPECT_NE(refused(wrong_prior).message().find("noise` is its prior"), std::string::npos) << refused(wrong_prior);
  EXPECT_NE(refused(FashionExperiment("DENOISING", "")).message().find("autoencoder.corruption is not set"), std::string::npos);
  EXPECT_NE(refused(FashionExperiment("PLAIN", "corruption { gaussian_stddev: 0.1 }")).message().find("only a DENOISING"),
            std::string::npos);
  EXPECT_NE(refused(FashionExperiment("DENOISING", "corruption { masking_probability: 1.5 }")).message().find("masking_probability must be in (0, 1)"),
            std::string::npos);
  proto::Experiment with_d = FashionExperiment("PLAIN", "");
  with_d.mutable_discriminator()->add_layers()->mutable_linear()->set_units(1);
  EXPECT_NE(refused(with_d).message().find("no discriminator"), std::string::npos) << refused(with_d);
  EXPECT_NE(refused(FashionExperiment("VARIATIONAL", "reconstruction: SQUARED_ERROR")).message().find("Bernoulli"), std::string::npos);
}

}  // namespace
}  // namespace gan
