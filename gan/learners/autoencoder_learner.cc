#include "gan/learners/autoencoder_learner.h"

#include <algorithm>
#include <new>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "data/image_grid.h"
#include "gan/nets/build.h"
#include "gan/objectives/vae_objective.h"
#include "gan/spec/seed_streams.h"

namespace gan {
namespace {

constexpr int64_t kGridPairs = kSampleGridImages / 2;  // inputs above their reconstructions, 5 pairs of rows of 10

const char* KindName(proto::Autoencoder::Kind kind) {
  switch (kind) {
    case proto::Autoencoder::DENOISING:
      return "denoising_autoencoder";
    case proto::Autoencoder::VARIATIONAL:
      return "variational_autoencoder";
    default:
      return "autoencoder";
  }
}

}  // namespace

void Corrupt(const proto::Corruption& corruption, Rng& rng, const float* x, int64_t n, float* out) {
  if (corruption.has_masking_probability()) {
    const float p = corruption.masking_probability();
    for (int64_t i = 0; i < n; ++i) out[i] = rng.NextUniform() < p ? 0.0f : x[i];
  } else {
    rng.FillNormal(out, n);
    const float stddev = corruption.gaussian_stddev();
    for (int64_t i = 0; i < n; ++i) out[i] = x[i] + stddev * out[i];
  }
}

absl::StatusOr<proto::Mlp> TrainingDecoderConfig(const proto::Experiment& experiment) {
  proto::Mlp decoder = experiment.generator();
  if (experiment.autoencoder().reconstruction() != proto::Autoencoder::BINARY_CROSS_ENTROPY) return decoder;
  const int last = decoder.layers_size() - 1;
  if (last < 0 || !decoder.layers(last).has_linear() || decoder.layers(last).linear().activation() != proto::SIGMOID) {
    return absl::InvalidArgumentError(
        "generator (the decoder): a Bernoulli decoder (reconstruction BINARY_CROSS_ENTROPY) must end in a linear layer "
        "with activation SIGMOID, whose logits it trains on");
  }
  decoder.mutable_layers(last)->mutable_linear()->set_activation(proto::IDENTITY);
  return decoder;
}

AutoencoderLearner::AutoencoderLearner(const proto::Experiment& experiment)
    : experiment_(experiment), config_(experiment.autoencoder()), rng_(StreamSeed(experiment.seed(), SeedStream::kDraws)) {}

absl::StatusOr<std::unique_ptr<AutoencoderLearner>> AutoencoderLearner::Create(const proto::Experiment& experiment,
                                                                               const data::Dataset& train,
                                                                               std::function<const float*()> next_batch) {
  if (experiment.precision() != proto::Experiment::FP32) {
    return absl::InvalidArgumentError("precision: BF16 products train the GAN only; an autoencoder trains in FP32");
  }
  std::unique_ptr<AutoencoderLearner> learner(new AutoencoderLearner(experiment));
  GAN_RETURN_IF_ERROR(learner->Build(train, std::move(next_batch)));
  return learner;
}

absl::Status AutoencoderLearner::Build(const data::Dataset& train, std::function<const float*()> next_batch) {
  const proto::Experiment& e = experiment_;
  next_batch_ = std::move(next_batch);
  batch_ = e.batch_size();
  latent_ = e.noise_dim();
  dim_ = train.dim();
  samples_ = variational() ? std::max(1, config_.samples_per_example()) : 1;
  const Shape image = Shape::Image(train.shape.channels, train.shape.height, train.shape.width);
  absl::StatusOr<std::unique_ptr<Mlp>> encoder = BuildMlp(config_.encoder(), image, StreamSeed(e.seed(), SeedStream::kDiscriminatorOrEncoderInit));
  if (!encoder.ok()) return absl::Status(encoder.status().code(), absl::StrCat("autoencoder.encoder: ", encoder.status().message()));
  encoder_ = *std::move(encoder);
  const int64_t code_values = variational() ? 2 * latent_ : latent_;
  if (encoder_->output_dim() != code_values) {
    return absl::InvalidArgumentError(absl::StrCat(
        "autoencoder.encoder: outputs ", encoder_->output_dim(), " values; this ", KindName(config_.kind()), " needs ",
        code_values, variational() ? " (the mean and log-variance of each of noise_dim codes)" : " (noise_dim, the code)"));
  }
  absl::StatusOr<proto::Mlp> decoder_config = TrainingDecoderConfig(e);
  if (!decoder_config.ok()) return decoder_config.status();
  const std::vector<float> pixel_mean = train.PixelMean();
  absl::StatusOr<std::unique_ptr<Mlp>> decoder = BuildMlp(*decoder_config, Shape::Flat(latent_), StreamSeed(e.seed(), SeedStream::kGeneratorOrDecoderInit), &pixel_mean);
  if (!decoder.ok()) return absl::Status(decoder.status().code(), absl::StrCat("generator (the decoder): ", decoder.status().message()));
  decoder_ = *std::move(decoder);
  if (decoder_->output_dim() != dim_) {
    return absl::InvalidArgumentError(absl::StrCat("generator (the decoder): outputs ", decoder_->output_dim(), " values, the data has ", dim_));
  }
  if (bernoulli()) {
    absl::StatusOr<std::unique_ptr<Mlp>> generator = BuildMlp(e.generator(), Shape::Flat(latent_), StreamSeed(e.seed(), SeedStream::kGeneratorOrDecoderInit), &pixel_mean);
    if (!generator.ok()) return generator.status();
    generator_ = *std::move(generator);
  }
  if (absl::Status valid = ValidateOptimizer(config_.optimizer()); !valid.ok()) {
    return absl::Status(valid.code(), absl::StrCat("autoencoder.optimizer: ", valid.message()));
  }
  std::vector<ParameterRef> parameters = encoder_->Parameters();
  for (const ParameterRef& p : decoder_->Parameters()) parameters.push_back(p);
  absl::StatusOr<std::unique_ptr<Optimizer>> optimizer = MakeOptimizer(config_.optimizer(), parameters);
  if (!optimizer.ok()) return absl::Status(optimizer.status().code(), absl::StrCat("autoencoder.optimizer: ", optimizer.status().message()));
  optimizer_ = *std::move(optimizer);
  try {
    encoder_pass_ = encoder_->MakePass(batch_);
    decoder_pass_ = decoder_->MakePass(batch_ * samples_);
    if (variational()) {
      eps_.resize(samples_ * batch_ * latent_);
      heads_grad_.resize(batch_ * 2 * latent_);
      grid_generator_ = std::make_unique<Inference>(ImageDecoder(), kSampleGridImages);
    } else {
      const int64_t rows = std::min(kGridPairs, train.rows());
      grid_inputs_.assign(train.pixels.begin(), train.pixels.begin() + rows * dim_);
      if (config_.kind() == proto::Autoencoder::DENOISING) {
        // One corruption for every epoch's grid, from a stream of its own.
        Rng grid_rng(SampleGridSeed(e.seed()));
        std::vector<float> clean = grid_inputs_;
        Corrupt(config_.corruption(), grid_rng, clean.data(), static_cast<int64_t>(clean.size()), grid_inputs_.data());
      }
      grid_inputs_.resize(kGridPairs * dim_, 0.0f);
      grid_encoder_ = std::make_unique<Inference>(*encoder_, kGridPairs);
      grid_decoder_ = std::make_unique<Inference>(ImageDecoder(), kGridPairs);
    }
  } catch (const dnnl::error& error) {
    return absl::InternalError(absl::StrCat("oneDNN could not make the training step's primitives (batch ", batch_, "): ", error.what()));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat("not enough memory for the training step's buffers at batch ", batch_));
  }
  return absl::OkStatus();
}

