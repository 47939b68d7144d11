// OnnxGenerator runs generators from ONNX files in ONNX Runtime: our own
// exports (the paper's MNIST G, the convolutional CIFAR-10 G) to our forward's
// values, PyTorch's exports to PyTorch's outputs, and graphs in the forms
// PyTorch exports (built here with ONNX's own protobuf API) to values this
// test computes directly from the operators' definitions; it honours a fixed batch dimension and an output range, and
// refuses files that are not generators with messages that name the problem.
#include "export/onnx_generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/file_bytes.h"
#include "export/onnx_export.h"
#include "export/test_models.h"
#include "gan/spec/noise.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"

namespace gan::exporter {
namespace {

std::string TempPath(const std::string& name) { return std::string(std::getenv("TEST_TMPDIR")) + "/" + name; }

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
  return worst;
}

std::vector<float> Uniform(int64_t n, float low, float high, uint64_t seed) {
  std::vector<float> values(n);
  Rng(seed).FillUniform(values.data(), n, low, high);
  return values;
}

TEST(OnnxGeneratorTest, RunsExportedGeneratorsAsOurForwardDoes) {
  struct Case {
    std::string file;
    data::ImageShape shape;
    int64_t rows;  // MNIST's 2,203 rows run in slices of 1,000, 1,000 and 203
  };
  // The conditional G takes its rows' classes as a second input, sliced with the noise.
  for (const Case& c : {Case{"experiments/mnist.pbtxt", {1, 28, 28}, 2203}, Case{"experiments/cifar10_conv.pbtxt", {3, 32, 32}, 7},
                        Case{"experiments/mnist_conditional.pbtxt", {1, 28, 28}, 1003}}) {
    TrainedModel model = InitialModelWithRandomBiases(c.file, -0.5f, 0.5f, 3);
    const int64_t classes = ConditionClasses(model.experiment);
    std::vector<int32_t> labels;
    for (int64_t i = 0; i < c.rows && classes > 0; ++i) labels.push_back(static_cast<int32_t>(i * 7 % classes));
    const std::string path = TempPath("generator.onnx");
    ASSERT_TRUE(WriteModel(ExportGenerator(model, c.shape).value(), path).ok());
    absl::StatusOr<std::unique_ptr<OnnxGenerator>> loaded = OnnxGenerator::Load(path);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_EQ((*loaded)->noise_dim(), model.experiment.noise_dim());
    EXPECT_EQ((*loaded)->classes(), classes) << c.file;
    const proto::Noise noise = (*loaded)->NoiseFromMetadata().value();
    EXPECT_EQ(noise.SerializeAsString(), model.experiment.noise().SerializeAsString()) << c.file;
    Rng rng(5);
    const std::vector<float> z = DrawNoise(model.experiment, rng, c.rows, labels);
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

// A graph in the forms torch.onnx.export writes, built node by node.
class GraphBuilder {
 public:
  GraphBuilder() {
    model_.set_ir_version(kIrVersion);
    model_.add_opset_import()->set_version(kOpsetVersion);
    model_.set_producer_name("onnx_generator_test");
    model_.mutable_graph()->set_name("generator");
  }

  // An input or output of the graph; a dimension of -1 is the free "batch".
  void Input(const std::string& name, const std::vector<int64_t>& dims) { Declare(graph()->add_input(), name, dims); }
  void Output(const std::string& name, const std::vector<int64_t>& dims) { Declare(graph()->add_output(), name, dims); }

  std::string Floats(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& values) {
    onnx::TensorProto* t = graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    for (float v : values) t->add_float_data(v);
    return name;
  }
  // One dimension, or a scalar (`values` of one, scalar true).
  std::string Int64s(const std::string& name, const std::vector<int64_t>& values, bool scalar = false) {
    onnx::TensorProto* t = graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    if (!scalar) t->add_dims(static_cast<int64_t>(values.size()));
    for (int64_t v : values) t->add_int64_data(v);
    return name;
  }

  onnx::NodeProto* Node(const std::string& op, const std::vector<std::string>& inputs, const std::string& output) {
    onnx::NodeProto* node = graph()->add_node();
    node->set_op_type(op);
    node->set_name(output);
    for (const std::string& input : inputs) node->add_input(input);
    node->add_output(output);
    return node;
  }
  static void Int(onnx::NodeProto* node, const std::string& name, int64_t value) {
    onnx::AttributeProto* a = node->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
  }
  static void Ints(onnx::NodeProto* node, const std::string& name, const std::vector<int64_t>& values) {
    onnx::AttributeProto* a = node->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : values) a->add_ints(v);
  }
  static void Float(onnx::NodeProto* node, const std::string& name, float value) {
    onnx::AttributeProto* a = node->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(value);
  }
  static void String(onnx::NodeProto* node, const std::string& name, const std::string& value) {
    onnx::AttributeProto* a = node->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(value);
  }

  // Checked by the ONNX checker and strict shape inference, then written.
  std::string Write(const std::string& file) {
    const absl::Status checked = CheckModel(model_);
    EXPECT_TRUE(checked.ok()) << file << ": " << checked;
    const std::string path = TempPath(file);
    EXPECT_TRUE(WriteModel(model_, path).ok());
    return path;
  }

 private:
  onnx::GraphProto* graph() { return model_.mutable_graph(); }
  static void Declare(onnx::ValueInfoProto* value, const std::string& name, const std::vector<int64_t>& dims) {
    value->set_name(name);
    onnx::TypeProto_Tensor* tensor = value->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) {
      if (d < 0) tensor->mutable_shape()->add_dim()->set_dim_param("batch");
      else tensor->mutable_shape()->add_dim()->set_dim_value(d);
    }
  }
  onnx::ModelProto model_;
};

// eriklindernoren/PyTorch-GAN's `gan` generator in small: Linear,
// BatchNorm1d, LeakyReLU(0.2), Linear, Tanh, then img.view(img.size(0),
// 1, 28, 28), which exports as Shape, Gather, Unsqueeze and Concat feeding a
// Reshape. z [batch, 8] (batch fixed when fixed_batch > 0) -> [batch, 1, 28, 28] in [-1, 1].
struct TanhMlp {
  static constexpr int64_t kNoise = 8, kHidden = 16, kPixels = 784;
  std::vector<float> w1 = Uniform(kHidden * kNoise, -0.4f, 0.4f, 1), b1 = Uniform(kHidden, -0.2f, 0.2f, 2);
  std::vector<float> scale = Uniform(kHidden, 0.5f, 1.5f, 3), shift = Uniform(kHidden, -0.3f, 0.3f, 4);
  std::vector<float> mean = Uniform(kHidden, -0.2f, 0.2f, 5), var = Uniform(kHidden, 0.5f, 2.0f, 6);
  std::vector<float> w2 = Uniform(kPixels * kHidden, -0.3f, 0.3f, 7), b2 = Uniform(kPixels, -0.1f, 0.1f, 8);
  static constexpr float kEpsilon = 0.8f, kSlope = 0.2f;  // BatchNorm1d(16, 0.8), as that code writes it

