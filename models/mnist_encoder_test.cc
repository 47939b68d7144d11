// The shipped MNIST encoder: E: x -> z of the shipped generator
// (experiments/mnist_inference.pbtxt). Its metadata names the generator file by
// SHA-256, and that is models/mnist_generator.onnx's; run in ONNX Runtime, the
// pair round-trips as the metadata records: E(G(z)) against z on the
// evaluation's noise, and G(E(x)) against the MNIST test images x.
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "base/file_bytes.h"
#include "base/file_digest.h"
#include "base/random.h"
#include "data/load.h"
#include "export/onnx_export.h"
#include "export/onnxruntime_runner.h"
#include "gan/spec/noise.h"
#include "gan/spec/seed_streams.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"

namespace gan {
namespace {

constexpr char kEncoder[] = "models/mnist_encoder.onnx";
constexpr char kGenerator[] = "models/mnist_generator.onnx";

double Number(const std::map<std::string, std::string>& metadata, const std::string& key) {
  double value = 0;
  const auto it = metadata.find(key);
  EXPECT_TRUE(it != metadata.end() && absl::SimpleAtod(it->second, &value)) << "metadata " << key;
  return value;
}

std::vector<float> RunModel(const std::string& model, const std::string& input, const std::vector<float>& values, int64_t rows,
                       int64_t columns, const std::string& output) {
  absl::StatusOr<exporter::RuntimeResult> run = exporter::RunInOnnxRuntime(model, {{input, values, {rows, columns}}}, output, nullptr);
  EXPECT_TRUE(run.ok()) << run.status();
  return run.ok() ? run->output : std::vector<float>{};
}

double MeanSquare(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
  return sum / static_cast<double>(a.size());
}

TEST(MnistEncoderTest, RoundTripsWithTheShippedGeneratorAsRecorded) {
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(base::ReadFileBytes(kEncoder).value())) << kEncoder;
  ASSERT_TRUE(exporter::CheckModel(model).ok()) << exporter::CheckModel(model);
  std::map<std::string, std::string> metadata;
  for (const auto& entry : model.metadata_props()) metadata[entry.key()] = entry.value();
  EXPECT_EQ(metadata["network"], "encoder");
  EXPECT_EQ(metadata["experiment"], "mnist_inference");
  for (const char* key : {"command", "epoch", "checkpoint_sha256", "generator_file"}) EXPECT_FALSE(metadata[key].empty()) << "metadata " << key;
  EXPECT_EQ(metadata["generator_sha256"], base::Sha256OfFile(kGenerator).value()) << "the encoder of another generator";

  proto::Experiment noise;
  noise.set_noise_dim(static_cast<int>(Number(metadata, "noise_dim")));
  absl::StatusOr<proto::Noise> read = NoiseFromMetadata(metadata);
  ASSERT_TRUE(read.ok()) << read.status();
  *noise.mutable_noise() = *read;

  // E(G(z)) against z, on the noise //tools:evaluate draws.
  const int64_t draws = static_cast<int64_t>(Number(metadata, "noise_rows"));
  ASSERT_GT(draws, 0);
  Rng rng(kEvaluationNoiseSeed);
  const std::vector<float> z = DrawNoise(noise, rng, draws);
  const std::vector<float> x = RunModel(kGenerator, "z", z, draws, noise.noise_dim(), "x");
  const std::vector<float> z_hat = RunModel(kEncoder, "x", x, draws, 784, "z");
  ASSERT_EQ(z_hat.size(), z.size());
  const double z_share = MeanSquare(z_hat, z) / NoiseVariance(noise.noise());
  std::fprintf(stderr, "E(G(z)) leaves %.4f of p_z's variance (recorded %s)\n", z_share, metadata["z_share_of_variance"].c_str());
  EXPECT_NEAR(z_share, Number(metadata, "z_share_of_variance"), 2e-3);
  EXPECT_LT(z_share, 0.99);  // an encoder that outputs p_z's mean leaves 1

  // G(E(x)) against the test images.
  const absl::StatusOr<data::Splits> splits = data::LoadSplits("mnist", "");
  ASSERT_TRUE(splits.ok()) << splits.status() << " (set GAN_DATA_DIR: see README)";
  const int64_t images = static_cast<int64_t>(Number(metadata, "images"));
  ASSERT_TRUE(images > 0 && images <= splits->test.rows());
  const std::vector<float> test(splits->test.pixels.begin(), splits->test.pixels.begin() + images * 784);
  const std::vector<float> codes = RunModel(kEncoder, "x", test, images, 784, "z");
  const std::vector<float> reconstructions = RunModel(kGenerator, "z", codes, images, noise.noise_dim(), "x");
  ASSERT_EQ(reconstructions.size(), test.size());
  const double pixel_error = MeanSquare(reconstructions, test);
  std::fprintf(stderr, "G(E(x)) of %lld test images: pixel squared error %.5f (recorded %s)\n", static_cast<long long>(images), pixel_error,
               metadata["pixel_squared_error"].c_str());
  EXPECT_NEAR(pixel_error, Number(metadata, "pixel_squared_error"), 2e-4);
  EXPECT_LT(pixel_error, 0.5 * Number(metadata, "chance_pixel_squared_error"));
}

}  // namespace
}  // namespace gan
