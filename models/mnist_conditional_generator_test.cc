// The shipped conditional MNIST generator G(z, y): a valid ONNX model with
// two inputs (the noise z and the one-hot class y) whose metadata says where
// it came from, run in ONNX Runtime on the noise its metadata describes with
// the test set's labels as its classes (as //tools:evaluate draws them),
// scores the figures its metadata records: the paper's Parzen protocol on the
// MNIST test set within 1.0, and the MNIST classifier's accuracy on the
// class-conditioned samples within half a point, every class above 95 %.
// The classifier is trained here from experiments/mnist_classifier.pbtxt
// (minutes), so that the figure does not depend on a cache.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "base/file_bytes.h"
#include "data/load.h"
#include "eval/conditional_figures.h"
#include "eval/data_classifier.h"
#include "eval/table1.h"
#include "export/onnx_generator.h"
#include "gan/spec/experiment.h"
#include "gan/spec/noise.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

constexpr char kModel[] = "models/mnist_conditional_generator.onnx";
constexpr char kClassifier[] = "experiments/mnist_classifier.pbtxt";

double Number(const std::map<std::string, std::string>& metadata, const std::string& key) {
  double value = 0;
  const auto it = metadata.find(key);
  EXPECT_TRUE(it != metadata.end() && absl::SimpleAtod(it->second, &value)) << "metadata " << key;
  return value;
}

TEST(MnistConditionalGeneratorTest, ScoresItsRecordedFiguresInOnnxRuntime) {
  absl::StatusOr<std::unique_ptr<exporter::OnnxGenerator>> generator = exporter::OnnxGenerator::Load(kModel);
  ASSERT_TRUE(generator.ok()) << generator.status();
  const std::map<std::string, std::string>& metadata = (*generator)->metadata();
  for (const char* key : {"command", "epoch", "seed", "checkpoint_sha256", "input.z", "input.y"}) {
    EXPECT_TRUE(metadata.count(key) && !metadata.at(key).empty()) << "metadata " << key;
  }
  EXPECT_EQ(metadata.at("checkpoint_sha256").size(), 64u);
  ASSERT_EQ((*generator)->classes(), 10);
  ASSERT_EQ((*generator)->noise_dim(), 100);

  proto::Experiment experiment;
  experiment.set_noise_dim(100);
  experiment.mutable_conditioning()->set_classes(10);
  absl::StatusOr<proto::Noise> noise = (*generator)->NoiseFromMetadata();
  ASSERT_TRUE(noise.ok()) << noise.status();
  *experiment.mutable_noise() = *noise;

  const absl::StatusOr<data::Splits> splits = data::LoadSplits("mnist", "");
  ASSERT_TRUE(splits.ok()) << splits.status() << " (set GAN_DATA_DIR: see README)";
  const std::vector<int32_t>& labels = splits->test.labels;
  ASSERT_EQ(labels.size(), 10000u);
  Rng rng(kEvaluationNoiseSeed);
  const std::vector<float> rows = DrawNoise(experiment, rng, static_cast<int64_t>(labels.size()), labels);
  absl::StatusOr<std::vector<float>> samples = (*generator)->Run(rows.data(), static_cast<int64_t>(labels.size()));
  ASSERT_TRUE(samples.ok()) << samples.status();
  ASSERT_EQ(samples->size(), labels.size() * 784);

  const eval::Table1Row row = eval::ScoreRow("model", "", samples->data(), static_cast<int64_t>(labels.size()), *splits).value();
  std::fprintf(stderr, "ONNX Runtime samples: test %.3f +- %.3f (sigma %.4f); recorded %s\n", row.report.test_mean,
               row.report.test_std_error, row.report.sigma, metadata.at("parzen_test").c_str());
  EXPECT_NEAR(row.report.sigma, Number(metadata, "parzen_sigma"), 1e-4);
  EXPECT_NEAR(row.report.test_mean, Number(metadata, "parzen_test"), 1.0);

  absl::StatusOr<std::string> classifier_text = base::ReadFileBytes(kClassifier);
  ASSERT_TRUE(classifier_text.ok()) << classifier_text.status();
  absl::StatusOr<proto::ClassifierExperiment> classifier_experiment = ParseClassifierExperiment(*classifier_text, kClassifier);
  ASSERT_TRUE(classifier_experiment.ok()) << classifier_experiment.status();
  absl::StatusOr<eval::CachedClassifier> classifier =
      eval::FindOrTrainClassifier(*classifier_experiment, *splits, ::testing::TempDir(), stderr);
  ASSERT_TRUE(classifier.ok()) << classifier.status();
  absl::StatusOr<eval::ClassScores> scores =
      eval::ScoreClasses(samples->data(), labels, 10, *splits, 1000, classifier->classifier.get());
  ASSERT_TRUE(scores.ok()) << scores.status();
  std::fprintf(stderr, "classifier's accuracy on the class-conditioned samples: %.4f; recorded %s\n", scores->accuracy,
               metadata.at("class_accuracy").c_str());
  EXPECT_NEAR(scores->accuracy, Number(metadata, "class_accuracy"), 0.005);
  ASSERT_EQ(scores->rows.size(), 10u);
  double lowest = 1;
  for (const eval::Table1Row& class_row : scores->rows) {
    const auto accuracy = std::find_if(class_row.figures.begin(), class_row.figures.end(),
                                       [](const eval::NamedFigure& figure) { return figure.first == "accuracy"; });
    ASSERT_NE(accuracy, class_row.figures.end()) << class_row.name;
    EXPECT_GT(accuracy->second, 0.95) << class_row.name;
    lowest = std::min(lowest, accuracy->second);
  }
  EXPECT_NEAR(lowest, Number(metadata, "lowest_class_accuracy"), 0.01);
}

}  // namespace
}  // namespace gan