  std::string Write(const std::string& file, int64_t fixed_batch) {
    GraphBuilder g;
    const int64_t batch = fixed_batch > 0 ? fixed_batch : -1;
    g.Input("z", {batch, kNoise});
    GraphBuilder::Int(g.Node("Gemm", {"z", g.Floats("w1", {kHidden, kNoise}, w1), g.Floats("b1", {kHidden}, b1)}, "h1"), "transB", 1);
    GraphBuilder::Float(g.Node("BatchNormalization", {"h1", g.Floats("scale", {kHidden}, scale), g.Floats("shift", {kHidden}, shift),
                                                      g.Floats("mean", {kHidden}, mean), g.Floats("var", {kHidden}, var)},
                               "bn"),
                        "epsilon", kEpsilon);
    GraphBuilder::Float(g.Node("LeakyRelu", {"bn"}, "act"), "alpha", kSlope);
    GraphBuilder::Int(g.Node("Gemm", {"act", g.Floats("w2", {kPixels, kHidden}, w2), g.Floats("b2", {kPixels}, b2)}, "h2"), "transB", 1);
    g.Node("Tanh", {"h2"}, "img");
    g.Node("Shape", {"img"}, "shape");
    GraphBuilder::Int(g.Node("Gather", {"shape", g.Int64s("zero", {0}, true)}, "rows"), "axis", 0);
    g.Node("Unsqueeze", {"rows", g.Int64s("axes", {0})}, "rows1");
    GraphBuilder::Int(g.Node("Concat", {"rows1", g.Int64s("image_dims", {1, 28, 28})}, "view"), "axis", 0);
    g.Node("Reshape", {"img", "view"}, "images");
    g.Output("images", {batch, 1, 28, 28});
    return g.Write(file);
  }

