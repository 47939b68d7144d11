// A conditional generator's figures class by class, on a synthetic data set a
// small classifier learns (three classes of 12 x 12 images, class c lighting
// rows 4c to 4c + 3; MS-SSIM needs 11 pixels): "samples" that are each class's own held-out images score as real
// data does and are recognised; the same images given the wrong classes are
// not; the rows of a class are found exactly; the class figure draws one row
// per class.
#include "eval/conditional_figures.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gan/spec/experiment.h"
#include "gtest/gtest.h"

namespace gan::eval {
namespace {

data::Dataset Stripes(int64_t rows, uint64_t seed, data::Split split) {
  data::Dataset dataset;
  dataset.name = "stripes";
  dataset.split = split;
  dataset.shape = {1, 12, 12};
  Rng rng(seed);
  for (int64_t i = 0; i < rows; ++i) {
    const int32_t label = static_cast<int32_t>(i % 3);
    dataset.labels.push_back(label);
    for (int64_t y = 0; y < 12; ++y) {
      for (int64_t x = 0; x < 12; ++x) dataset.pixels.push_back((y / 4 == label ? 0.4f : 0.0f) + 0.6f * rng.NextUniform());
    }
  }
  return dataset;
}

std::unique_ptr<Classifier> TrainedClassifier(const data::Dataset& train) {
  auto classifier = Classifier::Create(*ParseClassifierExperiment(R"(
    name: "stripes" classes: 3 batch_size: 30 epochs: 8 seed: 5
    data { dataset: "stripes" }
    net {
      layers { linear { units: 16 activation: RELU weight_irange: 0.3 } }
      layers { linear { units: 3 activation: IDENTITY weight_irange: 0.3 } }
    }
    optimizer { adam { learning_rate: 0.01 beta1: 0.9 beta2: 0.999 epsilon: 1e-8 } }
  )", "test"), train.shape).value();
  EXPECT_TRUE(classifier->Train(train, [](int64_t, double) {}).ok());
  return classifier;
}

TEST(ConditionalFiguresTest, RealImagesOfEachClassScoreAsRealDataAndWrongClassesDoNot) {
  const data::Splits splits{Stripes(900, 1, data::Split::kTrain), Stripes(300, 2, data::Split::kValid), Stripes(300, 3, data::Split::kTest)};
  std::unique_ptr<Classifier> classifier = TrainedClassifier(splits.train);
  // "Samples": 600 held-out images of known class (like a perfect G), and the
  // same images said to be of the next class.
  const data::Dataset held_out = Stripes(600, 4, data::Split::kTest);
  std::vector<int32_t> wrong = held_out.labels;
  for (int32_t& c : wrong) c = (c + 1) % 3;
  const ClassScores right = ScoreClasses(held_out.pixels.data(), held_out.labels, 3, splits, 100, classifier.get()).value();
  const ClassScores shifted = ScoreClasses(held_out.pixels.data(), wrong, 3, splits, 100, classifier.get()).value();
  ASSERT_EQ(right.rows.size(), 3u);
  ASSERT_EQ(shifted.rows.size(), 3u);
  EXPECT_GT(right.accuracy, 0.95);
  EXPECT_LT(shifted.accuracy, 0.05);
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(right.rows[c].name, "class " + std::to_string(c));
    ASSERT_FALSE(right.rows[c].figures.empty());
    std::vector<std::string> names;
    for (const NamedFigure& f : right.rows[c].figures) names.push_back(f.first);
    EXPECT_EQ(names, (std::vector<std::string>{"accuracy", "frechet_distance", "precision", "recall", "ms_ssim"}));
    // The Parzen figure of a class's own images against its test images is
    // far above that of another class's images.
    EXPECT_GT(right.rows[c].report.test_mean, shifted.rows[c].report.test_mean + 1.0) << "class " << c;
  }
  // Without a classifier: the Parzen rows only.
  const ClassScores plain = ScoreClasses(held_out.pixels.data(), held_out.labels, 3, splits, 100, nullptr).value();
  EXPECT_EQ(plain.accuracy, -1);
  EXPECT_TRUE(plain.rows[0].figures.empty());
  EXPECT_EQ(plain.rows[1].report.test_mean, right.rows[1].report.test_mean);
}

TEST(ConditionalFiguresTest, ClassFigureHasARowPerClassAndItsNeighbour) {
  const data::Dataset train = Stripes(90, 1, data::Split::kTrain), samples = Stripes(30, 2, data::Split::kTest);
  const data::Image figure = ClassFigure(samples.pixels.data(), samples.labels, 3, 4, train, data::Display::kUnitRange);
  // 3 rows of 4 samples and a neighbour, 12 x 12 cells with 1-pixel borders.
  EXPECT_EQ(figure.width, 5 * 12 + 6);
  EXPECT_EQ(figure.height, 3 * 12 + 4);
  // Each row's last cell is a training image of the row's class: brightest in its class's band.
  for (int64_t r = 0; r < 3; ++r) {
    std::vector<double> band(3, 0.0);
    for (int64_t y = 0; y < 12; ++y) {
      for (int64_t x = 0; x < 12; ++x) band[y / 4] += figure.pixels[(1 + r * 13 + y) * figure.width + 1 + 4 * 13 + x];
    }
    EXPECT_EQ(std::max_element(band.begin(), band.end()) - band.begin(), r) << "row " << r;
  }
}

}  // namespace
}  // namespace gan::eval
