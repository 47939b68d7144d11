// The exported models pass the ONNX checker and shape inference in C++, and
// ONNX Runtime (Node.js) computes what our own inference forward computes.
#include "export/onnx_export.h"
#include "export/onnxruntime_runner.h"
#include "export/test_models.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gan/nets/build.h"
#include "gan/spec/experiment.h"
#include "gan/spec/inpainting.h"
#include "gan/spec/noise.h"
#include "gtest/gtest.h"

namespace gan::exporter {
namespace {

const data::ImageShape kMnistShape{1, 28, 28};

// The paper's MNIST G and D with their initial weights, and biases drawn at
// random so that every parameter matters to the comparison.
TrainedModel PaperModel() { return InitialModelWithRandomBiases("experiments/mnist.pbtxt", -0.5f, 0.5f, 3); }

std::string TempPath(const std::string& name) { return std::string(std::getenv("TEST_TMPDIR")) + "/" + name; }

// Runs the model in ONNX Runtime against our own values; a failure to run fails the test.
RuntimeResult Compare(const std::string& model_path, const std::string& input_name, const std::vector<float>& input,
                      int64_t rows, int64_t columns, const std::string& output_name, const std::vector<float>& expected,
                      int repeats = 1) {
  absl::StatusOr<RuntimeResult> result =
      RunInOnnxRuntime(model_path, {{input_name, input, {rows, columns}}}, output_name, &expected, RuntimeOptions{repeats});
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : RuntimeResult{};
}

TEST(OnnxExportTest, GeneratorPassesCheckerAndShapeInference) {
  TrainedModel model = PaperModel();
  const onnx::ModelProto proto = ExportGenerator(model, kMnistShape).value();
  EXPECT_TRUE(CheckModel(proto).ok()) << CheckModel(proto);
  EXPECT_EQ(proto.opset_import(0).version(), kOpsetVersion);
  EXPECT_EQ(proto.producer_name(), "gan");
  std::map<std::string, std::string> metadata;
  for (const auto& entry : proto.metadata_props()) metadata[entry.key()] = entry.value();
  EXPECT_EQ(metadata["experiment"], "mnist");
  EXPECT_EQ(metadata["image_height"], "28");
  EXPECT_EQ(metadata["image_channels"], "1");
  EXPECT_EQ(metadata["noise_dim"], "100");
  // The authors' MNIST noise, read from the experiment.
  EXPECT_EQ(metadata["noise_distribution"], "uniform");
  EXPECT_EQ(metadata["noise_low"], "-1.7320508075688772");
  EXPECT_EQ(metadata["noise_high"], "1.7320508075688772");
  EXPECT_EQ(metadata["noise_description"], "uniform on [-1.7320508075688772, 1.7320508075688772]");
  EXPECT_EQ(metadata["training_step"], "1234");
  EXPECT_EQ(metadata["dataset"], "mnist");
  EXPECT_EQ(metadata["gcn_scale"], "0");
  EXPECT_EQ(metadata["seed"], "2");  // experiments/mnist.pbtxt's
  EXPECT_EQ(proto.graph().input(0).type().tensor_type().shape().dim(0).dim_param(), "batch");
  EXPECT_EQ(proto.graph().output(0).type().tensor_type().shape().dim(1).dim_value(), 784);
  // Each Gemm's weights are [out, in] with transB = 1, the form OpenCV reads
  // (export/opencv_runtime_test.cc): the first maps 100 noise values to 1200.
  int gemms = 0;
  for (const onnx::NodeProto& node : proto.graph().node()) {
    if (node.op_type() != "Gemm") continue;
    ++gemms;
    ASSERT_EQ(node.attribute_size(), 1) << node.name();
    EXPECT_EQ(node.attribute(0).name(), "transB");
    EXPECT_EQ(node.attribute(0).i(), 1);
  }
  EXPECT_EQ(gemms, 3);
  EXPECT_EQ(proto.graph().initializer(0).name(), "layer0.weight");
  EXPECT_EQ(proto.graph().initializer(0).dims(0), 1200);
  EXPECT_EQ(proto.graph().initializer(0).dims(1), 100);
}

TEST(OnnxExportTest, MetadataIsAddedOnceAndNeverOverridesTheExporters) {
  TrainedModel model = PaperModel();
  onnx::ModelProto proto = ExportGenerator(model, kMnistShape).value();
  ASSERT_TRUE(AddMetadata(proto, "epoch", "600").ok());
  EXPECT_EQ(proto.metadata_props(proto.metadata_props_size() - 1).value(), "600");
  const absl::Status again = AddMetadata(proto, "epoch", "601");
  EXPECT_FALSE(again.ok());
  EXPECT_NE(again.message().find("'epoch' is already set (to '600')"), std::string::npos) << again;
  EXPECT_FALSE(AddMetadata(proto, "noise_low", "0").ok());
  EXPECT_FALSE(AddMetadata(proto, "", "x").ok());
}

TEST(OnnxExportTest, CheckerRefusesABrokenModel) {
  TrainedModel model = PaperModel();
  onnx::ModelProto proto = ExportGenerator(model, kMnistShape).value();
  proto.mutable_graph()->mutable_node(0)->set_input(1, "no_such_weight");  // an input nothing defines
  EXPECT_FALSE(CheckModel(proto).ok());
}

TEST(OnnxExportTest, GeneratorInOnnxRuntimeMatchesOurForward) {
  TrainedModel model = PaperModel();
  const std::string path = TempPath("generator.onnx");
  ASSERT_TRUE(WriteModel(ExportGenerator(model, kMnistShape).value(), path).ok());
  for (int64_t rows : {1, 7, 100}) {
    Rng rng(rows);
    const std::vector<float> z = DrawNoise(model.experiment, rng, rows);
    const std::vector<float> ours = model.generator->Infer(z.data(), rows);
    const RuntimeResult result = Compare(path, "z", z, rows, 100, "x", ours);
    EXPECT_GE(result.max_abs_diff, 0.0) << "batch " << rows;
    EXPECT_LE(result.max_abs_diff, 1e-5) << "batch " << rows;
  }
}

TEST(OnnxExportTest, EncoderInOnnxRuntimeMatchesOurForward) {
  TrainedModel model = InitialModelWithRandomBiases("experiments/mnist_inference.pbtxt", -0.5f, 0.5f, 5);
  const onnx::ModelProto proto = ExportEncoder(model, kMnistShape).value();
  ASSERT_TRUE(CheckModel(proto).ok()) << CheckModel(proto);
  std::map<std::string, std::string> metadata;
  for (const auto& entry : proto.metadata_props()) metadata[entry.key()] = entry.value();
  EXPECT_EQ(metadata["network"], "encoder");
  EXPECT_EQ(metadata["generator_sha256"], "5ca1ab1e");
  EXPECT_EQ(metadata["noise_distribution"], "uniform");
  EXPECT_EQ(metadata["noise_dim"], "100");
  const std::string path = TempPath("encoder.onnx");
  ASSERT_TRUE(WriteModel(proto, path).ok());
  for (int64_t rows : {1, 7, 100}) {
    Rng rng(rows);
    std::vector<float> x(rows * 784);
    rng.FillUniform(x.data(), static_cast<int64_t>(x.size()), 0.0f, 1.0f);
    const std::vector<float> ours = model.encoder->Infer(x.data(), rows);
    const RuntimeResult result = Compare(path, "x", x, rows, 784, "z", ours);
    EXPECT_GE(result.max_abs_diff, 0.0) << "batch " << rows;
    EXPECT_LE(result.max_abs_diff, 1e-4) << "batch " << rows;
  }
  TrainedModel gan = PaperModel();
  EXPECT_EQ(ExportEncoder(gan, kMnistShape).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(OnnxExportTest, SemiSupervisedModelExportsItsGeneratorOnly) {
  TrainedModel model = InitialModelWithRandomBiases("experiments/mnist_semi_supervised.pbtxt", -0.5f, 0.5f, 6);
  EXPECT_TRUE(ExportGenerator(model, kMnistShape).ok());
  EXPECT_EQ(ExportDiscriminator(model, kMnistShape).status().code(), absl::StatusCode::kUnimplemented);
}

TEST(OnnxExportTest, DiscriminatorInOnnxRuntimeMatchesOurForward) {
  TrainedModel model = PaperModel();
  const onnx::ModelProto proto = ExportDiscriminator(model, kMnistShape).value();
  ASSERT_TRUE(CheckModel(proto).ok()) << CheckModel(proto);
  const std::string path = TempPath("discriminator.onnx");
  ASSERT_TRUE(WriteModel(proto, path).ok());
  for (int64_t rows : {1, 7, 100}) {
    std::vector<float> x(rows * 784);
    Rng(rows + 10).FillUniform(x.data(), static_cast<int64_t>(x.size()), 0.0f, 1.0f);
    const std::vector<float> logits = model.discriminator->Infer(x.data(), rows);
    const RuntimeResult result = Compare(path, "x", x, rows, 784, "logit", logits);
    EXPECT_GE(result.max_abs_diff, 0.0) << "batch " << rows;
    EXPECT_LE(result.max_abs_diff, 1e-5) << "batch " << rows;
  }
}

// A weight-normalised G exports W = scale v / |v| as its forward computes it,
// also when its scales were set after its last forward (as a checkpoint read
// back sets them).
TEST(OnnxExportTest, WeightNormalisedGeneratorInOnnxRuntimeMatchesOurForward) {
  TrainedModel model = PaperModel();
  for (proto::Layer& layer : *model.experiment.mutable_generator()->mutable_layers()) {
    if (layer.has_linear()) layer.mutable_linear()->set_weight_norm(true);
  }
  const std::vector<float> mean(784, 0.2f);
  model.generator = BuildMlp(model.experiment.generator(), GeneratorInputShape(model.experiment), 1, &mean).value();
  Rng scales(8);
  for (const ParameterRef& p : model.generator->Parameters()) {
    if (p.name.find(".scale") != std::string::npos) scales.FillUniform(p.value, p.size, 0.5f, 2.0f);
  }
  const std::string path = TempPath("weight_norm_generator.onnx");
  ASSERT_TRUE(WriteModel(ExportGenerator(model, kMnistShape).value(), path).ok());
  Rng rng(9);
  const std::vector<float> z = DrawNoise(model.experiment, rng, 7);
  const RuntimeResult result = Compare(path, "z", z, 7, 100, "x", model.generator->Infer(z.data(), 7));
  EXPECT_GE(result.max_abs_diff, 0.0);
  EXPECT_LE(result.max_abs_diff, 1e-5);
}

// Salimans et al.'s G (experiments/mnist_semi_supervised.pbtxt): batch
// normalisation with softplus units exports as our inference forward computes
// it, from the running averages (drawn here away from their initial values,
// as are the shifts and the scales).
TEST(OnnxExportTest, BatchNormalisedGeneratorInOnnxRuntimeMatchesOurForward) {
  TrainedModel model = InitialModelWithRandomBiases("experiments/mnist_semi_supervised.pbtxt", -0.5f, 0.5f, 4);
  Rng rng(10);
  int batch_norm_tensors = 0;
  for (const ParameterRef& p : model.generator->Parameters()) {
    if (p.name.find("batch_norm.") == std::string::npos) continue;
    ++batch_norm_tensors;
    const bool positive = p.name.find("scale") != std::string::npos || p.name.find("variance") != std::string::npos;
    rng.FillUniform(p.value, p.size, positive ? 0.2f : -1.0f, positive ? 3.0f : 1.0f);
  }
  ASSERT_EQ(batch_norm_tensors, 8);
  const std::string path = TempPath("batch_norm_generator.onnx");
  const onnx::ModelProto proto = ExportGenerator(model, kMnistShape).value();
  ASSERT_TRUE(CheckModel(proto).ok()) << CheckModel(proto);
  ASSERT_TRUE(WriteModel(proto, path).ok());
  for (int64_t rows : {1, 7}) {
    const std::vector<float> z = DrawNoise(model.experiment, rng, rows);
    const RuntimeResult result = Compare(path, "z", z, rows, 100, "x", model.generator->Infer(z.data(), rows));
    EXPECT_GE(result.max_abs_diff, 0.0) << "batch " << rows;
    EXPECT_LE(result.max_abs_diff, 1e-5) << "batch " << rows;
  }
}

TEST(OnnxExportTest, ComparisonDetectsADifferentModel) {
  // The runtime check must be able to fail: a generator with one weight
  // changed after export no longer matches.
  TrainedModel model = PaperModel();
  const std::string path = TempPath("stale.onnx");
  ASSERT_TRUE(WriteModel(ExportGenerator(model, kMnistShape).value(), path).ok());
  model.generator->Parameters()[0].value[0] += 1.0f;
  Rng rng(5);
  const std::vector<float> z = DrawNoise(model.experiment, rng, 7);
  const RuntimeResult result = Compare(path, "z", z, 7, 100, "x", model.generator->Infer(z.data(), 7));
  EXPECT_GT(result.max_abs_diff, 1e-5);
}

TEST(OnnxExportTest, UnwritablePathIsAnErrorAndLeavesNothing) {
  TrainedModel model = PaperModel();
  const onnx::ModelProto proto = ExportGenerator(model, kMnistShape).value();
  const absl::Status status = WriteModel(proto, "/nonexistent/dir/g.onnx");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(std::string(status.message()).find("/nonexistent/dir/g.onnx"), std::string::npos) << status;
  std::ifstream left("/nonexistent/dir/g.onnx.tmp");
  EXPECT_FALSE(left.good());
}

// The authors' convolutional CIFAR-10 G and D (experiments/cifar10_conv.pbtxt:
// Linear, Reshape, ConvTranspose with an untied bias; Conv, the maxout
// grouping, MaxPool in ceil mode, Gemm), initial weights and random biases,
// through the checker and in ONNX Runtime at batch 1, 7 and 128 (the
// experiment's batch).
TEST(OnnxExportTest, ConvolutionalModelInOnnxRuntimeMatchesOurForward) {
  const data::ImageShape cifar10{3, 32, 32};
  TrainedModel model = InitialModelWithRandomBiases("experiments/cifar10_conv.pbtxt", -0.5f, 0.5f, 3);
  const onnx::ModelProto generator = ExportGenerator(model, cifar10).value();
  const onnx::ModelProto discriminator = ExportDiscriminator(model, cifar10).value();
  ASSERT_TRUE(CheckModel(generator).ok()) << CheckModel(generator);
  ASSERT_TRUE(CheckModel(discriminator).ok()) << CheckModel(discriminator);
  std::map<std::string, int> ops;
  for (const onnx::ModelProto* proto : {&generator, &discriminator}) {
    for (const onnx::NodeProto& node : proto->graph().node()) ++ops[node.op_type()];
  }
  EXPECT_EQ(ops["ConvTranspose"], 1);
  EXPECT_EQ(ops["Conv"], 3);
  EXPECT_EQ(ops["MaxPool"], 3);
  const std::string g_path = TempPath("conv_generator.onnx"), d_path = TempPath("conv_discriminator.onnx");
  ASSERT_TRUE(WriteModel(generator, g_path).ok());
  ASSERT_TRUE(WriteModel(discriminator, d_path).ok());
  for (int64_t rows : {1, 7, 128}) {
    Rng noise(rows);
    const std::vector<float> z = DrawNoise(model.experiment, noise, rows);
    const std::vector<float> images = model.generator->Infer(z.data(), rows);
    const RuntimeResult g = Compare(g_path, "z", z, rows, 100, "x", images);
    EXPECT_GE(g.max_abs_diff, 0.0) << "batch " << rows;
    EXPECT_LE(g.max_abs_diff, 1e-5) << "generator, batch " << rows;
    const std::vector<float> logits = model.discriminator->Infer(images.data(), rows);
    const RuntimeResult d = Compare(d_path, "x", images, rows, cifar10.size(), "logit", logits);
    EXPECT_GE(d.max_abs_diff, 0.0) << "batch " << rows;
    EXPECT_LE(d.max_abs_diff, 1e-5) << "discriminator, batch " << rows;
  }
}

// The variational autoencoder's decoder (experiments/mnist_vae.pbtxt) is
// exported as a generator of its prior's codes; an autoencoder has no
// discriminator, and a plain one no prior, so neither is exported.
TEST(OnnxExportTest, VariationalDecoderInOnnxRuntimeMatchesOurForward) {
  TrainedModel model = InitialModelWithRandomBiases("experiments/mnist_vae.pbtxt", -0.5f, 0.5f, 4);
  const onnx::ModelProto proto = ExportGenerator(model, kMnistShape).value();
  ASSERT_TRUE(CheckModel(proto).ok()) << CheckModel(proto);
  const std::string path = TempPath("vae_decoder.onnx");
  ASSERT_TRUE(WriteModel(proto, path).ok());
  for (int64_t rows : {1, 7, 100}) {
    Rng noise(rows);
    const std::vector<float> z = DrawNoise(model.experiment, noise, rows);
    const std::vector<float> ours = model.generator->Infer(z.data(), rows);
    const RuntimeResult result = Compare(path, "z", z, rows, model.experiment.noise_dim(), "x", ours);
    EXPECT_GE(result.max_abs_diff, 0.0) << "batch " << rows;
    EXPECT_LE(result.max_abs_diff, 1e-5) << "batch " << rows;
  }
  EXPECT_EQ(ExportDiscriminator(model, kMnistShape).status().code(), absl::StatusCode::kFailedPrecondition);
  model.experiment.mutable_autoencoder()->set_kind(proto::Autoencoder::PLAIN);
  EXPECT_EQ(ExportGenerator(model, kMnistShape).status().code(), absl::StatusCode::kFailedPrecondition);
}

// Splits rows of `columns` values into their first `first` columns and the rest.
std::pair<std::vector<float>, std::vector<float>> SplitColumns(const std::vector<float>& rows, int64_t columns, int64_t first) {
  std::pair<std::vector<float>, std::vector<float>> parts;
  for (size_t r = 0; r < rows.size() / columns; ++r) {
    const float* row = rows.data() + r * columns;
    parts.first.insert(parts.first.end(), row, row + first);
    parts.second.insert(parts.second.end(), row + first, row + columns);
  }
  return parts;
}

// A conditional G takes the noise z and the one-hot class y as two inputs,
// and D the image x and y; ONNX Runtime computes from them what our forward
// computes from the rows it reads in training (the noise or the image
// followed by y).
void ExpectConditionalNetsTakeTheClassAsASecondInput(const std::string& experiment_file) {
  SCOPED_TRACE(experiment_file);
  TrainedModel model = InitialModelWithRandomBiases(experiment_file, -0.5f, 0.5f, 3);
  const int64_t noise_dim = model.experiment.noise_dim(), classes = ConditionClasses(model.experiment);
  ASSERT_EQ(classes, 10);
  const onnx::ModelProto g = ExportGenerator(model, kMnistShape).value();
  const onnx::ModelProto d = ExportDiscriminator(model, kMnistShape).value();
  for (const onnx::ModelProto* proto : {&g, &d}) {
    ASSERT_TRUE(CheckModel(*proto).ok()) << CheckModel(*proto);
    ASSERT_EQ(proto->graph().input_size(), 2);
    EXPECT_EQ(proto->graph().input(1).name(), "y");
    EXPECT_EQ(proto->graph().input(1).type().tensor_type().shape().dim(1).dim_value(), classes);
    std::map<std::string, std::string> metadata;
    for (const auto& entry : proto->metadata_props()) metadata[entry.key()] = entry.value();
    EXPECT_EQ(metadata["condition_classes"], "10");
    EXPECT_EQ(metadata["input.y"], "the class, one-hot over 10 classes");
  }
  EXPECT_EQ(g.graph().input(0).name(), "z");
  EXPECT_EQ(g.graph().input(0).type().tensor_type().shape().dim(1).dim_value(), noise_dim);
  EXPECT_EQ(d.graph().input(0).name(), "x");
  const std::string g_path = TempPath("conditional_generator.onnx"), d_path = TempPath("conditional_discriminator.onnx");
  ASSERT_TRUE(WriteModel(g, g_path).ok());
  ASSERT_TRUE(WriteModel(d, d_path).ok());

  for (int64_t rows : {1, 7, 100}) {
    std::vector<int32_t> labels;
    for (int64_t i = 0; i < rows; ++i) labels.push_back(static_cast<int32_t>((i * 3 + rows) % classes));
    Rng noise(rows);
    const std::vector<float> g_rows = DrawNoise(model.experiment, noise, rows, labels);
    const std::vector<float> images = model.generator->Infer(g_rows.data(), rows);
    const auto [z, y] = SplitColumns(g_rows, noise_dim + classes, noise_dim);
    absl::StatusOr<RuntimeResult> result = RunInOnnxRuntime(
        g_path, {{"z", z, {rows, noise_dim}}, {"y", y, {rows, classes}}}, "x", &images);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_GE(result->max_abs_diff, 0.0) << "batch " << rows;
    EXPECT_LE(result->max_abs_diff, 1e-5) << "generator, batch " << rows;

    // D reads each image followed by its class.
    std::vector<float> d_rows;
    for (int64_t r = 0; r < rows; ++r) {
      d_rows.insert(d_rows.end(), images.begin() + r * kMnistShape.size(), images.begin() + (r + 1) * kMnistShape.size());
      d_rows.insert(d_rows.end(), y.begin() + r * classes, y.begin() + (r + 1) * classes);
    }
    const std::vector<float> logits = model.discriminator->Infer(d_rows.data(), rows);
    result = RunInOnnxRuntime(d_path, {{"x", images, {rows, kMnistShape.size()}}, {"y", y, {rows, classes}}}, "logit", &logits);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_LE(result->max_abs_diff, 1e-5) << "discriminator, batch " << rows;
  }

  // The class matters: the same noise under another class gives another image.
  Rng class_noise(5);
  std::vector<float> g_rows = DrawNoise(model.experiment, class_noise, 2, {0, 1});
  std::copy(g_rows.begin(), g_rows.begin() + noise_dim, g_rows.begin() + noise_dim + classes);
  const auto [z, y] = SplitColumns(g_rows, noise_dim + classes, noise_dim);
  absl::StatusOr<RuntimeResult> two = RunInOnnxRuntime(g_path, {{"z", z, {2, noise_dim}}, {"y", y, {2, classes}}}, "x", nullptr);
  ASSERT_TRUE(two.ok()) << two.status();
  float difference = 0.0f;
  for (int64_t i = 0; i < kMnistShape.size(); ++i) difference += std::abs(two->output[i] - two->output[kMnistShape.size() + i]);
  EXPECT_GT(difference, 1e-3f);
}

// G reads z and y side by side; D joins x and y in its first layer.
TEST(OnnxExportTest, ConditionalNetsTakeTheClassAsASecondInputInOnnxRuntime) {
  ExpectConditionalNetsTakeTheClassAsASecondInput("experiments/mnist_conditional.pbtxt");
}

// Both nets join their inputs in the first layer (Mirza and Osindero's nets).
TEST(OnnxExportTest, JoinedConditionalNetsTakeTheClassAsASecondInputInOnnxRuntime) {
  ExpectConditionalNetsTakeTheClassAsASecondInput("experiments/mnist_conditional_mirza_osindero.pbtxt");
}

// An inpainter's G takes z, the observed image and the mask and gives the
// completion; its D takes an image, the observed image and the mask. Both in
// ONNX Runtime against our forward (and our completion) at several batches,
// with the observed images' missing pixels not zeroed: the graph ignores them.
TEST(OnnxExportTest, InpainterTakesNoiseObservedImageAndMaskInOnnxRuntime) {
  TrainedModel model = InitialModelWithRandomBiases("experiments/mnist_inpainting.pbtxt", -0.5f, 0.5f, 4);
  const int64_t noise_dim = model.experiment.noise_dim(), dim = kMnistShape.size();
  const onnx::ModelProto g = ExportGenerator(model, kMnistShape).value();
  const onnx::ModelProto d = ExportDiscriminator(model, kMnistShape).value();
  for (const onnx::ModelProto* proto : {&g, &d}) {
    ASSERT_TRUE(CheckModel(*proto).ok()) << CheckModel(*proto);
    ASSERT_EQ(proto->graph().input_size(), 3);
    EXPECT_EQ(proto->graph().input(1).name(), "observed");
    EXPECT_EQ(proto->graph().input(2).name(), "mask");
    std::map<std::string, std::string> metadata;
    for (const auto& entry : proto->metadata_props()) metadata[entry.key()] = entry.value();
    EXPECT_FALSE(metadata["input.observed"].empty());
    EXPECT_EQ(metadata["input.mask"], "1 where a pixel is missing (to be completed), 0 where it is observed");
  }
  const std::string g_path = TempPath("inpainting_generator.onnx"), d_path = TempPath("inpainting_discriminator.onnx");
  ASSERT_TRUE(WriteModel(g, g_path).ok());
  ASSERT_TRUE(WriteModel(d, d_path).ok());
  for (int64_t rows : {1, 7, 100}) {
    std::vector<float> images(rows * dim), masks(rows * dim);
    Rng draws(rows);
    draws.FillUniform(images.data(), rows * dim, 0.0f, 1.0f);
    for (int64_t i = 0; i < rows; ++i) DrawTrainingMask(draws, 28, 28, masks.data() + i * dim);
    const std::vector<float> g_rows = InputsForMasks(model.experiment, draws, images.data(), masks.data(), rows);
    const std::vector<float> generated = model.generator->Infer(g_rows.data(), rows);
    const std::vector<float> completions = CompleteRows(model.experiment, g_rows.data(), generated.data(), rows);
    const std::vector<float> z = SplitColumns(g_rows, noise_dim + 2 * dim, noise_dim).first;
    absl::StatusOr<RuntimeResult> result = RunInOnnxRuntime(
        g_path, {{"z", z, {rows, noise_dim}}, {"observed", images, {rows, dim}}, {"mask", masks, {rows, dim}}}, "x", &completions);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_LE(result->max_abs_diff, 1e-5) << "generator, batch " << rows;

    // D reads each completion, then its condition (G's input after z).
    std::vector<float> d_rows;
    for (int64_t r = 0; r < rows; ++r) {
      d_rows.insert(d_rows.end(), completions.begin() + r * dim, completions.begin() + (r + 1) * dim);
      const auto condition = g_rows.begin() + r * (noise_dim + 2 * dim) + noise_dim;
      d_rows.insert(d_rows.end(), condition, condition + 2 * dim);
    }
    const std::vector<float> logits = model.discriminator->Infer(d_rows.data(), rows);
    result = RunInOnnxRuntime(
        d_path, {{"x", completions, {rows, dim}}, {"observed", images, {rows, dim}}, {"mask", masks, {rows, dim}}}, "logit", &logits);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_LE(result->max_abs_diff, 1e-5) << "discriminator, batch " << rows;
  }
}

TEST(OnnxExportTest, WrongImageShapeIsRefused) {
  TrainedModel model = PaperModel();
  EXPECT_FALSE(ExportGenerator(model, data::ImageShape{3, 32, 32}).ok());
}

}  // namespace
}  // namespace gan::exporter