  // The same function from the operators' definitions, in double.
  std::vector<float> Expected(const std::vector<float>& z, int64_t rows) const {
    std::vector<float> out(rows * kPixels);
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<double> h(kHidden);
      for (int64_t j = 0; j < kHidden; ++j) {
        double s = b1[j];
        for (int64_t i = 0; i < kNoise; ++i) s += static_cast<double>(z[r * kNoise + i]) * w1[j * kNoise + i];
        s = (s - mean[j]) / std::sqrt(static_cast<double>(var[j]) + kEpsilon) * scale[j] + shift[j];
        h[j] = s >= 0 ? s : kSlope * s;
      }
      for (int64_t p = 0; p < kPixels; ++p) {
        double s = b2[p];
        for (int64_t j = 0; j < kHidden; ++j) s += h[j] * w2[p * kHidden + j];
        out[r * kPixels + p] = static_cast<float>(std::tanh(s));
      }
    }
    return out;
  }
};

// A DCGAN-style generator in small, as PyTorch-GAN's `dcgan` builds one:
// Linear, view to [batch, 2, 7, 7], Upsample(scale_factor=2) (Resize,
// nearest), Conv 3 x 3 with padding 1, Sigmoid: z [batch, 8] -> [batch, 1, 14, 14].
struct UpsampleConv {
  static constexpr int64_t kNoise = 8, kChannels = 2, kSide = 7, kOut = 14;
  std::vector<float> w = Uniform(kChannels * kSide * kSide * kNoise, -0.4f, 0.4f, 11), b = Uniform(kChannels * kSide * kSide, -0.2f, 0.2f, 12);
  std::vector<float> kernel = Uniform(kChannels * 9, -0.5f, 0.5f, 13), bias = Uniform(1, -0.2f, 0.2f, 14);

  std::string Write(const std::string& file) {
    GraphBuilder g;
    g.Input("z", {-1, kNoise});
    GraphBuilder::Int(g.Node("Gemm", {"z", g.Floats("w", {kChannels * kSide * kSide, kNoise}, w), g.Floats("b", {kChannels * kSide * kSide}, b)}, "h"),
                      "transB", 1);
    g.Node("Reshape", {"h", g.Int64s("to_image", {-1, kChannels, kSide, kSide})}, "small");
    onnx::NodeProto* resize = g.Node("Resize", {"small", "", g.Floats("scales", {4}, {1, 1, 2, 2})}, "large");
    GraphBuilder::String(resize, "mode", "nearest");
    GraphBuilder::String(resize, "coordinate_transformation_mode", "asymmetric");
    GraphBuilder::String(resize, "nearest_mode", "floor");
    onnx::NodeProto* conv = g.Node("Conv", {"large", g.Floats("kernel", {1, kChannels, 3, 3}, kernel), g.Floats("bias", {1}, bias)}, "conv");
    GraphBuilder::Ints(conv, "kernel_shape", {3, 3});
    GraphBuilder::Ints(conv, "pads", {1, 1, 1, 1});
    g.Node("Sigmoid", {"conv"}, "images");
    g.Output("images", {-1, 1, kOut, kOut});
    return g.Write(file);
  }

  std::vector<float> Expected(const std::vector<float>& z, int64_t rows) const {
    std::vector<float> out(rows * kOut * kOut);
    const int64_t small_size = kChannels * kSide * kSide;
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<double> small(small_size);
      for (int64_t o = 0; o < small_size; ++o) {
        small[o] = b[o];
        for (int64_t i = 0; i < kNoise; ++i) small[o] += static_cast<double>(z[r * kNoise + i]) * w[o * kNoise + i];
      }
      for (int64_t y = 0; y < kOut; ++y) {
        for (int64_t x = 0; x < kOut; ++x) {
          double s = bias[0];
          for (int64_t c = 0; c < kChannels; ++c) {
            for (int64_t u = 0; u < 3; ++u) {
              for (int64_t v = 0; v < 3; ++v) {
                const int64_t yy = y + u - 1, xx = x + v - 1;
                if (yy < 0 || yy >= kOut || xx < 0 || xx >= kOut) continue;
                s += small[(c * kSide + yy / 2) * kSide + xx / 2] * kernel[(c * 3 + u) * 3 + v];  // nearest: pixel (yy, xx) of the upsampled image
              }
            }
          }
          out[(r * kOut + y) * kOut + x] = static_cast<float>(1.0 / (1.0 + std::exp(-s)));
        }
      }
    }
    return out;
  }
};

