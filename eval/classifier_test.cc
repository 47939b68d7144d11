// The classifier on a synthetic three-class data set it can learn: training
// lifts it from chance to near-perfect accuracy; its features and
// probabilities agree with its last layer applied by hand; a saved classifier
// loads to the same outputs, bit for bit; bad experiments, labels and files
// are refused with errors that say what is wrong.
#include "eval/classifier.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "base/random.h"
#include "gan/spec/experiment.h"
#include "gtest/gtest.h"

namespace gan::eval {
namespace {

std::string TempPath(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") + "/" + name;
}

// 1 x 4 x 4 images; class c lights up row c (of rows 0-2), under uniform noise
// of amplitude 0.6, so no single pixel decides the class.
data::Dataset Stripes(int64_t rows, uint64_t seed) {
  data::Dataset dataset;
  dataset.name = "stripes";
  dataset.shape = {1, 4, 4};
  Rng rng(seed);
  for (int64_t i = 0; i < rows; ++i) {
    const int32_t label = static_cast<int32_t>(i % 3);
    dataset.labels.push_back(label);
    for (int64_t y = 0; y < 4; ++y) {
      for (int64_t x = 0; x < 4; ++x) dataset.pixels.push_back((y == label ? 0.5f : 0.0f) + 0.6f * rng.NextUniform());
    }
  }
  return dataset;
}

proto::ClassifierExperiment StripesExperiment() {
  return *ParseClassifierExperiment(R"(
    name: "stripes" classes: 3 batch_size: 30 epochs: 8 seed: 5
    data { dataset: "stripes" }
    net {
      layers { linear { units: 16 activation: RELU weight_irange: 0.3 } }
      layers { dropout { keep_prob: 0.9 } }
      layers { linear { units: 3 activation: IDENTITY weight_irange: 0.3 } }
    }
    optimizer { adam { learning_rate: 0.01 beta1: 0.9 beta2: 0.999 epsilon: 1e-8 } }
  )", "test");
}

TEST(ClassifierTest, TrainingLearnsTheClasses) {
  const data::Dataset train = Stripes(600, 1), test = Stripes(300, 2);
  absl::StatusOr<std::unique_ptr<Classifier>> classifier = Classifier::Create(StripesExperiment(), train.shape);
  ASSERT_TRUE(classifier.ok()) << classifier.status();
  const double before = (*classifier)->Accuracy(test);
  std::vector<double> losses;
  ASSERT_TRUE((*classifier)->Train(train, [&](int64_t epoch, double loss) {
    EXPECT_EQ(epoch, static_cast<int64_t>(losses.size()) + 1);
    losses.push_back(loss);
  }).ok());
  ASSERT_EQ(losses.size(), 8u);
  EXPECT_LT(losses.back(), 0.5 * losses.front());
  const double after = (*classifier)->Accuracy(test);
  EXPECT_LT(before, 0.6);
  EXPECT_GT(after, 0.95) << "before training: " << before;
}

TEST(ClassifierTest, OutputsAreTheLastLayerAppliedToTheFeatures) {
  const data::Dataset data = Stripes(7, 3);
  absl::StatusOr<std::unique_ptr<Classifier>> classifier = Classifier::Create(StripesExperiment(), data.shape);
  ASSERT_TRUE(classifier.ok()) << classifier.status();
  const Classifier::Outputs outputs = (*classifier)->Run(data.pixels.data(), data.rows());
  ASSERT_EQ(outputs.feature_dim, 16);
  ASSERT_EQ(outputs.classes, 3);
  // The last layer's weights [16, 3] and bias [3], applied by hand in double.
  std::vector<ParameterRef> params = (*classifier)->net().Parameters();
  const ParameterRef& weights = params[params.size() - 2];
  const ParameterRef& bias = params.back();
  ASSERT_EQ(weights.size, 48);
  for (int64_t r = 0; r < data.rows(); ++r) {
    const float* x = data.Row(r);
    // The features are the first layer's ReLU outputs (dropout is off at inference).
    const ParameterRef& w0 = params[0];
    const ParameterRef& b0 = params[1];
    double logits[3], total = 0;
    for (int64_t j = 0; j < 16; ++j) {
      double h = b0.value[j];
      for (int64_t i = 0; i < 16; ++i) h += static_cast<double>(x[i]) * w0.value[i * 16 + j];
      EXPECT_NEAR(outputs.features[r * 16 + j], std::max(h, 0.0), 1e-5) << r << " " << j;
    }
    for (int64_t c = 0; c < 3; ++c) {
      logits[c] = bias.value[c];
      for (int64_t j = 0; j < 16; ++j) logits[c] += static_cast<double>(outputs.features[r * 16 + j]) * weights.value[j * 3 + c];
      total += std::exp(logits[c]);
    }
    for (int64_t c = 0; c < 3; ++c) EXPECT_NEAR(outputs.probabilities[r * 3 + c], std::exp(logits[c]) / total, 1e-6) << r << " " << c;
  }
}

TEST(ClassifierTest, SavedClassifierLoadsToTheSameOutputs) {
  const data::Dataset train = Stripes(90, 4);
  proto::ClassifierExperiment experiment = StripesExperiment();
  experiment.set_epochs(1);
  absl::StatusOr<std::unique_ptr<Classifier>> trained = Classifier::Create(experiment, train.shape);
  ASSERT_TRUE(trained.ok());
  ASSERT_TRUE((*trained)->Train(train, [](int64_t, double) {}).ok());
  const std::string path = TempPath("stripes.classifier");
  ASSERT_TRUE((*trained)->Save(path).ok());
  absl::StatusOr<std::unique_ptr<Classifier>> loaded = Classifier::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const Classifier::Outputs a = (*trained)->Run(train.pixels.data(), train.rows());
  const Classifier::Outputs b = (*loaded)->Run(train.pixels.data(), train.rows());
  EXPECT_EQ(a.features, b.features);
  EXPECT_EQ(a.probabilities, b.probabilities);
  EXPECT_EQ((*loaded)->experiment().epochs(), 1);
  // The weights' key: the same weights read back, other weights another key.
  EXPECT_EQ((*loaded)->WeightsKey(), (*trained)->WeightsKey());
  EXPECT_EQ((*trained)->WeightsKey().size(), 16u);
  ParameterRef first = (*loaded)->net().Parameters().front();
  first.value[0] = std::nextafter(first.value[0], 1e9f);
  EXPECT_NE((*loaded)->WeightsKey(), (*trained)->WeightsKey());

  // A damaged file is refused, naming the file.
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() / 2] ^= 1;
  const std::string damaged = TempPath("damaged.classifier");
  std::ofstream(damaged, std::ios::binary) << bytes;
  absl::StatusOr<std::unique_ptr<Classifier>> refused = Classifier::Load(damaged);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(damaged), std::string::npos) << refused.status();
}

TEST(ClassifierTest, BadExperimentsAndLabelsAreRefused) {
  const data::Dataset train = Stripes(60, 5);
  proto::ClassifierExperiment wrong_units = StripesExperiment();
  wrong_units.mutable_net()->mutable_layers(2)->mutable_linear()->set_units(4);
  absl::StatusOr<std::unique_ptr<Classifier>> refused = Classifier::Create(wrong_units, train.shape);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("3 units"), std::string::npos) << refused.status();

  proto::ClassifierExperiment sigmoid_logits = StripesExperiment();
  sigmoid_logits.mutable_net()->mutable_layers(2)->mutable_linear()->set_activation(proto::SIGMOID);
  EXPECT_FALSE(Classifier::Create(sigmoid_logits, train.shape).ok());

  data::Dataset bad_label = train;
  bad_label.labels[17] = 3;
  absl::StatusOr<std::unique_ptr<Classifier>> classifier = Classifier::Create(StripesExperiment(), train.shape);
  ASSERT_TRUE(classifier.ok());
  const absl::Status s = (*classifier)->Train(bad_label, [](int64_t, double) {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("image 17 has label 3"), std::string::npos) << s;
}

}  // namespace
}  // namespace gan::eval
