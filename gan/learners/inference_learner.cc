#include "gan/learners/inference_learner.h"

#include <algorithm>
#include <new>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "data/image_grid.h"
#include "gan/nets/build.h"
#include "gan/spec/noise.h"
#include "gan/spec/seed_streams.h"

namespace gan {
namespace {

constexpr int64_t kGridPairs = kSampleGridImages / 2;  // G's samples above G(E(G(z))), 5 pairs of rows of 10

}  // namespace

InferenceLearner::InferenceLearner(const proto::Experiment& experiment)
    : experiment_(experiment), rng_(StreamSeed(experiment.seed(), SeedStream::kDraws)) {}

absl::StatusOr<std::unique_ptr<InferenceLearner>> InferenceLearner::Create(const proto::Experiment& experiment,
                                                                           const data::Dataset& train, Mlp& fixed_generator,
                                                                           const std::string& generator_sha256) {
  std::unique_ptr<InferenceLearner> learner(new InferenceLearner(experiment));
  learner->generator_sha256_ = generator_sha256;
  GAN_RETURN_IF_ERROR(learner->Build(train, fixed_generator));
  return learner;
}

absl::Status InferenceLearner::Build(const data::Dataset& train, Mlp& fixed_generator) {
  const proto::Experiment& e = experiment_;
  const proto::InferenceNet& config = e.inference();
  batch_ = e.batch_size();
  latent_ = e.noise_dim();
  const std::vector<float> placeholder_mean(train.dim(), 0.5f);  // G's parameters are copied in below
  absl::StatusOr<std::unique_ptr<Mlp>> generator = BuildMlp(e.generator(), Shape::Flat(latent_), 0, &placeholder_mean);
  if (!generator.ok()) return absl::Status(generator.status().code(), absl::StrCat("generator: ", generator.status().message()));
  generator_ = *std::move(generator);
  if (generator_->output_dim() != train.dim()) {
    return absl::InvalidArgumentError(absl::StrCat("generator: outputs ", generator_->output_dim(), " values, the data has ", train.dim()));
  }
  std::vector<ParameterRef> mine = generator_->Parameters(), given = fixed_generator.Parameters();
  bool same_tensors = mine.size() == given.size();
  for (size_t i = 0; same_tensors && i < mine.size(); ++i) same_tensors = mine[i].size == given[i].size;
  if (!same_tensors || fixed_generator.input_dim() != latent_) {
    return absl::InvalidArgumentError("inference.generator_file: its generator is not the net the experiment's `generator` describes");
  }
  generator_->CopyParametersFrom(fixed_generator);

  const Shape image = Shape::Image(train.shape.channels, train.shape.height, train.shape.width);
  absl::StatusOr<std::unique_ptr<Mlp>> encoder = BuildMlp(config.encoder(), image, StreamSeed(e.seed(), SeedStream::kDiscriminatorOrEncoderInit));
  if (!encoder.ok()) return absl::Status(encoder.status().code(), absl::StrCat("inference.encoder: ", encoder.status().message()));
  encoder_ = *std::move(encoder);
  if (encoder_->output_dim() != latent_) {
    return absl::InvalidArgumentError(absl::StrCat("inference.encoder: outputs ", encoder_->output_dim(), " values, z has noise_dim ", latent_));
  }
  if (absl::Status valid = ValidateOptimizer(config.optimizer()); !valid.ok()) {
    return absl::Status(valid.code(), absl::StrCat("inference.optimizer: ", valid.message()));
  }
  absl::StatusOr<std::unique_ptr<Optimizer>> optimizer = MakeOptimizer(config.optimizer(), encoder_->Parameters());
  if (!optimizer.ok()) return absl::Status(optimizer.status().code(), absl::StrCat("inference.optimizer: ", optimizer.status().message()));
  optimizer_ = *std::move(optimizer);
  try {
    z_.resize(batch_ * latent_);
    generator_pass_ = generator_->MakePass(batch_);
    encoder_pass_ = encoder_->MakePass(batch_);
    grid_generator_ = std::make_unique<Inference>(*generator_, kGridPairs);
    grid_encoder_ = std::make_unique<Inference>(*encoder_, kGridPairs);
  } catch (const dnnl::error& error) {
    return absl::InternalError(absl::StrCat("oneDNN could not make the training step's primitives (batch ", batch_, "): ", error.what()));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat("not enough memory for the training step's buffers at batch ", batch_));
  }
  return absl::OkStatus();
}

