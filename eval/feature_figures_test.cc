// The feature-space figures through a classifier trained here on a subset of
// Fashion-MNIST (which setup.sh installs from Debian): held-out real images
// rank first, a collapsed "generator" (copies of one image) scores low recall,
// one class covered and the largest label divergence.
#include "eval/feature_figures.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "base/file_bytes.h"
#include "data/load.h"
#include "gan/spec/experiment.h"
#include "gtest/gtest.h"

namespace gan::eval {
namespace {

std::map<std::string, double> AsMap(const std::vector<NamedFigure>& figures) { return {figures.begin(), figures.end()}; }

TEST(FeatureFiguresTest, RealImagesRankFirstAndACollapsedSetIsCaught) {
  absl::StatusOr<data::Splits> loaded = data::LoadSplits("fashion_mnist", "");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const data::Splits splits{loaded->train.Slice(0, 3000, data::Split::kTrain), loaded->valid.Slice(0, 1000, data::Split::kValid),
                            loaded->test.Slice(0, 1000, data::Split::kTest)};
  const proto::ClassifierExperiment experiment = *ParseClassifierExperiment(R"(
    name: "small" classes: 10 batch_size: 50 epochs: 3 seed: 2
    data { dataset: "fashion_mnist" }
    net {
      layers { linear { units: 64 activation: RELU weight_irange: 0.05 } }
      layers { linear { units: 10 activation: IDENTITY weight_irange: 0.05 } }
    }
    optimizer { adam { learning_rate: 0.002 beta1: 0.9 beta2: 0.999 epsilon: 1e-8 } }
  )", "test");
  absl::StatusOr<std::unique_ptr<Classifier>> classifier = Classifier::Create(experiment, splits.train.shape);
  ASSERT_TRUE(classifier.ok()) << classifier.status();
  ASSERT_TRUE((*classifier)->Train(splits.train, [](int64_t, double) {}).ok());
  ASSERT_GT((*classifier)->Accuracy(splits.test), 0.7);

  FeatureFigures figures(**classifier, "small", splits);
  const std::map<std::string, double> real = AsMap(figures.Score(splits.valid.pixels.data(), 1000));
  std::vector<float> collapsed;
  for (int i = 0; i < 1000; ++i) collapsed.insert(collapsed.end(), splits.train.Row(7), splits.train.Row(8));
  const std::map<std::string, double> one = AsMap(figures.Score(collapsed.data(), 1000));

  EXPECT_EQ(real.size(), 7u);
  EXPECT_LT(real.at("frechet_distance"), 0.1 * one.at("frechet_distance"));
  EXPECT_GT(real.at("precision"), 0.6);
  EXPECT_GT(real.at("recall"), 0.6);
  EXPECT_LT(one.at("recall"), 0.05);
  EXPECT_EQ(real.at("classes_covered"), 10);
  EXPECT_EQ(one.at("classes_covered"), 1);
  EXPECT_LT(real.at("label_kl"), 0.1);
  EXPECT_NEAR(one.at("label_kl"), std::log(1.0 / LabelShares(splits.train.labels, 10)[splits.train.labels[7]]), 1e-9);
  EXPECT_GT(real.at("inception_score"), 3 * one.at("inception_score"));
  EXPECT_NEAR(one.at("ms_ssim"), 1.0, 1e-9);  // every pair is one image twice
  EXPECT_LT(real.at("ms_ssim"), 0.5);

  // With a cache directory the test split's outputs and balls are computed
  // once and then read back: the same figures from the file; a file whose
  // features or whose radii were altered gives other figures (it is read,
  // not recomputed); a truncated file is recomputed (and rewritten).
  const std::string cache = std::string(getenv("TEST_TMPDIR")) + "/cache";
  const auto figures_with_cache = [&] { return AsMap(FeatureFigures(**classifier, "small", splits, cache).Score(splits.valid.pixels.data(), 1000)); };
  EXPECT_EQ(figures_with_cache(), real);  // computed, then written
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(cache)) files.push_back(entry.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(figures_with_cache(), real);  // read
  const std::string written = base::ReadFileBytes(files[0]).value();
  std::string bytes = written;
  for (size_t i = 4 * sizeof(int64_t); i < bytes.size() / 2; i += sizeof(float)) bytes[i + 3] ^= 0x01;  // features' exponents
  ASSERT_TRUE(base::WriteFileAtomically(files[0], bytes).ok());
  EXPECT_NE(figures_with_cache().at("frechet_distance"), real.at("frechet_distance"));
  std::string shrunk = written;  // the radii, the file's last splits.test.rows() floats, quartered
  for (size_t i = shrunk.size() - splits.test.rows() * sizeof(float); i < shrunk.size(); i += sizeof(float)) {
    float radius;
    std::memcpy(&radius, &shrunk[i], sizeof(float));
    radius /= 4;
    std::memcpy(&shrunk[i], &radius, sizeof(float));
  }
  ASSERT_TRUE(base::WriteFileAtomically(files[0], shrunk).ok());
  const std::map<std::string, double> with_small_balls = figures_with_cache();
  EXPECT_LT(with_small_balls.at("precision"), real.at("precision"));
  EXPECT_EQ(with_small_balls.at("frechet_distance"), real.at("frechet_distance"));
  ASSERT_TRUE(base::WriteFileAtomically(files[0], bytes.substr(0, bytes.size() - 1)).ok());
  EXPECT_EQ(figures_with_cache(), real);
  EXPECT_EQ(base::ReadFileBytes(files[0])->size(), bytes.size());
}

}  // namespace
}  // namespace gan::eval
