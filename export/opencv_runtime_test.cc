// A second runtime: OpenCV 4.6's DNN module (Debian's libopencv-dnn-dev)
// loads every graph the exporter writes and computes what our own inference
// forward computes (and so what ONNX Runtime computes: onnx_export_test holds
// it to the same forward). Each case prints one line of the README's table of
// runtimes.
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "export/onnx_export.h"
#include "export/onnxruntime_runner.h"
#include "export/test_models.h"
#include "gan/spec/noise.h"
#include "gtest/gtest.h"

namespace gan::exporter {
namespace {

// Both runtimes and our forward sum the same products in different orders,
// so they differ by rounding that grows with the outputs' size: the bound is
// relative to the largest output (at least 1). The largest difference seen
// is below 2e-6 of it.
constexpr double kRelativeTolerance = 1e-5;

double Tolerance(const std::vector<float>& ours) {
  double largest = 1;
  for (float v : ours) largest = std::max(largest, std::fabs(static_cast<double>(v)));
  return kRelativeTolerance * largest;
}

std::string TempPath(const std::string& name) { return std::string(std::getenv("TEST_TMPDIR")) + "/" + name; }

double MaxAbsDiff(const float* a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < b.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
  return worst;
}

// The output `output_name` of the model at `path` in OpenCV for `input`
// [rows, columns]; an OpenCV error (it throws) fails the test with its text.
std::vector<float> RunInOpenCv(const std::string& path, const std::string& input_name, std::vector<float> input, int rows, int columns,
                               const std::string& output_name) {
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
    net.setInput(cv::Mat(rows, columns, CV_32F, input.data()), input_name);
    const cv::Mat output = net.forward(output_name);
    const float* values = output.ptr<float>();
    return std::vector<float>(values, values + output.total());
  } catch (const cv::Exception& e) {
    ADD_FAILURE() << path << ": OpenCV: " << e.what();
    return {};
  }
}

struct Case {
  std::string experiment;
  data::ImageShape shape;
  // Biases below zero make every maxout output negative, so that a pooling
  // window reaching past the image's edge differs if a runtime pads it with
  // zeros instead of leaving the missing values out (ceil mode).
  float bias_low, bias_high;
  // For D: weights 20 times their initial size make its output depend on
  // the input (at the initial weights it is the same to 4 digits for every
  // input, and a comparison would check little).
  float discriminator_weight_scale;
};

// One line of the README's table: both runtimes against our forward, as a
// fraction of the tolerance's scale.
void Report(const std::string& graph, const std::vector<float>& ours, double opencv, double onnxruntime) {
  const double scale = Tolerance(ours) / kRelativeTolerance;
  std::printf("| %s | %.3g | loads | %.1e | %.1e |\n", graph.c_str(), scale, opencv / scale, onnxruntime / scale);
}

// Runs the model at `path` on `input` [rows, columns] in both runtimes and
// holds each to `ours`; `graph` names the case in messages and the table.
void CompareRuntimes(const std::string& graph, const std::string& path, const std::string& input_name, const std::vector<float>& input,
                     int rows, int columns, const std::string& output_name, const std::vector<float>& ours) {
  const std::vector<float> opencv = RunInOpenCv(path, input_name, input, rows, columns, output_name);
  ASSERT_EQ(opencv.size(), ours.size()) << graph;
  const absl::StatusOr<RuntimeResult> onnxruntime = RunInOnnxRuntime(path, {{input_name, input, {rows, columns}}}, output_name, nullptr);
  ASSERT_TRUE(onnxruntime.ok()) << onnxruntime.status();
  const double opencv_diff = MaxAbsDiff(opencv.data(), ours), onnxruntime_diff = MaxAbsDiff(onnxruntime->output.data(), ours);
  EXPECT_LE(opencv_diff, Tolerance(ours)) << graph;
  EXPECT_LE(onnxruntime_diff, Tolerance(ours)) << graph;
  Report(graph, ours, opencv_diff, onnxruntime_diff);
}

void CheckGenerator(const Case& c, int rows) {
  TrainedModel model = InitialModelWithRandomBiases(c.experiment, c.bias_low, c.bias_high, 3);
  const std::string path = TempPath("generator.onnx");
  ASSERT_TRUE(WriteModel(ExportGenerator(model, c.shape).value(), path).ok());
  Rng rng(rows);
  const std::vector<float> z = DrawNoise(model.experiment, rng, rows);
  CompareRuntimes(c.experiment + " generator, batch " + std::to_string(rows), path, "z", z, rows,
                  static_cast<int>(model.experiment.noise_dim()), "x", model.generator->Infer(z.data(), rows));
}

void CheckDiscriminator(const Case& c, int rows) {
  TrainedModel model = InitialModelWithRandomBiases(c.experiment, c.bias_low, c.bias_high, 4, c.discriminator_weight_scale);
  const std::string path = TempPath("discriminator.onnx");
  ASSERT_TRUE(WriteModel(ExportDiscriminator(model, c.shape).value(), path).ok());
  std::vector<float> x(rows * c.shape.size());
  Rng(rows).FillUniform(x.data(), static_cast<int64_t>(x.size()), 0.0f, 1.0f);
  CompareRuntimes(c.experiment + " discriminator, batch " + std::to_string(rows), path, "x", x, rows, static_cast<int>(c.shape.size()),
                  "logit", model.discriminator->Infer(x.data(), rows));
}

class OpenCvRuntimeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
    std::printf("| graph | largest output (at least 1) | OpenCV 4.6 | OpenCV's largest difference from our forward, relative | ONNX Runtime's |\n");
  }
};

