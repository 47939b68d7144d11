// Each shipped MNIST generator: a valid ONNX model whose metadata says where
// it came from, run in ONNX Runtime on the noise its metadata describes,
// scores the figure its metadata records (the paper's Parzen protocol on the
// MNIST test set) within 1.0; and OpenCV's DNN module, the second runtime,
// loads it and computes what ONNX Runtime computes, as does the file read back
// into our net (the fixed G of experiments/mnist_inference.pbtxt).
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "base/file_bytes.h"
#include "data/load.h"
#include "eval/table1.h"
#include "export/generator_file.h"
#include "export/onnx_export.h"
#include "export/onnxruntime_runner.h"
#include "gan/spec/experiment.h"
#include "gan/spec/noise.h"
#include "gan/run/trained_model.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"

namespace gan {
namespace {

// A shipped file and the experiment its metadata must name.
struct ShippedGenerator {
  const char* path;
  const char* experiment;
};
void PrintTo(const ShippedGenerator& shipped, std::ostream* out) { *out << shipped.path; }

class MnistGeneratorTest : public testing::TestWithParam<ShippedGenerator> {};

double Number(const std::map<std::string, std::string>& metadata, const std::string& key) {
  double value = 0;
  const auto it = metadata.find(key);
  EXPECT_TRUE(it != metadata.end() && absl::SimpleAtod(it->second, &value)) << "metadata " << key;
  return value;
}

TEST_P(MnistGeneratorTest, ScoresItsRecordedFigureInOnnxRuntime) {
  const std::string model_path = GetParam().path;
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(base::ReadFileBytes(model_path).value())) << model_path;
  ASSERT_TRUE(exporter::CheckModel(model).ok()) << exporter::CheckModel(model);
  std::map<std::string, std::string> metadata;
  for (const auto& entry : model.metadata_props()) metadata[entry.key()] = entry.value();
  for (const char* key : {"command", "epoch", "seed", "checkpoint_sha256", "parzen_test", "parzen_sigma"}) {
    EXPECT_FALSE(metadata[key].empty()) << "metadata " << key;
  }
  EXPECT_EQ(metadata["checkpoint_sha256"].size(), 64u);
  EXPECT_EQ(metadata["experiment"], GetParam().experiment);

  // The noise as the metadata states it: the authors' uniform on [-sqrt(3), sqrt(3)].
  ASSERT_EQ(metadata["noise_distribution"], "uniform");
  proto::Experiment noise;
  noise.set_noise_dim(static_cast<int>(Number(metadata, "noise_dim")));
  absl::StatusOr<proto::Noise> read = NoiseFromMetadata(metadata);
  ASSERT_TRUE(read.ok()) << read.status();
  *noise.mutable_noise() = *read;
  EXPECT_NEAR(noise.noise().uniform().high(), std::sqrt(3.0), 1e-15);
  ASSERT_TRUE(ValidateNoise(noise.noise()).ok());

  constexpr int64_t kSamples = 10000;
  Rng rng(kEvaluationNoiseSeed);
  const std::vector<float> z = DrawNoise(noise, rng, kSamples);
  absl::StatusOr<exporter::RuntimeResult> run =
      exporter::RunInOnnxRuntime(model_path, {{"z", z, {kSamples, noise.noise_dim()}}}, "x", nullptr);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->output.size(), static_cast<size_t>(kSamples * 784));

  const absl::StatusOr<data::Splits> splits = data::LoadSplits("mnist", "");
  ASSERT_TRUE(splits.ok()) << splits.status() << " (set GAN_DATA_DIR: see README)";
  const eval::Table1Row row = eval::ScoreRow("model", "", run->output.data(), kSamples, *splits).value();
  std::fprintf(stderr, "ONNX Runtime samples: test %.3f +- %.3f (sigma %.4f); recorded %s\n", row.report.test_mean,
               row.report.test_std_error, row.report.sigma, metadata["parzen_test"].c_str());
  EXPECT_NEAR(row.report.sigma, Number(metadata, "parzen_sigma"), 1e-4);
  EXPECT_NEAR(row.report.test_mean, Number(metadata, "parzen_test"), 1.0);

  // Gemm in the form both runtimes read (B [out, in], transB = 1), and
  // OpenCV's samples of the first 100 noise vectors as ONNX Runtime's.
  for (const onnx::NodeProto& node : model.graph().node()) {
    if (node.op_type() != "Gemm") continue;
    bool trans_b = false;
    for (const onnx::AttributeProto& a : node.attribute()) trans_b |= a.name() == "transB" && a.i() == 1;
    EXPECT_TRUE(trans_b) << "Gemm " << node.name();
  }
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  constexpr int kCompared = 100;
  std::vector<float> first(z.begin(), z.begin() + kCompared * noise.noise_dim());
  cv::dnn::Net net = cv::dnn::readNetFromONNX(model_path);
  net.setInput(cv::Mat(kCompared, noise.noise_dim(), CV_32F, first.data()), "z");
  const cv::Mat opencv = net.forward("x");
  ASSERT_EQ(opencv.total(), static_cast<size_t>(kCompared * 784));
  double largest_difference = 0;
  for (int i = 0; i < kCompared * 784; ++i) {
    largest_difference = std::max(largest_difference, std::fabs(static_cast<double>(opencv.ptr<float>()[i]) - run->output[i]));
  }
  std::fprintf(stderr, "OpenCV against ONNX Runtime, %d samples: largest difference %.2g\n", kCompared, largest_difference);
  EXPECT_LE(largest_difference, 1e-5);  // pixels in [0, 1]; see export/opencv_runtime_test.cc

  // The file read back into experiments/mnist_inference.pbtxt's `generator`
  // (the G its encoder inverts) computes what ONNX Runtime computes.
  proto::Experiment inference = LoadExperimentFile("experiments/mnist_inference.pbtxt").value();
  inference.mutable_inference()->set_generator_file(model_path);
  absl::StatusOr<exporter::GeneratorFile> read_back = exporter::LoadGeneratorFile(inference);
  ASSERT_TRUE(read_back.ok()) << read_back.status();
  const std::vector<float> ours = read_back->generator->Infer(first.data(), kCompared);
  largest_difference = 0;
  for (int i = 0; i < kCompared * 784; ++i) largest_difference = std::max(largest_difference, std::fabs(static_cast<double>(ours[i]) - run->output[i]));
  std::fprintf(stderr, "read back into our net against ONNX Runtime, %d samples: largest difference %.2g\n", kCompared, largest_difference);
  EXPECT_LE(largest_difference, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Shipped, MnistGeneratorTest,
                         // mnist_generator.onnx was trained when experiments/mnist_640.pbtxt was
                         // experiments/mnist.pbtxt, and its metadata says so.
                         testing::Values(ShippedGenerator{"models/mnist_generator.onnx", "mnist"},
                                         ShippedGenerator{"models/mnist_authors_decay_generator.onnx", "mnist_authors_decay"}),
                         [](const testing::TestParamInfo<ShippedGenerator>& info) { return std::string(info.param.experiment); });

}  // namespace
}  // namespace gan
