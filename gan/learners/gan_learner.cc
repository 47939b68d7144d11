#include "gan/learners/gan_learner.h"

#include <algorithm>
#include <new>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "gan/nets/build.h"
#include "gan/spec/experiment.h"
#include "gan/spec/noise.h"
#include "gan/spec/seed_streams.h"

namespace gan {

GanLearner::GanLearner(const proto::Experiment& experiment, distributed::Group& group)
    : experiment_(experiment), group_(group), noise_rng_(StreamSeed(experiment.seed(), SeedStream::kDraws)) {}

absl::StatusOr<std::unique_ptr<GanLearner>> GanLearner::Create(const proto::Experiment& experiment,
                                                               const data::Dataset& train,
                                                               std::function<const float*()> next_data_batch,
                                                               distributed::Group& group) {
  std::unique_ptr<GanLearner> learner(new GanLearner(experiment, group));
  GAN_RETURN_IF_ERROR(learner->CheckShareable());
  GAN_RETURN_IF_ERROR(learner->Build(train, std::move(next_data_batch)));
  return learner;
}

absl::Status GanLearner::CheckShareable() const {
  const int ranks = group_.size();
  if (ranks == 1) return absl::OkStatus();
  if (experiment_.has_inpainting()) {
    return absl::InvalidArgumentError(absl::StrCat("inpainting: an inpainter trains in one process, not ", ranks, " ranks"));
  }
  if (experiment_.batch_size() % ranks != 0) {
    return absl::InvalidArgumentError(absl::StrCat("batch_size: ", experiment_.batch_size(), " rows cannot be shared equally by ",
                                                   ranks, " ranks; choose a number of ranks that divides it"));
  }
  // A folded update runs inside each layer's backward, before the group could sum the gradient.
  std::vector<std::pair<const proto::Optimizer*, std::string>> configs;
  for (int phase = 0; phase <= experiment_.phases_size(); ++phase) {
    for (int which = 0; which < 2; ++which) configs.push_back(OptimizerConfig(which, phase));
  }
  for (const auto& [config, field] : configs) {
    if (config->has_sgd() && config->sgd().fold_into_products()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".sgd.fold_into_products: a folded update cannot be shared by ",
                                                     ranks, " ranks (their gradients must be summed first); set it false"));
    }
  }
  return absl::OkStatus();
}