// The DCGAN paper's form: z as [batch, 8, 1, 1] into ConvTranspose 7 x 7
// (-> [batch, 3, 7, 7]), ReLU, ConvTranspose 4 x 4 with stride 4
// (-> [batch, 1, 28, 28]), Sigmoid.
struct NoiseAsImage {
  static constexpr int64_t kNoise = 8, kChannels = 3;
  std::vector<float> w1 = Uniform(kNoise * kChannels * 49, -0.4f, 0.4f, 21), b1 = Uniform(kChannels, -0.2f, 0.2f, 22);
  std::vector<float> w2 = Uniform(kChannels * 16, -0.5f, 0.5f, 23);

  std::string Write(const std::string& file) {
    GraphBuilder g;
    g.Input("z", {-1, kNoise, 1, 1});
    GraphBuilder::Ints(g.Node("ConvTranspose", {"z", g.Floats("w1", {kNoise, kChannels, 7, 7}, w1), g.Floats("b1", {kChannels}, b1)}, "up1"),
                       "kernel_shape", {7, 7});
    g.Node("Relu", {"up1"}, "act");
    onnx::NodeProto* up2 = g.Node("ConvTranspose", {"act", g.Floats("w2", {kChannels, 1, 4, 4}, w2)}, "up2");
    GraphBuilder::Ints(up2, "kernel_shape", {4, 4});
    GraphBuilder::Ints(up2, "strides", {4, 4});
    g.Node("Sigmoid", {"up2"}, "images");
    g.Output("images", {-1, 1, 28, 28});
    return g.Write(file);
  }

  std::vector<float> Expected(const std::vector<float>& z, int64_t rows) const {
    std::vector<float> out(rows * 784);
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<double> act(kChannels * 49);
      for (int64_t m = 0; m < kChannels; ++m) {
        for (int64_t p = 0; p < 49; ++p) {
          double s = b1[m];
          for (int64_t c = 0; c < kNoise; ++c) s += static_cast<double>(z[r * kNoise + c]) * w1[(c * kChannels + m) * 49 + p];
          act[m * 49 + p] = std::max(s, 0.0);
        }
      }
      for (int64_t y = 0; y < 28; ++y) {
        for (int64_t x = 0; x < 28; ++x) {
          double s = 0;  // each output pixel comes from one input pixel: the kernel and the stride are equal
          for (int64_t c = 0; c < kChannels; ++c) s += act[(c * 7 + y / 4) * 7 + x / 4] * w2[c * 16 + (y % 4) * 4 + x % 4];
          out[r * 784 + y * 28 + x] = static_cast<float>(1.0 / (1.0 + std::exp(-s)));
        }
      }
    }
    return out;
  }
};

TEST(OnnxGeneratorTest, RunsGraphsInPyTorchsFormsToTheirDefinitions) {
  const int64_t rows = 37;
  const std::vector<float> z = Uniform(rows * 8, -1.0f, 1.0f, 99);
  TanhMlp tanh_mlp;
  UpsampleConv upsample_conv;
  NoiseAsImage noise_as_image;
  struct Case {
    std::string path;
    std::vector<float> expected;  // in the model's own range
    OutputRange range;
  };
  const std::vector<Case> cases = {
      {tanh_mlp.Write("tanh_mlp.onnx", 0), tanh_mlp.Expected(z, rows), {-1, 1}},
      {tanh_mlp.Write("tanh_mlp_batch16.onnx", 16), tanh_mlp.Expected(z, rows), {-1, 1}},  // 37 rows: 16, 16, and 5 filled up to 16
      {upsample_conv.Write("upsample_conv.onnx"), upsample_conv.Expected(z, rows), {0, 1}},
      {noise_as_image.Write("noise_as_image.onnx"), noise_as_image.Expected(z, rows), {0, 1}},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::unique_ptr<OnnxGenerator>> loaded = OnnxGenerator::Load(c.path);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_EQ((*loaded)->noise_dim(), 8) << c.path;
    absl::StatusOr<std::vector<float>> samples = (*loaded)->Run(z.data(), rows, c.range);
    ASSERT_TRUE(samples.ok()) << samples.status();
    ASSERT_EQ(samples->size(), c.expected.size()) << c.path;
    std::vector<float> mapped = c.expected;
    for (float& v : mapped) v = static_cast<float>((v - c.range.low) / (c.range.high - c.range.low));
    EXPECT_LE(MaxAbsDiff(*samples, mapped), 1e-5) << c.path;
    // In [0, 1] after the mapping, and not all the same image.
    EXPECT_GE(*std::min_element(samples->begin(), samples->end()), 0.0f) << c.path;
    EXPECT_LE(*std::max_element(samples->begin(), samples->end()), 1.0f) << c.path;
    EXPECT_GT(MaxAbsDiff(std::vector<float>(samples->begin(), samples->begin() + samples->size() / rows),
                         std::vector<float>(samples->end() - samples->size() / rows, samples->end())),
              1e-2)
        << c.path;
  }
}