std::vector<std::string> AutoencoderLearner::StepFigureNames() const {
  if (variational()) return {"negative_elbo", "reconstruction", "kl"};
  return {"reconstruction"};
}

std::string AutoencoderLearner::DescribeFigures(const std::vector<double>& f) const {
  if (variational()) return absl::StrFormat("-ELBO %.2f (reconstruction %.2f, KL %.2f)", f[0], f[1], f[2]);
  return absl::StrFormat("reconstruction %.3f", f[0]);
}

absl::Status AutoencoderLearner::BeginEpoch(int64_t epoch) {
  optimizer_->StartEpoch(static_cast<int>(epoch));
  return absl::OkStatus();
}

std::vector<double> AutoencoderLearner::ComputeGradients(const float* x) {
  const int64_t rows = batch_ * samples_;
  float* input = encoder_pass_->input();  // [batch, dim]
  if (config_.kind() == proto::Autoencoder::DENOISING) {
    Corrupt(config_.corruption(), rng_, x, batch_ * dim_, input);
  } else {
    std::copy(x, x + batch_ * dim_, input);
  }
  encoder_pass_->Forward(/*training=*/true);
  const float* code = encoder_pass_->output();  // [batch, latent] or the heads [batch, 2 * latent]
  float* z = decoder_pass_->input();            // [samples * batch, latent]
  if (variational()) {
    rng_.FillNormal(eps_.data(), static_cast<int64_t>(eps_.size()));
    for (int64_t s = 0; s < samples_; ++s) {
      ReparameterizedSample(code, eps_.data() + s * batch_ * latent_, batch_, latent_, z + s * batch_ * latent_);
    }
  } else {
    std::copy(code, code + batch_ * latent_, z);
  }
  decoder_pass_->Forward(/*training=*/true);

  // The reconstruction term, per example: each sample's block against x.
  const double scale = 1.0 / static_cast<double>(rows);
  double reconstruction = 0;
  for (int64_t s = 0; s < samples_; ++s) {
    const float* out = decoder_pass_->output() + s * batch_ * dim_;
    float* out_grad = decoder_pass_->output_grad() + s * batch_ * dim_;
    reconstruction += ReconstructionTerm(bernoulli(), out, x, batch_, dim_, scale, out_grad);
  }
  decoder_pass_->Backward(/*input_grad=*/true, /*param_grads=*/true);
  const float* z_grad = decoder_pass_->input_grad();
  float* code_grad = encoder_pass_->output_grad();
  if (!variational()) {
    std::copy(z_grad, z_grad + batch_ * latent_, code_grad);
    encoder_pass_->Backward(/*input_grad=*/false, /*param_grads=*/true);
    return {reconstruction};
  }
  std::fill(heads_grad_.begin(), heads_grad_.end(), 0.0f);
  const double kl = GaussianKlToStandardNormal(code, batch_, latent_, 1.0 / static_cast<double>(batch_), heads_grad_.data());
  for (int64_t s = 0; s < samples_; ++s) {
    ReparameterizedSampleBackward(code, eps_.data() + s * batch_ * latent_, z_grad + s * batch_ * latent_, batch_, latent_,
                                  heads_grad_.data());
  }
  std::copy(heads_grad_.begin(), heads_grad_.end(), code_grad);
  encoder_pass_->Backward(/*input_grad=*/false, /*param_grads=*/true);
  return {reconstruction + kl, reconstruction, kl};
}

