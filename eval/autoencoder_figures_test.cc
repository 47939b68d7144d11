// An autoencoder's held-out figures against direct computations: a decoder
// that ignores its code gives the same Bernoulli term for any code and any
// number of codes, computed here pixel by pixel; the KL term against its
// closed form from the encoder's heads; the standard errors against the
// per-image values; the reconstruction figure's rows against the nets run by
// hand.
#include "eval/autoencoder_figures.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gan/nets/build.h"
#include "gan/objectives/loss.h"
#include "gan/spec/experiment.h"
#include "gtest/gtest.h"

namespace gan::eval {
namespace {

TrainedModel SmallModel(const std::string& kind, const std::string& extra) {
  TrainedModel model;
  model.experiment = ParseExperiment(absl::StrCat(R"(
    name: "small" noise_dim: 3 batch_size: 5 epochs: 1 seed: 1
    noise { normal { mean: 0 stddev: 1 } } data { dataset: "mnist" }
    generator {
      layers { linear { units: 6 activation: RELU weight_irange: 0.5 bias: 0.2 } }
      layers { linear { units: 16 activation: SIGMOID weight_irange: 0.5 } }
    }
    autoencoder { kind: )", kind, R"( encoder {
      layers { linear { units: 8 activation: RELU weight_irange: 0.5 bias: 0.1 } }
      layers { linear { units: )", kind == "VARIATIONAL" ? 6 : 3, R"( weight_irange: 0.5 } } }
      optimizer { adam { learning_rate: 0.001 beta1: 0.9 beta2: 0.999 epsilon: 1e-8 } } )", extra, "}"),
                                     "small").value();
  const std::vector<float> mean(16, 0.4f);
  model.generator = BuildMlp(model.experiment.generator(), Shape::Flat(3), 1, &mean).value();
  model.encoder = BuildMlp(model.experiment.autoencoder().encoder(), Shape::Flat(16), 2).value();
  Rng rng(3);
  for (const ParameterRef& p : model.generator->Parameters()) {
    if (p.name.find("bias") != std::string::npos) rng.FillUniform(p.value, p.size, -1.0f, 1.0f);
  }
  return model;
}

data::Dataset Images(int64_t rows) {
  data::Dataset d;
  d.name = "images";
  d.shape = {1, 4, 4};
  d.pixels.resize(rows * 16);
  Rng(7).FillUniform(d.pixels.data(), rows * 16, 0.0f, 1.0f);
  d.labels.assign(rows, -1);
  return d;
}

std::pair<double, double> MeanAndStdError(const std::vector<double>& v) {
  double mean = 0, squares = 0;
  for (double x : v) mean += x / v.size();
  for (double x : v) squares += (x - mean) * (x - mean);
  return {mean, std::sqrt(squares / (v.size() - 1) / v.size())};
}

TEST(AutoencoderFiguresTest, VariationalBoundMatchesADirectComputation) {
  TrainedModel model = SmallModel("VARIATIONAL", "");
  // The decoder's first layer ignores the code: its output is a constant the test computes.
  std::fill_n(model.generator->Parameters()[0].value, model.generator->Parameters()[0].size, 0.0f);
  const data::Dataset images = Images(40);
  const std::vector<float> zero_code(3, 0.0f);
  std::vector<float> probabilities = model.generator->Infer(zero_code.data(), 1);
  const std::vector<float> heads = model.encoder->Infer(images.pixels.data(), images.rows());
  std::vector<double> reconstruction(images.rows()), bound(images.rows()), kl(images.rows());
  for (int64_t i = 0; i < images.rows(); ++i) {
    for (int64_t j = 0; j < 16; ++j) {
      const double p = probabilities[j], x = images.Row(i)[j];
      reconstruction[i] -= x * std::log(p) + (1 - x) * std::log(1 - p);
    }
    for (int64_t l = 0; l < 3; ++l) {
      const double mean = heads[i * 6 + l], log_variance = heads[i * 6 + 3 + l];
      kl[i] += 0.5 * (mean * mean + std::exp(log_variance) - 1 - log_variance);
    }
    bound[i] = reconstruction[i] + kl[i];
  }
  for (int64_t codes : {1, 5}) {
    const AutoencoderFigures f = EvaluateAutoencoder(model, images, codes, 11).value();
    EXPECT_EQ(f.rows, 40);
    EXPECT_EQ(f.codes_per_image, codes);
    EXPECT_NEAR(f.reconstruction, MeanAndStdError(reconstruction).first, 1e-4);
    EXPECT_NEAR(f.reconstruction_std_error, MeanAndStdError(reconstruction).second, 1e-4);
    EXPECT_NEAR(f.kl, MeanAndStdError(kl).first, 1e-4);
    EXPECT_NEAR(f.negative_elbo, MeanAndStdError(bound).first, 1e-4);
    EXPECT_NEAR(f.negative_elbo_std_error, MeanAndStdError(bound).second, 1e-4);
    EXPECT_GT(f.kl, 0.01);
  }
}

TEST(AutoencoderFiguresTest, MoreCodesAverageTheSameTerm) {
  // With a decoder that reads its code, one code's figure is noisy and many
  // codes' figures agree with each other: the same expectation.
  TrainedModel model = SmallModel("VARIATIONAL", "");
  const data::Dataset images = Images(400);
  const AutoencoderFigures many = EvaluateAutoencoder(model, images, 200, 1).value();
  const AutoencoderFigures more = EvaluateAutoencoder(model, images, 200, 2).value();
  EXPECT_NEAR(many.reconstruction, more.reconstruction, 0.01 * many.reconstruction);
  EXPECT_NE(many.reconstruction, more.reconstruction);  // different codes were drawn
}

TEST(AutoencoderFiguresTest, PlainAndDenoisingReconstructionsMatchTheNetsRunByHand) {
  for (const auto& [kind, extra] : {std::pair{"PLAIN", ""}, std::pair{"PLAIN", "reconstruction: SQUARED_ERROR"},
                                    std::pair{"DENOISING", "corruption { masking_probability: 0.5 }"}}) {
    SCOPED_TRACE(absl::StrCat(kind, " ", extra));
    TrainedModel model = SmallModel(kind, extra);
    const data::Dataset images = Images(20);
    const bool denoising = std::string(kind) == "DENOISING", squared = std::string(extra).find("SQUARED") != std::string::npos;
    int64_t k = 0;
    const std::vector<float> rows = ReconstructionRows(model, images, 2, 5, &k).value();
    ASSERT_EQ(k, denoising ? 3 : 2);
    ASSERT_EQ(rows.size(), static_cast<size_t>(2 * k * 10 * 16));
    // Group 1's first row is images 10-19; its last row their reconstructions, from the row above (the model's input).
    const float* group = rows.data() + k * 10 * 16;
    EXPECT_EQ(std::vector<float>(group, group + 160), std::vector<float>(images.Row(10), images.Row(20)));
    const float* input = group + (k - 2) * 160;
    if (denoising) {
      int64_t masked = 0;
      for (int64_t i = 0; i < 160; ++i) {
        ASSERT_TRUE(input[i] == 0.0f || input[i] == images.Row(10)[i]);
        masked += input[i] == 0.0f;
      }
      EXPECT_GT(masked, 40);
    }
    // Equal up to float rounding: oneDNN's products may round differently for 10 rows than for the 20 the figure ran.
    const std::vector<float> code = model.encoder->Infer(input, 10);
    const std::vector<float> by_hand = model.generator->Infer(code.data(), 10);
    const float* reconstruction = group + (k - 1) * 160;
    for (int64_t i = 0; i < 160; ++i) ASSERT_NEAR(reconstruction[i], by_hand[i], 1e-5f) << "value " << i;

    // The held-out figure of the plain model: its term of each image, computed here.
    if (denoising) continue;
    const std::vector<float> all_codes = model.encoder->Infer(images.pixels.data(), 20);
    const std::vector<float> out = model.generator->Infer(all_codes.data(), 20);
    std::vector<double> terms(20, 0.0);
    for (int64_t i = 0; i < 20 * 16; ++i) {
      const double p = out[i], x = images.pixels[i];
      terms[i / 16] += squared ? 0.5 * (p - x) * (p - x) : -(x * std::log(p) + (1 - x) * std::log(1 - p));
    }
    const AutoencoderFigures f = EvaluateAutoencoder(model, images, 1, 5).value();
    EXPECT_NEAR(f.reconstruction, MeanAndStdError(terms).first, 1e-4);
    EXPECT_NEAR(f.reconstruction_std_error, MeanAndStdError(terms).second, 1e-4);
    EXPECT_EQ(f.codes_per_image, 0);
  }
}

TEST(AutoencoderFiguresTest, RefusesWhatItCannotMeasure) {
  TrainedModel model = SmallModel("PLAIN", "");
  EXPECT_EQ(EvaluateAutoencoder(model, Images(5), 0, 1).status().code(), absl::StatusCode::kInvalidArgument);
  data::Dataset wide = Images(5);
  wide.shape = {1, 2, 8};
  wide.pixels.resize(5 * 16);
  EXPECT_TRUE(EvaluateAutoencoder(model, wide, 1, 1).ok());  // same size, other shape: fine
  wide.shape = {1, 5, 5};
  wide.pixels.resize(5 * 25);
  EXPECT_NE(EvaluateAutoencoder(model, wide, 1, 1).status().message().find("25 values"), std::string::npos);
  int64_t k = 0;
  EXPECT_NE(ReconstructionRows(model, Images(15), 2, 1, &k).status().message().find("needs 20 images"), std::string::npos);
  model.encoder = nullptr;
  EXPECT_NE(EvaluateAutoencoder(model, Images(5), 1, 1).status().message().find("not an autoencoder"), std::string::npos);
}

}  // namespace
}  // namespace gan::eval