std::vector<float> ReadFloats(const std::string& path) {
  const std::string bytes = base::ReadFileBytes(path).value();
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

// Files torch.onnx.export wrote (export/testdata/make_pytorch_fixtures.py,
// PyTorch 1.13, opset 13: Constant nodes, BatchNormalization in 1-D and 2-D,
// Resize, the view's Shape chain, a batch fixed at 16), run to PyTorch's own
// outputs for the same noise.
TEST(OnnxGeneratorTest, RunsPyTorchsExportsToPyTorchsOutputs) {
  struct Fixture {
    std::string name;
    OutputRange range;  // the last layer's: Tanh or Sigmoid
  };
  for (const Fixture& f : {Fixture{"pytorch_gan", {-1, 1}}, Fixture{"pytorch_dcgan_batch16", {-1, 1}}, Fixture{"pytorch_noise_as_image", {0, 1}}}) {
    const std::string base = "export/testdata/" + f.name;
    const std::vector<float> z = ReadFloats(base + ".z.f32"), torch = ReadFloats(base + ".x.f32");
    absl::StatusOr<std::unique_ptr<OnnxGenerator>> loaded = OnnxGenerator::Load(base + ".onnx");
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    const int64_t rows = static_cast<int64_t>(z.size()) / (*loaded)->noise_dim();
    ASSERT_EQ(rows, 37) << f.name;
    absl::StatusOr<std::vector<float>> samples = (*loaded)->Run(z.data(), rows, f.range);
    ASSERT_TRUE(samples.ok()) << samples.status();
    ASSERT_EQ(samples->size(), torch.size()) << f.name;
    std::vector<float> mapped = torch;
    for (float& v : mapped) v = static_cast<float>((v - f.range.low) / (f.range.high - f.range.low));
    EXPECT_LE(MaxAbsDiff(*samples, mapped), 1e-5) << f.name;
    // The rows differ from each other by far more than that.
    EXPECT_GT(MaxAbsDiff(std::vector<float>(samples->begin(), samples->begin() + 784), std::vector<float>(samples->end() - 784, samples->end())),
              1e-3)
        << f.name;
  }
}

TEST(OnnxGeneratorTest, OutputRangeFromTheFlagOrTheMetadata) {
  EXPECT_NEAR(ParseOutputRange("-1,1", "--output_range").value().low, -1.0, 0);
  EXPECT_NEAR(ParseOutputRange("-1,1", "--output_range").value().high, 1.0, 0);
  for (const char* bad : {"1,1", "1,-1", "-1", "a,b", "0,1,2", ""}) {
    const absl::StatusOr<OutputRange> refused = ParseOutputRange(bad, "--output_range");
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.status().message().find(absl::StrCat("--output_range: '", bad, "'")), std::string::npos) << refused.status();
  }
  // Our exports declare none: [0, 1].
  TrainedModel model = InitialModelWithRandomBiases("experiments/mnist.pbtxt", -0.5f, 0.5f, 3);
  onnx::ModelProto proto = ExportGenerator(model, {1, 28, 28}).value();
  const std::string plain = TempPath("plain.onnx");
  ASSERT_TRUE(WriteModel(proto, plain).ok());
  const OutputRange range = OnnxGenerator::Load(plain).value()->OutputRangeFromMetadata().value();
  EXPECT_EQ(range.low, 0.0);
  EXPECT_EQ(range.high, 1.0);
  ASSERT_TRUE(AddMetadata(proto, "output_range", "-1,1").ok());
  const std::string tanh = TempPath("declared.onnx");
  ASSERT_TRUE(WriteModel(proto, tanh).ok());
  EXPECT_EQ(OnnxGenerator::Load(tanh).value()->OutputRangeFromMetadata().value().low, -1.0);
  onnx::ModelProto broken = ExportGenerator(model, {1, 28, 28}).value();
  ASSERT_TRUE(AddMetadata(broken, "output_range", "minus one to one").ok());
  const std::string malformed = TempPath("malformed.onnx");
  ASSERT_TRUE(WriteModel(broken, malformed).ok());
  const absl::StatusOr<OutputRange> refused = OnnxGenerator::Load(malformed).value()->OutputRangeFromMetadata();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("metadata output_range: 'minus one to one'"), std::string::npos) << refused.status();
}

