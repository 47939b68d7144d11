// The fixed generator of an inference experiment: an ONNX export reads back
// into the experiment's `generator` bit for bit, a file that differs (its
// noise, its nets, a node, a tensor, its kind) is refused by name, and a GAN
// checkpoint is read as its G. An encoder trained against a trained G recovers
// z well above chance; against the same G at its initial weights it does not.
#include "export/generator_file.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/file_bytes.h"
#include "base/file_digest.h"
#include "data/test_subsets.h"
#include "export/onnx_export.h"
#include "export/test_models.h"
#include "gan/nets/build.h"
#include "gan/run/trained_model.h"
#include "gan/run/trainer.h"
#include "gan/spec/experiment.h"
#include "gan/spec/noise.h"
#include "gan/spec/seed_streams.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"

namespace gan::exporter {
namespace {

std::string TempPath(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") + "/" + name;
}

std::vector<float> AllParameters(Mlp& net) {
  std::vector<float> all;
  for (const ParameterRef& p : net.Parameters()) all.insert(all.end(), p.value, p.value + p.size);
  return all;
}

// experiments/mnist.pbtxt's G with random biases, exported to `path`.
TrainedModel ExportedMnistGenerator(const std::string& path) {
  TrainedModel model = InitialModelWithRandomBiases("experiments/mnist.pbtxt", -0.5f, 0.5f, 4);
  onnx::ModelProto proto = ExportGenerator(model, data::ImageShape{1, 28, 28}).value();
  EXPECT_TRUE(WriteModel(proto, path).ok());
  return model;
}

proto::Experiment InferenceExperimentFor(const std::string& path) {
  proto::Experiment e = LoadExperimentFile("experiments/mnist_inference.pbtxt").value();
  e.mutable_inference()->set_generator_file(path);
  return e;
}

TEST(GeneratorFileTest, OnnxExportReadsBackBitForBit) {
  const std::string path = TempPath("g.onnx");
  TrainedModel model = ExportedMnistGenerator(path);
  absl::StatusOr<GeneratorFile> file = LoadGeneratorFile(InferenceExperimentFor(path));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(AllParameters(*file->generator), AllParameters(*model.generator));
  EXPECT_EQ(file->sha256, base::Sha256OfFile(path).value());
}

TEST(GeneratorFileTest, RefusesAFileThatDiffersNamingWhat) {
  const std::string path = TempPath("g_refused.onnx");
  ExportedMnistGenerator(path);
  const onnx::ModelProto good = [&] {
    onnx::ModelProto m;
    m.ParseFromString(base::ReadFileBytes(path).value());
    return m;
  }();
  auto refusal = [&](const proto::Experiment& e) { return std::string(LoadGeneratorFile(e).status().message()); };

  proto::Experiment other_noise = InferenceExperimentFor(path);
  other_noise.mutable_noise()->mutable_uniform()->set_low(-1);
  EXPECT_NE(refusal(other_noise).find("its noise (uniform on [-1.7320508075688772"), std::string::npos) << refusal(other_noise);
  proto::Experiment other_net = InferenceExperimentFor(path);
  other_net.mutable_generator()->mutable_layers(1)->mutable_linear()->set_activation(proto::SIGMOID);
  EXPECT_NE(refusal(other_net).find("node 3 ('layer1.relu', Relu) is not the one"), std::string::npos) << refusal(other_net);
  proto::Experiment wider = InferenceExperimentFor(path);
  wider.mutable_generator()->mutable_layers(1)->mutable_linear()->set_units(1000);
  EXPECT_NE(refusal(wider).find("'layer1.weight' and 'layer1.bias' hold 1440000 and 1200 floats"), std::string::npos) << refusal(wider);
  proto::Experiment moving_average = InferenceExperimentFor(path);
  moving_average.mutable_inference()->set_generator_moving_average(true);
  EXPECT_NE(refusal(moving_average).find("an ONNX file holds one generator"), std::string::npos);

  // A tensor the read-back does not reproduce (a weight stored as float_data with one value changed).
  onnx::ModelProto tampered = good;
  const std::string tampered_path = TempPath("g_tampered.onnx");
  for (onnx::TensorProto& t : *tampered.mutable_graph()->mutable_initializer()) {
    if (t.name() != "layer2.bias") continue;
    std::vector<float> values(t.raw_data().size() / sizeof(float));
    std::memcpy(values.data(), t.raw_data().data(), t.raw_data().size());
    t.clear_raw_data();
    for (float v : values) t.add_float_data(v);
    ASSERT_TRUE(WriteModel(tampered, tampered_path).ok());
    EXPECT_TRUE(LoadGeneratorFile(InferenceExperimentFor(tampered_path)).ok()) << "the same values in another encoding read back";
    t.set_float_data(7, t.float_data(7) + 1);
  }
  tampered.mutable_graph()->mutable_node(0)->set_name("renamed");  // names of nodes are free; their inputs and outputs are not
  ASSERT_TRUE(WriteModel(tampered, tampered_path).ok());
  EXPECT_TRUE(LoadGeneratorFile(InferenceExperimentFor(tampered_path)).ok()) << "a changed bias is read back as itself";
  onnx::ModelProto relu_to_sigmoid = good;
  relu_to_sigmoid.mutable_graph()->mutable_node(1)->set_op_type("Sigmoid");
  ASSERT_TRUE(WriteModel(relu_to_sigmoid, tampered_path).ok());
  EXPECT_NE(refusal(InferenceExperimentFor(tampered_path)).find("node 1 ('layer0.relu', Sigmoid)"), std::string::npos)
      << refusal(InferenceExperimentFor(tampered_path));
  onnx::ModelProto discriminator = good;
  for (onnx::StringStringEntryProto& entry : *discriminator.mutable_metadata_props()) {
    if (entry.key() == "network") entry.set_value("discriminator");
  }
  ASSERT_TRUE(WriteModel(discriminator, tampered_path).ok());
  EXPECT_NE(refusal(InferenceExperimentFor(tampered_path)).find("metadata 'network' is 'discriminator'"), std::string::npos);
  ASSERT_TRUE(base::WriteFileAtomically(tampered_path, "not a model").ok());
  EXPECT_NE(refusal(InferenceExperimentFor(tampered_path)).find("not an ONNX model"), std::string::npos);
  EXPECT_FALSE(LoadGeneratorFile(InferenceExperimentFor(TempPath("absent.onnx"))).ok());
}

// A small GAN of the paper's shape on Fashion-MNIST, z of 10 values.
proto::Experiment SmallGan() {
  return ParseExperiment(R"(
    name: "small" noise_dim: 10 batch_size: 50 epochs: 30 seed: 7 update_mode: SIMULTANEOUS
    noise { uniform { low: -1 high: 1 } } data { dataset: "fashion_mnist" }
    generator {
      layers { linear { units: 64 activation: RELU weight_irange: 0.05 } }
      layers { linear { units: 784 activation: SIGMOID weight_irange: 0.05 bias_from_data_mean_logit: true } }
    }
    discriminator {
      layers { dropout { keep_prob: 0.8 } }
      layers { maxout { units: 32 pieces: 3 weight_irange: 0.005 max_column_norm: 1.9 } }
      layers { dropout { keep_prob: 0.5 } }
      layers { linear { units: 1 weight_irange: 0.005 } }
    }
    generator_optimizer { sgd { learning_rate: 0.1 initial_momentum: 0.5 final_momentum: 0.7 momentum_start_epoch: 1 momentum_saturate_epoch: 5 } }
    discriminator_optimizer { sgd { learning_rate: 0.1 initial_momentum: 0.5 final_momentum: 0.7 momentum_start_epoch: 1 momentum_saturate_epoch: 5 } }
  )", "small").value();
}

// What an encoder of G trained for 40 epochs (2,000 updates) recovers, on 2,000 fresh draws of z.
struct Recovery {
  double z_share = -1;  // mean (E(G(z)) - z)^2 over p_z's variance: 1 for an encoder that outputs p_z's mean
  double x_share = -1;  // mean (G(E(G(z))) - G(z))^2 over the mean (G(z') - G(z))^2 of independent z': 1 by chance
};
Recovery Recover(const proto::Experiment& gan, const std::string& generator_file, Mlp* generator, const std::string& dir) {
  proto::Experiment e = gan;
  e.clear_discriminator();
  e.clear_generator_optimizer();
  e.clear_discriminator_optimizer();
  e.set_name("small_inference");
  e.set_epochs(40);
  e.set_batch_size(20);
  *e.mutable_inference() = ParseExperiment(R"(inference {
      encoder {
        layers { linear { units: 64 activation: RELU weight_irange: 0.05 } }
        layers { linear { units: 10 activation: IDENTITY weight_irange: 0.05 } }
      }
      optimizer { adam { learning_rate: 0.002 beta1: 0.9 beta2: 0.999 epsilon: 1e-8 } } })", "the encoder")
                                .value()
                                .inference();
  e.mutable_inference()->set_generator_file(generator_file);
  std::unique_ptr<Mlp> from_file;
  if (generator == nullptr) {
    absl::StatusOr<GeneratorFile> file = LoadGeneratorFile(e);
    EXPECT_TRUE(file.ok()) << file.status();
    if (!file.ok()) return {};
    from_file = std::move(file->generator);
    generator = from_file.get();
  }
  TrainerOptions options;
  options.output_dir = dir;
  options.inference_generator = generator;
  auto trainer = Trainer::Create(e, data::FashionMnistTrainingSubset(), options).value();
  EXPECT_TRUE(trainer->Run().ok());
  const int64_t rows = 2000;
  Rng rng(kEvaluationNoiseSeed);
  const std::vector<float> z = DrawNoise(e, rng, rows);
  const std::vector<float> x = generator->Infer(z.data(), rows);
  const std::vector<float> z_hat = trainer->net("encoder")->Infer(x.data(), rows);
  const std::vector<float> x_hat = generator->Infer(z_hat.data(), rows);
  const std::vector<float> other = generator->Infer(DrawNoise(e, rng, rows).data(), rows);
  auto mean_squared = [](const std::vector<float>& a, const std::vector<float>& b) {
    double sum = 0;
    for (size_t i = 0; i < a.size(); ++i) sum += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
    return sum / static_cast<double>(a.size());
  };
  return Recovery{mean_squared(z_hat, z) / NoiseVariance(e.noise()), mean_squared(x_hat, x) / mean_squared(other, x)};
}

TEST(GeneratorFileTest, EncoderRecoversZOfATrainedGeneratorAndNotOfItsInitialWeights) {
  const proto::Experiment gan = SmallGan();
  TrainerOptions options;
  options.output_dir = TempPath("small_gan");
  auto trainer = Trainer::Create(gan, data::FashionMnistTrainingSubset(), options).value();
  ASSERT_TRUE(trainer->Run().ok());
  const Recovery trained = Recover(gan, trainer->checkpoint_path(), nullptr, TempPath("encoder_of_trained"));

  const std::vector<float> mean = data::FashionMnistTrainingSubset().PixelMean();
  std::unique_ptr<Mlp> initial =
      BuildMlp(gan.generator(), Shape::Flat(gan.noise_dim()), StreamSeed(gan.seed(), SeedStream::kGeneratorOrDecoderInit), &mean).value();
  const Recovery control = Recover(gan, "the initial G, handed over", initial.get(), TempPath("encoder_of_initial"));
  std::fprintf(stderr, "share of z's variance left: trained G %.3f, initial G %.3f; of the image distance: trained G %.3f, initial G %.3f\n",
               trained.z_share, control.z_share, trained.x_share, control.x_share);
  // The standard error of a share is about 0.01 here (20,000 squared errors).
  EXPECT_LT(trained.z_share, 0.9);
  EXPECT_GT(control.z_share, 0.95);
  // What it does recover is what G's images depend on: G(E(G(z))) is far closer to G(z) than another sample is.
  EXPECT_LT(trained.x_share, 0.5);
}

}  // namespace
}  // namespace gan::exporter
