// The few-labels figures: the linear probe learns a feature that carries the
// class and not one that does not (shuffled labels); standardisation against
// its direct computation; D's last hidden layer against a hand computation;
// on MNIST, 10 labelled images per class give raw pixels far fewer errors
// than chance, and a classifier net from scratch learns from them too.
#include "eval/few_labels.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "base/random.h"
#include "data/load.h"
#include "gan/nets/build.h"
#include "gan/spec/experiment.h"
#include "gtest/gtest.h"

namespace gan::eval {
namespace {

// Rows of 5 classes and 4 features: feature k is 2 where the label is k (k < 4; class 4 has none), plus noise of deviation 0.3.
data::Dataset Synthetic(int64_t rows, uint64_t seed) {
  data::Dataset d;
  d.name = "synthetic";
  d.shape = {1, 1, 4};
  Rng rng(seed);
  for (int64_t i = 0; i < rows; ++i) {
    const int32_t label = static_cast<int32_t>(i % 5);
    float noise[4];
    rng.FillNormal(noise, 4);
    for (int k = 0; k < 4; ++k) d.pixels.push_back((label == k ? 2.0f : 0.0f) + 0.3f * noise[k]);
    d.labels.push_back(label);
  }
  return d;
}

TEST(FewLabelsTest, StandardisationIsAgainstTheUnlabelledImages) {
  const data::Dataset train = Synthetic(500, 1), test = Synthetic(100, 2);
  const StandardisedFeatures f = Standardise(PixelFeatures(4), train, test);
  for (int64_t j = 0; j < 4; ++j) {
    double mean = 0, square = 0, raw_mean = 0, raw_square = 0;
    for (int64_t i = 0; i < 500; ++i) {
      mean += f.train[i * 4 + j] / 500.0;
      raw_mean += train.pixels[i * 4 + j] / 500.0;
    }
    for (int64_t i = 0; i < 500; ++i) {
      square += (f.train[i * 4 + j] - mean) * (f.train[i * 4 + j] - mean) / 500.0;
      raw_square += (train.pixels[i * 4 + j] - raw_mean) * (train.pixels[i * 4 + j] - raw_mean) / 500.0;
    }
    EXPECT_NEAR(mean, 0.0, 1e-5);
    EXPECT_NEAR(square, 1.0, 1e-4);
    // The test rows by the training rows' mean and deviation.
    EXPECT_NEAR(f.test[7 * 4 + j], (test.pixels[7 * 4 + j] - raw_mean) / std::sqrt(raw_square), 1e-4);
  }
}

TEST(FewLabelsTest, LinearProbeLearnsTheClassAndNotShuffledLabels) {
  const data::Dataset train = Synthetic(1000, 3), test = Synthetic(1000, 4);
  const StandardisedFeatures f = Standardise(PixelFeatures(4), train, test);
  std::vector<int64_t> labelled(20);  // 4 of each class
  std::iota(labelled.begin(), labelled.end(), 0);
  const int64_t errors = LinearProbeTestErrors(f, labelled, train.labels, test.labels, 5, 2000, 1).value();
  EXPECT_LT(errors, 20) << "of 1000";
  std::vector<int32_t> shuffled = train.labels;
  Rng rng(5);
  for (int64_t i = 19; i > 0; --i) std::swap(shuffled[i], shuffled[rng.NextU64() % static_cast<uint64_t>(i + 1)]);
  shuffled[0] = (shuffled[0] + 1) % 5;  // no shuffle leaves the labels as they were
  shuffled[1] = (shuffled[1] + 2) % 5;
  const int64_t control = LinearProbeTestErrors(f, labelled, shuffled, test.labels, 5, 2000, 1).value();
  EXPECT_GT(control, 400) << "of 1000; chance is 800";
  EXPECT_FALSE(LinearProbeTestErrors(f, {}, train.labels, test.labels, 5, 10, 1).ok());
}

TEST(FewLabelsTest, DiscriminatorFeaturesAreItsLastHiddenLayer) {
  TrainedModel model;
  model.experiment = ParseExperiment(R"(
    name: "d" noise_dim: 2 noise { uniform { low: -1 high: 1 } } batch_size: 1 epochs: 1 data { dataset: "synthetic" }
    generator { layers { linear { units: 4 activation: SIGMOID weight_irange: 0.5 } } }
    discriminator {
      layers { dropout { keep_prob: 0.5 } }
      layers { maxout { units: 3 pieces: 2 weight_irange: 0.5 bias: 0.1 } }
      layers { dropout { keep_prob: 0.5 } }
      layers { linear { units: 1 weight_irange: 0.5 } }
    })", "d").value();
  model.discriminator = BuildMlp(model.experiment.discriminator(), Shape::Image(1, 1, 4), 7).value();
  const FeatureMap map = DiscriminatorFeatures(model).value();
  EXPECT_EQ(map.dim, 3);
  const data::Dataset x = Synthetic(9, 6);
  const std::vector<float> features = map.features(x.pixels.data(), 9);
  const std::vector<ParameterRef> p = model.discriminator->layers()[1]->Parameters();  // weights [4, 6], bias [6]
  for (int64_t i = 0; i < 9; ++i) {
    for (int64_t u = 0; u < 3; ++u) {
      double best = -1e30;
      for (int64_t piece = 0; piece < 2; ++piece) {
        const int64_t column = u * 2 + piece;
        double sum = p[1].value[column];
        for (int64_t k = 0; k < 4; ++k) sum += x.pixels[i * 4 + k] * p[0].value[k * 6 + column];
        best = std::max(best, sum);
      }
      EXPECT_NEAR(features[i * 3 + u], best, 1e-5) << i << " " << u;
    }
  }
  model.experiment.mutable_conditioning()->set_classes(3);
  EXPECT_FALSE(DiscriminatorFeatures(model).ok());
  model.discriminator.reset();
  EXPECT_FALSE(DiscriminatorFeatures(model).ok());
}

TEST(FewLabelsTest, OnMnistTenLabelsPerClassBeatChance) {
  const absl::StatusOr<data::Splits> splits = data::LoadSplits("mnist", "");
  ASSERT_TRUE(splits.ok()) << splits.status() << " (set GAN_DATA_DIR: see README)";
  std::vector<int64_t> labelled;
  const data::Dataset subset = splits->train.BalancedSubset(10, 10, 1, &labelled);
  ASSERT_EQ(subset.rows(), 100);
  const data::Dataset test = splits->test.Slice(0, 2000, data::Split::kTest);
  const StandardisedFeatures pixels = Standardise(PixelFeatures(784), splits->train, test);
  const int64_t errors = LinearProbeTestErrors(pixels, labelled, splits->train.labels, test.labels, 10, 1000, 1).value();
  std::fprintf(stderr, "raw pixels, 100 labels: %lld errors of 2000\n", static_cast<long long>(errors));
  EXPECT_LT(errors, 800);  // chance: 1800
  proto::ClassifierExperiment scratch = ParseClassifierExperiment(R"(
    name: "small_classifier" classes: 10 batch_size: 50 epochs: 1 seed: 1 data { dataset: "mnist" }
    net { layers { linear { units: 100 activation: RELU weight_irange: 0.05 } } layers { linear { units: 10 activation: IDENTITY weight_irange: 0.05 } } }
    optimizer { adam { learning_rate: 0.001 beta1: 0.9 beta2: 0.999 epsilon: 1e-8 } })", "scratch").value();
  const int64_t scratch_errors = ScratchClassifierTestErrors(scratch, subset, test, 500).value();
  std::fprintf(stderr, "a net from scratch, 100 labels: %lld errors of 2000\n", static_cast<long long>(scratch_errors));
  EXPECT_LT(scratch_errors, 800);
}

}  // namespace
}  // namespace gan::eval