absl::Status GanLearner::SetPrecision() {
  if (experiment_.precision() == proto::Experiment::FP32) return absl::OkStatus();
  // A folded update moves W inside the backward, after the bf16 copy of W the backward reads was made.
  for (int phase = 0; phase <= experiment_.phases_size(); ++phase) {
    for (int which = 0; which < 2; ++which) {
      const auto [config, field] = OptimizerConfig(which, phase);
      if (config->has_sgd() && config->sgd().fold_into_products()) {
        return absl::InvalidArgumentError(
            absl::StrCat("precision: BF16 cannot be combined with ", field, ".sgd.fold_into_products; set one of them off"));
      }
    }
  }
  for (const auto& [net, name] : {std::pair{g_.get(), "generator"}, std::pair{d_.get(), "discriminator"}}) {
    if (absl::Status set = net->SetProducts(Products::kBf16); !set.ok()) {
      return absl::Status(set.code(), absl::StrCat("precision: BF16: ", name, ": ", set.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status GanLearner::Build(const data::Dataset& train, std::function<const float*()> next_data_batch) {
  const proto::Experiment& e = experiment_;
  phase_last_epoch_ = {e.epochs()};
  for (const proto::Phase& phase : e.phases()) phase_last_epoch_.push_back(phase_last_epoch_.back() + phase.epochs());
  const std::vector<float> pixel_mean = train.PixelMean();
  const Shape noise = GeneratorInputShape(e);
  absl::StatusOr<std::unique_ptr<Mlp>> g = BuildMlp(e.generator(), noise, StreamSeed(e.seed(), SeedStream::kGeneratorOrDecoderInit), &pixel_mean);
  if (!g.ok()) return absl::Status(g.status().code(), absl::StrCat("generator: ", g.status().message()));
  g_ = *std::move(g);
  if (g_->output_dim() != train.dim()) {
    return absl::InvalidArgumentError(absl::StrCat("generator: outputs ", g_->output_dim(), " values, the data has ", train.dim()));
  }
  if (e.has_inpainting() && InpaintingImageDim(e) != train.dim()) {
    return absl::InvalidArgumentError(absl::StrCat("inpainting: height ", e.inpainting().height(), " x width ", e.inpainting().width(),
                                                   " is ", InpaintingImageDim(e), " values, the data set's images have ", train.dim()));
  }
  // D reads what G makes: its input has G's output shape (and a conditional D the classes).
  absl::StatusOr<std::unique_ptr<Mlp>> d =
      BuildMlp(e.discriminator(), DiscriminatorInputShape(e, g_->output_shape()), StreamSeed(e.seed(), SeedStream::kDiscriminatorOrEncoderInit));
  if (!d.ok()) return absl::Status(d.status().code(), absl::StrCat("discriminator: ", d.status().message()));
  d_ = *std::move(d);
  if (d_->output_dim() != 1) return absl::InvalidArgumentError("discriminator: its last layer must have 1 unit (the logit)");
  GAN_RETURN_IF_ERROR(SetPrecision());
  if (e.generator_ema_decay() > 0) {
    // The same architecture; its parameters are G's from the first step on (BeforeTraining).
    absl::StatusOr<std::unique_ptr<Mlp>> ema = BuildMlp(e.generator(), noise, StreamSeed(e.seed(), SeedStream::kGeneratorOrDecoderInit), &pixel_mean);
    if (!ema.ok()) return ema.status();
    g_ema_ = *std::move(ema);
    ema_pairs_ = {g_->Parameters(), g_ema_->Parameters()};
  }
  // Every phase's optimiser configs are checked here, so an error shows
  // before any training; the run makes the optimisers as it enters phases.
  for (int phase = 0; phase < static_cast<int>(phase_last_epoch_.size()); ++phase) {
    for (int which = 0; which < 2; ++which) {
      const auto [config, field] = OptimizerConfig(which, phase);
      if (absl::Status valid = ValidateOptimizer(*config); !valid.ok()) {
        return absl::Status(valid.code(), absl::StrCat(field, ": ", valid.message()));
      }
    }
  }
  // Every pass's buffers and oneDNN primitives are made here: the edge where
  // a machine's limits show, so their failures become errors here.
  try {
    step_runner_ = std::make_unique<AdversarialStep>(*g_, *d_, experiment_, noise_rng_, std::move(next_data_batch), group_,
                                                     ConditionClasses(e) > 0 ? train.labels : std::vector<int32_t>{});
    samples_inference_ = std::make_unique<Inference>(*g_, kSampleGridImages);
  } catch (const dnnl::error& error) {
    return absl::InternalError(absl::StrCat("oneDNN could not make the training step's primitives (batch ",
                                            experiment_.batch_size(), "): ", error.what()));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat("not enough memory for the training step's buffers at batch ",
                                                     experiment_.batch_size()));
  }
  return EnterPhase(0);
}

std::vector<std::string> GanLearner::StepFigureNames() const { return {"d_loss", "g_loss", "mean_d_real", "mean_d_fake"}; }

std::string GanLearner::DescribeFigures(const std::vector<double>& f) const {
  return absl::StrFormat("D loss %.4f, G loss %.4f, D(x) %.3f, D(G(z)) %.3f", f[0], f[1], f[2], f[3]);
}

int64_t GanLearner::StepsPerEpoch(int64_t batches) const {
  // An alternating iteration draws k data batches, one per D update.
  const int k = experiment_.update_mode() == proto::SIMULTANEOUS ? 1 : std::max(1, experiment_.discriminator_steps());
  return std::max<int64_t>(1, batches / k);
}

int GanLearner::PhaseOfEpoch(int64_t epoch) const {
  int phase = 0;
  while (phase + 1 < static_cast<int>(phase_last_epoch_.size()) && epoch > phase_last_epoch_[phase]) ++phase;
  return phase;
}

int GanLearner::OptimizerSource(int which, int phase) const {
  for (int p = phase; p >= 1; --p) {
    const proto::Phase& config = experiment_.phases(p - 1);
    if (which == 0 ? config.has_generator_optimizer() : config.has_discriminator_optimizer()) return p;
  }
  return 0;
}

std::pair<const proto::Optimizer*, std::string> GanLearner::OptimizerConfig(int which, int phase) const {
  const int source = OptimizerSource(which, phase);
  const char* name = which == 0 ? "generator_optimizer" : "discriminator_optimizer";
  if (source == 0) return {which == 0 ? &experiment_.generator_optimizer() : &experiment_.discriminator_optimizer(), name};
  const proto::Phase& config = experiment_.phases(source - 1);
  return {which == 0 ? &config.generator_optimizer() : &config.discriminator_optimizer(),
          absl::StrCat("phases[", source - 1, "].", name)};
}

absl::Status GanLearner::EnterPhase(int phase) {
  for (int which = 0; which < 2; ++which) {
    const int source = OptimizerSource(which, phase);
    if (source == optimizer_source_[which]) continue;
    const auto [config, field] = OptimizerConfig(which, phase);
    absl::StatusOr<std::unique_ptr<Optimizer>> made = MakeOptimizer(*config, (which == 0 ? g_ : d_)->Parameters());
    if (!made.ok()) return absl::Status(made.status().code(), absl::StrCat(field, ": ", made.status().message()));
    (which == 0 ? g_opt_ : d_opt_) = *std::move(made);
    optimizer_source_[which] = source;
  }
  phase_ = phase;
  return absl::OkStatus();
}

absl::Status GanLearner::BeginEpoch(int64_t epoch) {
  if (const int phase = PhaseOfEpoch(epoch); phase != phase_) {
    GAN_RETURN_IF_ERROR(EnterPhase(phase));
    if (group_.leads()) std::fprintf(stderr, "epoch %lld: phase %d of the schedule begins\n", static_cast<long long>(epoch), phase);
  }
  // Each optimiser's schedule counts epochs from the first of the phase that started it.
  for (int which = 0; which < 2; ++which) {
    const int source = optimizer_source_[which];
    const int64_t first_epoch = source == 0 ? 1 : phase_last_epoch_[source - 1] + 1;
    (which == 0 ? g_opt_ : d_opt_)->StartEpoch(static_cast<int>(epoch - first_epoch + 1));
  }
  return absl::OkStatus();
}

void GanLearner::BeforeTraining(int64_t step) {
  if (g_ema_ != nullptr && step == 0) {
    // The average starts from G as training starts (after any --init_from).
    g_ema_->CopyParametersFrom(*g_);
  }
}

absl::StatusOr<std::vector<double>> GanLearner::Step() {
  // One iteration of Algorithm 1, and G's moving average.
  absl::StatusOr<StepStats> stats = step_runner_->Run(*g_opt_, *d_opt_);
  if (!stats.ok()) return stats.status();
  last_stats_ = *stats;
  if (g_ema_ != nullptr) UpdateGeneratorEma();
  return std::vector<double>{last_stats_.d_loss, last_stats_.g_loss, last_stats_.mean_d_real, last_stats_.mean_d_fake};
}

void GanLearner::UpdateGeneratorEma() {
  const float decay = experiment_.generator_ema_decay();
  MoveAverage(ema_pairs_.first, ema_pairs_.second, decay, 1.0f - decay);
}

std::string GanLearner::EpochJsonMembers(const std::vector<double>& f) const {
  return absl::StrFormat(
      "\"phase\": %d, \"update_mode\": \"%s\", \"d_loss\": %.6f, \"g_loss\": %.6f, \"mean_d_real\": %.6f, "
      "\"mean_d_fake\": %.6f, \"g_learning_rate\": %.8g, \"g_momentum\": %.8g, \"d_learning_rate\": %.8g, "
      "\"d_momentum\": %.8g",
      phase_, UpdateModeName(experiment_.update_mode()), f[0], f[1], f[2], f[3], g_opt_->learning_rate(),
      g_opt_->momentum(), d_opt_->learning_rate(), d_opt_->momentum());
}

std::vector<float> GanLearner::SampleGridImages(const float* fixed_noise) { return samples_inference_->Run(fixed_noise); }

void GanLearner::AddHeaderRecords(CheckpointSchema& schema, const int64_t& step, int64_t steps_per_epoch) {
  // The phase whose optimisers the state belongs to (that of the last step
  // taken), and its first epoch; loading makes those optimisers.
  auto first_epoch_of = [this](int phase) -> uint64_t { return phase == 0 ? 1 : phase_last_epoch_[phase - 1] + 1; };
  schema.U64s(
      "phase", [this, first_epoch_of] { return std::vector<uint64_t>{static_cast<uint64_t>(phase_), first_epoch_of(phase_)}; },
      [this, first_epoch_of, &step, steps_per_epoch](const std::vector<uint64_t>& saved) -> absl::Status {
        if (saved.size() != 2) return absl::DataLossError("malformed 'phase'");
        const int phase = PhaseOfEpoch(std::max<int64_t>(1, (step + steps_per_epoch - 1) / steps_per_epoch));
        if (saved[0] != static_cast<uint64_t>(phase) || saved[1] != first_epoch_of(phase)) {
          return absl::FailedPreconditionError(absl::StrCat(
              "was written in phase ", saved[0], " (from epoch ", saved[1], "), but with these epochs its step ", step,
              " falls in phase ", phase, " (from epoch ", first_epoch_of(phase), "); --epochs may only change before the first phase ends"));
        }
        return EnterPhase(phase);
      });
}

void GanLearner::AddStateRecords(CheckpointSchema& schema) {
  AddParameterRecords(schema, kGeneratorRecords, *g_);
  if (g_ema_ != nullptr) AddParameterRecords(schema, kGeneratorEmaRecords, *g_ema_);
  AddOptimizerRecords(schema, kGeneratorRecords, *g_opt_);
  AddParameterRecords(schema, kDiscriminatorRecords, *d_);
  AddOptimizerRecords(schema, kDiscriminatorRecords, *d_opt_);
}

std::vector<Rng*> GanLearner::RandomStreams() { return OwnAndNetStreams(noise_rng_); }

}  // namespace gan
