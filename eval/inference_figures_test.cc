// The inference net's figures against their direct computation on nets set by
// hand: G(z) = (z1, z2, z1, z2) and E its exact inverse (every error 0, every
// label kept), or E = 0 (the error is p_z's variance, the reconstructions all G(0)).
#include "eval/inference_figures.h"

#include <memory>
#include <vector>

#include "gan/nets/build.h"
#include "gan/spec/experiment.h"
#include "gtest/gtest.h"

namespace gan::eval {
namespace {

TrainedModel HandSetModel(float encoder_scale) {
  TrainedModel model;
  model.experiment = ParseExperiment(R"(
    name: "hand" noise_dim: 2 noise { uniform { low: -1 high: 1 } } batch_size: 1 epochs: 1 data { dataset: "hand" }
    generator { layers { linear { units: 4 activation: IDENTITY } } }
    inference { generator_file: "none" encoder { layers { linear { units: 2 activation: IDENTITY } } } })", "hand").value();
  model.generator = BuildMlp(model.experiment.generator(), Shape::Flat(2), 0).value();
  model.encoder = BuildMlp(model.experiment.inference().encoder(), Shape::Image(1, 2, 2), 0).value();
  // G: W [2, 4], E: W [4, 2] (row-major [inputs, units]), biases 0.
  const std::vector<float> g = {1, 0, 1, 0, 0, 1, 0, 1};
  const std::vector<float> e = {0.5f * encoder_scale, 0, 0, 0.5f * encoder_scale, 0.5f * encoder_scale, 0, 0, 0.5f * encoder_scale};
  std::vector<ParameterRef> gp = model.generator->Parameters(), ep = model.encoder->Parameters();
  std::copy(g.begin(), g.end(), gp[0].value);
  std::fill(gp[1].value, gp[1].value + gp[1].size, 0.0f);
  std::copy(e.begin(), e.end(), ep[0].value);
  std::fill(ep[1].value, ep[1].value + ep[1].size, 0.0f);
  return model;
}

// 2,000 images G(z) of z on a line, labelled 0 where x0 > 0, else 1; the classifier below agrees with the first 1,800 labels only.
data::Dataset Images() {
  data::Dataset d;
  d.name = "hand";
  d.shape = {1, 2, 2};
  for (int i = 0; i < 2000; ++i) {
    const float z1 = -0.9995f + 0.001f * i, z2 = 0.5f - 0.0005f * i;
    d.pixels.insert(d.pixels.end(), {z1, z2, z1, z2});
    const int32_t label = z1 > 0 ? 0 : 1;
    d.labels.push_back(i < 1800 ? label : 1 - label);
  }
  return d;
}

// Logits (x0, -x0): class 0 where x0 > 0, class 1 where x0 < 0, class 0 at a tie.
std::unique_ptr<Classifier> SignClassifier() {
  proto::ClassifierExperiment e = ParseClassifierExperiment(R"(
    name: "sign" classes: 2 batch_size: 1 epochs: 1 seed: 1 data { dataset: "hand" }
    net { layers { linear { units: 2 activation: IDENTITY } } }
    optimizer { sgd { learning_rate: 0.1 } })", "sign").value();
  std::unique_ptr<Classifier> classifier = Classifier::Create(e, data::ImageShape{1, 2, 2}).value();
  std::vector<ParameterRef> p = classifier->net().Parameters();
  std::fill(p[0].value, p[0].value + p[0].size, 0.0f);
  p[0].value[0] = 1;   // x0 -> logit 0
  p[0].value[1] = -1;  // x0 -> logit 1
  std::fill(p[1].value, p[1].value + p[1].size, 0.0f);
  return classifier;
}

TEST(InferenceFiguresTest, AnExactInverseRecoversEverything) {
  TrainedModel model = HandSetModel(1.0f);
  const data::Dataset images = Images();
  std::unique_ptr<Classifier> classifier = SignClassifier();
  std::vector<float> reconstructions;
  InferenceFigures f = EvaluateInferenceNet(model, images, 5000, 3, classifier.get(), &reconstructions).value();
  EXPECT_EQ(reconstructions, InferenceReconstructions(model, images));
  EXPECT_EQ(f.z_squared_error, 0.0);
  EXPECT_EQ(f.pixel_squared_error, 0.0);
  EXPECT_EQ(f.images, 2000);
  EXPECT_DOUBLE_EQ(f.label_agreement, 1.0);
  EXPECT_DOUBLE_EQ(f.image_accuracy, 0.9);
  EXPECT_DOUBLE_EQ(f.reconstruction_accuracy, 0.9);
  // By chance: the mean over images of the mean over pixels of (G(z') - x)^2, for z' uniform on [-1, 1]^2:
  // per pixel E[(z' - x_j)^2] = 1/3 + x_j^2.
  double chance = 0;
  for (float v : images.pixels) chance += 1.0 / 3.0 + static_cast<double>(v) * v;
  chance /= static_cast<double>(images.pixels.size());
  EXPECT_NEAR(f.chance_pixel_squared_error, chance, 0.05);  // 2,000 draws of z': a standard error of about 0.012
}

TEST(InferenceFiguresTest, AZeroEncoderLeavesTheNoisesVarianceAndReconstructsG0) {
  TrainedModel model = HandSetModel(0.0f);
  const data::Dataset images = Images();
  std::unique_ptr<Classifier> classifier = SignClassifier();
  InferenceFigures f = EvaluateInferenceNet(model, images, 20000, 3, classifier.get()).value();
  // E[z^2] = 1/3 for z uniform on [-1, 1]; 40,000 values give a standard error of about 0.0015.
  EXPECT_NEAR(f.z_squared_error, 1.0 / 3.0, 0.006);
  EXPECT_NEAR(f.z_share, 1.0, 0.018);
  double pixel = 0;  // G(E(x)) = 0
  for (float v : images.pixels) pixel += static_cast<double>(v) * v;
  EXPECT_NEAR(f.pixel_squared_error, pixel / static_cast<double>(images.pixels.size()), 1e-9);
  EXPECT_GT(f.pixel_squared_error_std_error, 0.0);
  // Every reconstruction is the tie, class 0: agreement where x0 > 0, accuracy where the label is 0.
  int64_t positive = 0, label_zero = 0;
  for (int64_t i = 0; i < images.rows(); ++i) {
    positive += images.pixels[i * 4] > 0;
    label_zero += images.labels[i] == 0;
  }
  EXPECT_DOUBLE_EQ(f.label_agreement, positive / 2000.0);
  EXPECT_DOUBLE_EQ(f.reconstruction_accuracy, label_zero / 2000.0);
}

TEST(InferenceFiguresTest, RefusesAModelThatIsNotAnInferenceNetOrImagesOfAnotherSize) {
  TrainedModel model = HandSetModel(1.0f);
  data::Dataset wide = Images();
  wide.shape = {1, 1, 2};
  wide.pixels.resize(4000);
  EXPECT_FALSE(EvaluateInferenceNet(model, wide, 10, 1, nullptr).ok());
  model.experiment.clear_inference();
  EXPECT_EQ(EvaluateInferenceNet(model, Images(), 10, 1, nullptr).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace gan::eval