TEST_F(OpenCvRuntimeTest, PaperMnistNets) {
  const Case mnist{"experiments/mnist.pbtxt", {1, 28, 28}, -0.5f, 0.5f, 20.0f};
  for (int rows : {1, 7, 100}) {
    CheckGenerator(mnist, rows);
    CheckDiscriminator(mnist, rows);
  }
}

TEST_F(OpenCvRuntimeTest, ConvolutionalCifar10Nets) {
  // Linear, Reshape, ConvTranspose with a bias per output value; Conv, the
  // maxout grouping, MaxPool in ceil mode and Gemm.
  const Case cifar10{"experiments/cifar10_conv.pbtxt", {3, 32, 32}, -1.0f, -0.5f, 20.0f};
  for (int rows : {1, 7}) {
    CheckGenerator(cifar10, rows);
    CheckDiscriminator(cifar10, rows);
  }
}

TEST_F(OpenCvRuntimeTest, VariationalDecoder) {
  const Case vae{"experiments/mnist_vae.pbtxt", {1, 28, 28}, -0.5f, 0.5f, 1.0f};
  for (int rows : {1, 7}) CheckGenerator(vae, rows);
}

TEST_F(OpenCvRuntimeTest, ComparisonDetectsAMisreadWeight) {
  // The comparison must be able to fail: the exported G with one weight
  // changed after export no longer matches our forward.
  TrainedModel model = InitialModelWithRandomBiases("experiments/mnist.pbtxt", -0.5f, 0.5f, 3);
  const std::string path = TempPath("stale.onnx");
  ASSERT_TRUE(WriteModel(ExportGenerator(model, {1, 28, 28}).value(), path).ok());
  model.generator->Parameters()[0].value[0] += 1.0f;
  Rng rng(5);
  const std::vector<float> z = DrawNoise(model.experiment, rng, 7);
  const std::vector<float> opencv = RunInOpenCv(path, "z", z, 7, 100, "x");
  ASSERT_EQ(opencv.size(), 7u * 784u);
  const std::vector<float> ours = model.generator->Infer(z.data(), 7);
  EXPECT_GT(MaxAbsDiff(opencv.data(), ours), Tolerance(ours));
}

}  // namespace
}  // namespace gan::exporter