std::string InferenceLearner::DescribeFigures(const std::vector<double>& f) const {
  return absl::StrFormat("E(G(z)) squared error %.4f per component (%.3f of p_z's variance)", f[0], f[0] / NoiseVariance(experiment_.noise()));
}

absl::Status InferenceLearner::BeginEpoch(int64_t epoch) {
  optimizer_->StartEpoch(static_cast<int>(epoch));
  return absl::OkStatus();
}

double InferenceLearner::ComputeGradients(const float* z) {
  std::copy(z, z + batch_ * latent_, generator_pass_->input());  // [batch, latent]
  generator_pass_->Forward(/*training=*/false);
  const float* x = generator_pass_->output();  // [batch, data_dim]
  std::copy(x, x + batch_ * generator_->output_dim(), encoder_pass_->input());
  encoder_pass_->Forward(/*training=*/true);
  const float* z_hat = encoder_pass_->output();  // [batch, latent]
  float* z_hat_grad = encoder_pass_->output_grad();
  // d/dz_hat of (1 / batch) sum_n 1/2 |z_hat_n - z_n|^2.
  double squared = 0;
  for (int64_t i = 0; i < batch_ * latent_; ++i) {
    const double d = static_cast<double>(z_hat[i]) - z[i];
    squared += d * d;
    z_hat_grad[i] = static_cast<float>(d / static_cast<double>(batch_));
  }
  encoder_pass_->Backward(/*input_grad=*/false, /*param_grads=*/true);
  return squared / static_cast<double>(batch_ * latent_);
}

absl::StatusOr<std::vector<double>> InferenceLearner::Step() {
  FillNoise(experiment_.noise(), rng_, z_.data(), static_cast<int64_t>(z_.size()));
  const double figure = ComputeGradients(z_.data());
  optimizer_->Step();
  encoder_->ApplyConstraints();
  return std::vector<double>{figure};
}

std::string InferenceLearner::EpochJsonMembers(const std::vector<double>& figures) const {
  return absl::StrFormat(
      "\"model\": \"inference_net\", \"z_squared_error\": %.6f, \"z_error_to_variance\": %.6f, \"learning_rate\": %.8g, \"momentum\": %.8g",
      figures[0], figures[0] / NoiseVariance(experiment_.noise()), optimizer_->learning_rate(), optimizer_->momentum());
}

std::vector<float> InferenceLearner::SampleGridImages(const float* fixed_noise) {
  const int64_t dim = generator_->output_dim();
  // Rows of 10 samples, each above a row of their reconstructions.
  const std::vector<float> samples = grid_generator_->Run(fixed_noise);
  const std::vector<float> codes = grid_encoder_->Run(samples.data());
  const std::vector<float> reconstructions = grid_generator_->Run(codes.data());
  return data::AlternateRows(samples.data(), reconstructions.data(), kGridPairs, 10, dim);
}

void InferenceLearner::AddStateRecords(CheckpointSchema& schema) {
  AddParameterRecords(schema, kEncoderRecords, *encoder_);
  AddParameterRecords(schema, kGeneratorRecords, *generator_);
  AddOptimizerRecords(schema, kInferenceOptimizerRecords, *optimizer_);
  schema.String(
      kInferenceGeneratorDigestRecord, [this] { return generator_sha256_; },
      [this](const std::string& digest) -> absl::Status {
        generator_sha256_ = digest;
        return absl::OkStatus();
      });
}

}  // namespace gan
