// The ONNX interpreter runs exported generators (the paper's MNIST G and the
// convolutional CIFAR-10 G) to our own forward's values, reads the noise back
// from the metadata, and refuses an operator it does not run by name.
#include "export/onnx_generator.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "export/onnx_export.h"
#include "gan/nets/build.h"
#include "gan/spec/experiment.h"
#include "gan/spec/noise.h"
#include "gan/run/trained_model.h"
#include "gtest/gtest.h"

namespace gan::exporter {
namespace {

std::string TempPath(const std::string& name) { return std::string(std::getenv("TEST_TMPDIR")) + "/" + name; }

// The experiment's G with its initial weights and random biases, and an untrained D.
TrainedModel InitialModel(const std::string& experiment_file) {
  TrainedModel model;
  model.experiment = LoadExperimentFile(experiment_file).value();
  const Shape noise = Shape::Flat(model.experiment.noise_dim());
  const Shape image = OutputShape(model.experiment.generator(), noise).value();
  const std::vector<float> mean(image.size(), 0.2f);
  model.generator = BuildMlp(model.experiment.generator(), noise, 1, &mean).value();
  model.discriminator = BuildMlp(model.experiment.discriminator(), image, 2).value();
  Rng rng(3);
  for (const ParameterRef& p : model.generator->Parameters()) {
    if (p.name.find("bias") != std::string::npos) rng.FillUniform(p.value, p.size, -0.5f, 0.5f);
  }
  return model;
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
  return worst;
}

TEST(OnnxGeneratorTest, RunsExportedGeneratorsAsOurForwardDoes) {
  struct Case {
    std::string file;
    data::ImageShape shape;
    int64_t rows;
  };
  for (const Case& c : {Case{"experiments/mnist.pbtxt", {1, 28, 28}, 1203}, Case{"experiments/cifar10_conv.pbtxt", {3, 32, 32}, 7}}) {
    TrainedModel model = InitialModel(c.file);
    const std::string path = TempPath("generator.onnx");
    ASSERT_TRUE(WriteModel(ExportGenerator(model, c.shape).value(), path).ok());
    absl::StatusOr<std::unique_ptr<OnnxGenerator>> loaded = OnnxGenerator::Load(path);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_EQ((*loaded)->noise_dim(), model.experiment.noise_dim());
    const proto::Noise noise = (*loaded)->NoiseFromMetadata().value();
    EXPECT_EQ(noise.SerializeAsString(), model.experiment.noise().SerializeAsString()) << c.file;
    Rng rng(5);
    const std::vector<float> z = DrawNoise(model.experiment, rng, c.rows);
    const std::vector<float> ours = model.generator->Infer(z.data(), c.rows);
    absl::StatusOr<std::vector<float>> theirs = (*loaded)->Run(z.data(), c.rows);
    ASSERT_TRUE(theirs.ok()) << theirs.status();
    ASSERT_EQ(theirs->size(), ours.size()) << c.file;
    EXPECT_LE(MaxAbsDiff(*theirs, ours), 1e-5) << c.file;
    // A changed weight changes the outputs: the comparison can fail.
    model.generator->Parameters()[0].value[0] += 1.0f;
    EXPECT_GT(MaxAbsDiff(*theirs, model.generator->Infer(z.data(), c.rows)), 1e-3) << c.file;
  }
}

TEST(OnnxGeneratorTest, UnknownOperatorsAndBrokenFilesAreNamed) {
  TrainedModel model = InitialModel("experiments/mnist.pbtxt");
  onnx::ModelProto proto = ExportGenerator(model, {1, 28, 28}).value();
  // Put a Tanh on the output.
  onnx::GraphProto* graph = proto.mutable_graph();
  const std::string old_output = graph->output(0).name();
  for (onnx::NodeProto& node : *graph->mutable_node()) {
    for (std::string& out : *node.mutable_output()) {
      if (out == old_output) out = "before_tanh";
    }
  }
  onnx::NodeProto* tanh = graph->add_node();
  tanh->set_op_type("Tanh");
  tanh->set_name("squash");
  tanh->add_input("before_tanh");
  tanh->add_output(old_output);
  const std::string path = TempPath("tanh.onnx");
  ASSERT_TRUE(WriteModel(proto, path).ok());
  absl::StatusOr<std::unique_ptr<OnnxGenerator>> refused = OnnxGenerator::Load(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("operator Tanh (Tanh node 'squash')"), std::string::npos) << refused.status();
  EXPECT_NE(refused.status().message().find(path), std::string::npos) << refused.status();

  const std::string garbage = TempPath("garbage.onnx");
  std::FILE* f = std::fopen(garbage.c_str(), "wb");
  std::fputs("not a model", f);
  std::fclose(f);
  absl::StatusOr<std::unique_ptr<OnnxGenerator>> broken = OnnxGenerator::Load(garbage);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find(garbage), std::string::npos) << broken.status();
  EXPECT_FALSE(OnnxGenerator::Load(TempPath("missing.onnx")).ok());
}

}  // namespace
}  // namespace gan::exporter