absl::StatusOr<std::vector<double>> AutoencoderLearner::Step() {
  std::vector<double> figures = ComputeGradients(next_batch_());
  optimizer_->Step();
  encoder_->ApplyConstraints();
  decoder_->ApplyConstraints();
  return figures;
}

std::string AutoencoderLearner::EpochJsonMembers(const std::vector<double>& figures) const {
  const std::vector<std::string> names = StepFigureNames();
  std::string members = absl::StrFormat("\"model\": \"%s\"", KindName(config_.kind()));
  for (size_t i = 0; i < names.size(); ++i) absl::StrAppendFormat(&members, ", \"%s\": %.6f", names[i], figures[i]);
  absl::StrAppendFormat(&members, ", \"learning_rate\": %.8g, \"momentum\": %.8g", optimizer_->learning_rate(), optimizer_->momentum());
  return members;
}

void AutoencoderLearner::SyncGenerator() {
  if (generator_ != nullptr) generator_->CopyParametersFrom(*decoder_);
}

std::vector<float> AutoencoderLearner::SampleGridImages(const float* fixed_noise) {
  SyncGenerator();
  if (variational()) {
    return grid_generator_->Run(fixed_noise);
  }
  // Rows of 10 inputs, each above a row of their reconstructions.
  std::vector<float> code = grid_encoder_->Run(grid_inputs_.data());
  const std::vector<float> reconstructions = grid_decoder_->Run(code.data());
  return data::AlternateRows(grid_inputs_.data(), reconstructions.data(), kGridPairs, 10, dim_);
}

void AutoencoderLearner::AddStateRecords(CheckpointSchema& schema) {
  AddParameterRecords(schema, kEncoderRecords, *encoder_);
  AddParameterRecords(schema, kGeneratorRecords, *decoder_);
  AddOptimizerRecords(schema, kAutoencoderOptimizerRecords, *optimizer_);
}

std::vector<Rng*> AutoencoderLearner::RandomStreams() { return OwnAndNetStreams(rng_); }

}  // namespace gan