TEST(OnnxGeneratorTest, FilesThatAreNotGeneratorsAreRefusedByName) {
  auto refusal = [](const std::string& path) {
    absl::StatusOr<std::unique_ptr<OnnxGenerator>> loaded = OnnxGenerator::Load(path);
    EXPECT_FALSE(loaded.ok()) << path;
    return loaded.ok() ? std::string() : std::string(loaded.status().message());
  };
  // Noise of rank 3, and noise [batch, 8, 2, 2].
  for (const std::vector<int64_t>& dims : {std::vector<int64_t>{-1, 8, 1}, std::vector<int64_t>{-1, 8, 2, 2}}) {
    GraphBuilder g;
    g.Input("z", dims);
    g.Node("Relu", {"z"}, "images");
    g.Output("images", dims);
    const std::string path = g.Write("bad_noise.onnx");
    const std::string message = refusal(path);
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find("the input 'z' is [batch, 8, "), std::string::npos) << message;
  }
  // Two outputs.
  GraphBuilder two;
  two.Input("z", {-1, 8});
  two.Node("Relu", {"z"}, "a");
  two.Node("Sigmoid", {"z"}, "b");
  two.Output("a", {-1, 8});
  two.Output("b", {-1, 8});
  EXPECT_NE(refusal(two.Write("two_outputs.onnx")).find("and one output (the images); this graph has 1 and 2"), std::string::npos);
  // Three inputs.
  GraphBuilder three;
  for (const char* name : {"z", "y", "w"}) three.Input(name, {-1, 8});
  three.Node("Sum", {"z", "y", "w"}, "images");
  three.Output("images", {-1, 8});
  EXPECT_NE(refusal(three.Write("three_inputs.onnx")).find("one input (the noise) or two (the noise and the class)"), std::string::npos);
  // A class input that is not [batch, classes]: rank 3, and one class.
  for (const std::vector<int64_t>& dims : {std::vector<int64_t>{-1, 10, 1}, std::vector<int64_t>{-1, 1}}) {
    GraphBuilder conditional;
    conditional.Input("z", {-1, 8});
    conditional.Input("y", dims);
    conditional.Node("Relu", {"z"}, "images");
    conditional.Output("images", {-1, 8});
    const std::string message = refusal(conditional.Write("bad_class.onnx"));
    EXPECT_NE(message.find("the class input 'y' is [batch, "), std::string::npos) << message;
    EXPECT_NE(message.find("float [batch, classes], one-hot, with 2 or more classes"), std::string::npos) << message;
  }
  // Not a model at all, and no file.
  const std::string garbage = TempPath("garbage.onnx");
  std::FILE* f = std::fopen(garbage.c_str(), "wb");
  std::fputs("not a model", f);
  std::fclose(f);
  EXPECT_NE(refusal(garbage).find(garbage), std::string::npos);
  EXPECT_NE(refusal(TempPath("missing.onnx")).find("missing.onnx"), std::string::npos);
}

TEST(OnnxGeneratorTest, RuntimeErrorsNameTheFile) {
  // The output is one row whatever the batch: not an image per row.
  GraphBuilder g;
  g.Input("z", {-1, 8});
  onnx::NodeProto* sum = g.Node("ReduceSum", {"z", g.Int64s("axes", {0})}, "images");
  GraphBuilder::Int(sum, "keepdims", 1);
  g.Output("images", {1, 8});
  const std::string path = g.Write("one_row.onnx");
  absl::StatusOr<std::unique_ptr<OnnxGenerator>> loaded = OnnxGenerator::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const std::vector<float> z = Uniform(5 * 8, -1, 1, 1);
  const absl::StatusOr<std::vector<float>> run = (*loaded)->Run(z.data(), 5);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find(path), std::string::npos) << run.status();
  EXPECT_NE(run.status().message().find("output 'images' has 1 rows for 5 input rows"), std::string::npos) << run.status();
}

}  // namespace
}  // namespace gan::exporter
