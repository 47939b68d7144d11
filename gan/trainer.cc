#include "gan/trainer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <new>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/file_bytes.h"
#include "eval/image_grid.h"
#include "gan/checkpoint.h"
#include "gan/experiment.h"
#include "gan/noise.h"
#include "google/protobuf/text_format.h"

namespace gan {
namespace {

constexpr int64_t kSampleGridImages = 100;  // a 10 x 10 grid

std::string FormatSeconds(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds);
  return s >= 3600 ? absl::StrFormat("%dh%02dm", s / 3600, s / 60 % 60) : absl::StrFormat("%dm%02ds", s / 60, s % 60);
}

}  // namespace

std::string ExperimentKey(const proto::Experiment& experiment) {
  proto::Experiment key = experiment;
  key.clear_epochs();
  std::string text;
  google::protobuf::TextFormat::PrintToString(key, &text);
  return text;
}

Trainer::Trainer(const proto::Experiment& experiment, const data::Dataset& train, TrainerOptions options)
    : experiment_(experiment), train_(train), options_(std::move(options)), noise_rng_(experiment.seed() * 4 + 1) {}

absl::StatusOr<std::unique_ptr<Trainer>> Trainer::Create(const proto::Experiment& experiment,
                                                         const data::Dataset& train, TrainerOptions options) {
  std::unique_ptr<Trainer> trainer(new Trainer(experiment, train, std::move(options)));
  if (absl::Status built = trainer->Build(); !built.ok()) return built;
  return trainer;
}

absl::Status Trainer::Build() {
  const proto::Experiment& e = experiment_;
  if (absl::Status valid = ValidateExperiment(e); !valid.ok()) return valid;
  if (train_.rows() < e.batch_size()) {
    return absl::InvalidArgumentError(absl::StrCat("the training set has ", train_.rows(), " examples, fewer than one batch of ", e.batch_size()));
  }
  phase_last_epoch_ = {e.epochs()};
  for (const proto::Phase& phase : e.phases()) phase_last_epoch_.push_back(phase_last_epoch_.back() + phase.epochs());
  const std::vector<float> pixel_mean = train_.PixelMean();
  // Separate streams of the one seed for G's and D's weights, the batches and the noise.
  const Shape noise = Shape::Flat(e.noise_dim());
  absl::StatusOr<std::unique_ptr<Mlp>> g = BuildMlp(e.generator(), noise, e.seed() * 4 + 2, &pixel_mean);
  if (!g.ok()) return absl::Status(g.status().code(), absl::StrCat("generator: ", g.status().message()));
  g_ = *std::move(g);
  if (g_->output_dim() != train_.dim()) {
    return absl::InvalidArgumentError(absl::StrCat("generator: outputs ", g_->output_dim(), " values, the data has ", train_.dim()));
  }
  // D reads what G makes: its input has G's output shape.
  absl::StatusOr<std::unique_ptr<Mlp>> d = BuildMlp(e.discriminator(), g_->output_shape(), e.seed() * 4 + 3);
  if (!d.ok()) return absl::Status(d.status().code(), absl::StrCat("discriminator: ", d.status().message()));
  d_ = *std::move(d);
  if (d_->output_dim() != 1) return absl::InvalidArgumentError("discriminator: its last layer must have 1 unit (the logit)");
  if (e.generator_ema_decay() > 0) {
    // The same architecture; its parameters are G's from the first step on (see Run).
    absl::StatusOr<std::unique_ptr<Mlp>> ema = BuildMlp(e.generator(), noise, e.seed() * 4 + 2, &pixel_mean);
    if (!ema.ok()) return ema.status();
    g_ema_ = *std::move(ema);
    ema_pairs_ = {g_->Parameters(), g_ema_->Parameters()};
  }
  batcher_ = std::make_unique<data::Batcher>(train_, e.batch_size(), e.seed() * 4);
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
  const int k = e.update_mode() == proto::SIMULTANEOUS ? 1 : std::max(1, e.discriminator_steps());
  steps_per_epoch_ = std::max<int64_t>(1, batcher_->batches_per_epoch() / k);
  fixed_noise_.resize(kSampleGridImages * e.noise_dim());
  Rng sample_rng(e.seed() ^ 0x5a5a5a5a5a5a5a5aULL);
  FillNoise(e.noise(), sample_rng, fixed_noise_.data(), static_cast<int64_t>(fixed_noise_.size()));
  if (reporting()) {
    if (options_.report_samples <= 0) {
      return absl::InvalidArgumentError(absl::StrCat("report_samples must be positive, not ", options_.report_samples));
    }
    Rng report_rng(kEvaluationNoiseSeed);
    report_noise_ = DrawNoise(e, report_rng, options_.report_samples);
  }
  if (absl::Status made = MakePasses(); !made.ok()) return made;
  if (absl::Status entered = EnterPhase(0); !entered.ok()) return entered;
  if (absl::Status made = base::MakeDirs(options_.output_dir); !made.ok()) return made;
  if (options_.sample_every_epochs > 0) {
    if (absl::Status made = base::MakeDirs(options_.output_dir + "/samples"); !made.ok()) return made;
  }
  return absl::OkStatus();
}

int Trainer::PhaseOfEpoch(int64_t epoch) const {
  int phase = 0;
  while (phase + 1 < static_cast<int>(phase_last_epoch_.size()) && epoch > phase_last_epoch_[phase]) ++phase;
  return phase;
}

int Trainer::OptimizerSource(int which, int phase) const {
  for (int p = phase; p >= 1; --p) {
    const proto::Phase& config = experiment_.phases(p - 1);
    if (which == 0 ? config.has_generator_optimizer() : config.has_discriminator_optimizer()) return p;
  }
  return 0;
}

std::pair<const proto::Optimizer*, std::string> Trainer::OptimizerConfig(int which, int phase) const {
  const int source = OptimizerSource(which, phase);
  const char* name = which == 0 ? "generator_optimizer" : "discriminator_optimizer";
  if (source == 0) return {which == 0 ? &experiment_.generator_optimizer() : &experiment_.discriminator_optimizer(), name};
  const proto::Phase& config = experiment_.phases(source - 1);
  return {which == 0 ? &config.generator_optimizer() : &config.discriminator_optimizer(),
          absl::StrCat("phases[", source - 1, "].", name)};
}

absl::Status Trainer::EnterPhase(int phase) {
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

absl::Status Trainer::MakePasses() {
  // Every pass's buffers and oneDNN primitives are made here: the edge where
  // a machine's limits show, so their failures become errors here.
  try {
    step_runner_ = std::make_unique<AdversarialStep>(*g_, *d_, experiment_, noise_rng_, [this] { return batcher_->Next(); });
    if (reporting()) {
      report_inference_ = std::make_unique<Inference>(*g_, options_.report_samples);
      if (g_ema_ != nullptr) report_ema_inference_ = std::make_unique<Inference>(*g_ema_, options_.report_samples);
    }
    if (options_.sample_every_epochs > 0) samples_inference_ = std::make_unique<Inference>(*g_, kSampleGridImages);
  } catch (const dnnl::error& error) {
    return absl::InternalError(absl::StrCat("oneDNN could not make the training step's primitives (batch ",
                                            experiment_.batch_size(), "): ", error.what()));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat("not enough memory for the training step's buffers at batch ",
                                                     experiment_.batch_size()));
  }
  return absl::OkStatus();
}

void Trainer::StartEpoch(int64_t epoch) {
  // Each optimiser's schedule counts epochs from the first of the phase that started it.
  for (int which = 0; which < 2; ++which) {
    const int source = optimizer_source_[which];
    const int64_t first_epoch = source == 0 ? 1 : phase_last_epoch_[source - 1] + 1;
    (which == 0 ? g_opt_ : d_opt_)->StartEpoch(static_cast<int>(epoch - first_epoch + 1));
  }
}

std::vector<Rng*> Trainer::Generators() {
  std::vector<Rng*> rngs = {&noise_rng_};
  for (Mlp* mlp : {g_.get(), d_.get()}) {
    for (Rng* r : mlp->RandomStreams()) rngs.push_back(r);
  }
  return rngs;
}

CheckpointSchema Trainer::HeaderSchema() {
  CheckpointSchema schema;
  schema.String(
      "experiment", [this] { return ExperimentKey(experiment_); },
      [this](const std::string& key) -> absl::Status {
        if (key == ExperimentKey(experiment_)) return absl::OkStatus();
        return absl::FailedPreconditionError(
            absl::StrCat("was written by a different experiment (only `epochs` may change on resume). Its experiment:\n", key));
      });
  schema.U64s(
      "step", [this] { return std::vector<uint64_t>{static_cast<uint64_t>(step_)}; },
      [this](const std::vector<uint64_t>& step) -> absl::Status {
        if (step.size() != 1) return absl::DataLossError("malformed 'step'");
        step_ = static_cast<int64_t>(step[0]);
        last_checkpoint_step_ = step_;
        return absl::OkStatus();
      });
  // The phase whose optimisers the state belongs to (that of the last step
  // taken), and its first epoch; loading makes those optimisers.
  auto first_epoch_of = [this](int phase) -> uint64_t { return phase == 0 ? 1 : phase_last_epoch_[phase - 1] + 1; };
  schema.U64s(
      "phase", [this, first_epoch_of] { return std::vector<uint64_t>{static_cast<uint64_t>(phase_), first_epoch_of(phase_)}; },
      [this, first_epoch_of](const std::vector<uint64_t>& saved) -> absl::Status {
        if (saved.size() != 2) return absl::DataLossError("malformed 'phase'");
        const int phase = PhaseOfEpoch(std::max<int64_t>(1, (step_ + steps_per_epoch_ - 1) / steps_per_epoch_));
        if (saved[0] != static_cast<uint64_t>(phase) || saved[1] != first_epoch_of(phase)) {
          return absl::FailedPreconditionError(absl::StrCat(
              "was written in phase ", saved[0], " (from epoch ", saved[1], "), but with these epochs its step ", step_,
              " falls in phase ", phase, " (from epoch ", first_epoch_of(phase), "); --epochs may only change before the first phase ends"));
        }
        return EnterPhase(phase);
      });
  return schema;
}

CheckpointSchema Trainer::StateSchema() {
  CheckpointSchema schema;
  schema.Doubles(
      "best", [this] { return std::vector<double>{best_selection_, static_cast<double>(best_epoch_)}; },
      [this](const std::vector<double>& best) -> absl::Status {
        if (best.size() != 2) return absl::DataLossError("malformed 'best'");
        best_selection_ = best[0];
        best_epoch_ = static_cast<int64_t>(best[1]);
        return absl::OkStatus();
      });
  for (auto [prefix, mlp, opt] : {std::tuple{"g", g_.get(), g_opt_.get()}, std::tuple{"d", d_.get(), d_opt_.get()}}) {
    for (const ParameterRef& p : mlp->Parameters()) schema.Floats(absl::StrCat(prefix, ".", p.name), p.value, p.size);
    if (mlp == g_.get() && g_ema_ != nullptr) {
      for (const ParameterRef& p : g_ema_->Parameters()) schema.Floats(absl::StrCat("g_ema.", p.name), p.value, p.size);
    }
    const std::vector<std::vector<float>*> tensors = opt->StateTensors();
    for (size_t i = 0; i < tensors.size(); ++i) {
      schema.Floats(absl::StrCat(prefix, ".optimizer.", i), tensors[i]->data(), static_cast<int64_t>(tensors[i]->size()));
    }
    const std::vector<double*> scalars = opt->StateScalars();
    schema.Doubles(
        absl::StrCat(prefix, ".optimizer.scalars"),
        [scalars] {
          std::vector<double> values;
          for (double* s : scalars) values.push_back(*s);
          return values;
        },
        [scalars](const std::vector<double>& values) -> absl::Status {
          if (values.size() != scalars.size()) return absl::DataLossError("optimizer state does not match");
          for (size_t i = 0; i < scalars.size(); ++i) *scalars[i] = values[i];
          return absl::OkStatus();
        });
  }
  const std::vector<Rng*> rngs = Generators();
  schema.U64s(
      "rngs",
      [rngs] {
        std::vector<uint64_t> words;
        for (Rng* rng : rngs) words.insert(words.end(), rng->state().begin(), rng->state().end());
        return words;
      },
      [rngs](const std::vector<uint64_t>& words) -> absl::Status {
        if (words.size() != 4 * rngs.size()) return absl::DataLossError("random generator state does not match");
        for (size_t i = 0; i < rngs.size(); ++i) rngs[i]->set_state({words[4 * i], words[4 * i + 1], words[4 * i + 2], words[4 * i + 3]});
        return absl::OkStatus();
      });
  // The batcher's generator, epoch and position, then its order; loading sets
  // the state once both are read.
  auto loading = std::make_shared<data::Batcher::State>();
  schema.U64s(
      "batcher",
      [this] {
        const data::Batcher::State state = batcher_->state();
        std::vector<uint64_t> words(state.rng.begin(), state.rng.end());
        words.push_back(state.epoch);
        words.push_back(state.position);
        return words;
      },
      [loading](const std::vector<uint64_t>& words) -> absl::Status {
        if (words.size() != 6) return absl::DataLossError("batch order does not match the training set");
        loading->rng = {words[0], words[1], words[2], words[3]};
        loading->epoch = static_cast<int64_t>(words[4]);
        loading->position = static_cast<int64_t>(words[5]);
        return absl::OkStatus();
      });
  schema.U64s(
      "batcher.order",
      [this] {
        const data::Batcher::State state = batcher_->state();
        return std::vector<uint64_t>(state.order.begin(), state.order.end());
      },
      [this, loading](const std::vector<uint64_t>& order) -> absl::Status {
        if (static_cast<int64_t>(order.size()) != train_.rows()) return absl::DataLossError("batch order does not match the training set");
        loading->order.clear();
        for (uint64_t row : order) {
          if (row >= static_cast<uint64_t>(train_.rows())) return absl::DataLossError("batch order out of range");
          loading->order.push_back(static_cast<int64_t>(row));
        }
        batcher_->set_state(*loading);
        return absl::OkStatus();
      });
  return schema;
}

absl::Status Trainer::SaveCheckpoint(const std::string& path) {
  CheckpointWriter writer;
  HeaderSchema().Save(writer);
  StateSchema().Save(writer);
  return writer.Write(path);
}

absl::Status Trainer::LoadCheckpoint(const std::string& path) {
  absl::StatusOr<CheckpointReader> reader = CheckpointReader::Open(path);
  if (!reader.ok()) return reader.status();
  // The header enters the checkpoint's phase, whose optimisers the state's records then name.
  if (absl::Status s = HeaderSchema().Load(*reader); !s.ok()) return s;
  return StateSchema().Load(*reader);
}

bool Trainer::ParametersFinite() {
  for (Mlp* mlp : {g_.get(), d_.get()}) {
    for (const ParameterRef& p : mlp->Parameters()) {
      for (int64_t i = 0; i < p.size; ++i) {
        if (!std::isfinite(p.value[i])) return false;
      }
    }
  }
  return true;
}

absl::Status Trainer::WriteSamples(int64_t epoch) {
  const std::vector<float> images = samples_inference_->Run(fixed_noise_.data());
  const eval::Image grid =
      eval::MakeGrid(images.data(), kSampleGridImages, train_.shape, 10, eval::DisplayFor(experiment_.data().gcn_scale()));
  return eval::WritePng(grid, absl::StrFormat("%s/samples/epoch_%04d.png", options_.output_dir, epoch));
}

absl::Status Trainer::Run() {
  if (absl::Status opened = OpenRun(); !opened.ok()) return opened;
  const absl::Status result = Train();
  std::fclose(metrics_);
  metrics_ = nullptr;
  return result;
}

absl::Status Trainer::OpenRun() {
  if (options_.resume) {
    if (absl::Status loaded = LoadCheckpoint(checkpoint_path()); !loaded.ok()) return loaded;
    std::fprintf(stderr, "resumed from %s at step %lld\n", checkpoint_path().c_str(), static_cast<long long>(step_));
  }
  std::string text;
  google::protobuf::TextFormat::PrintToString(experiment_, &text);
  if (absl::Status s = base::WriteFileAtomically(options_.output_dir + "/experiment.pbtxt", text); !s.ok()) return s;
  metrics_ = std::fopen((options_.output_dir + "/metrics.jsonl").c_str(), "a");
  if (metrics_ == nullptr) return absl::PermissionDeniedError(absl::StrCat(options_.output_dir, "/metrics.jsonl: cannot write"));
  if (g_ema_ != nullptr && step_ == 0) {
    // The average starts from G as training starts (after any --init_from).
    const auto& [from, to] = ema_pairs_;
    for (size_t t = 0; t < from.size(); ++t) std::copy(from[t].value, from[t].value + from[t].size, to[t].value);
  }
  return absl::OkStatus();
}

absl::Status Trainer::Train() {
  const int64_t total_steps = total_epochs() * steps_per_epoch_;
  const int64_t first_step = step_;
  const auto start = std::chrono::steady_clock::now();
  started_at_ = static_cast<int64_t>(std::time(nullptr));
  auto last_progress = start;
  // The ETA is measured from the end of this process's first epoch, which
  // carries one-off costs (first touches of every buffer); reports are
  // counted in as they come.
  int64_t eta_from_step = -1;
  auto eta_from = start;
  epoch_sums_[0] = epoch_sums_[1] = epoch_sums_[2] = epoch_sums_[3] = 0;
  epoch_summed_ = 0;
  while (step_ < total_steps) {
    const int64_t epoch = step_ / steps_per_epoch_ + 1;  // counting from 1
    if (step_ % steps_per_epoch_ == 0) {
      if (absl::Status begun = BeginEpoch(epoch); !begun.ok()) return begun;
    }
    // One iteration of Algorithm 1, and G's moving average.
    last_stats_ = step_runner_->Run(*g_opt_, *d_opt_);
    ++step_;
    if (g_ema_ != nullptr) UpdateGeneratorEma();
    const double values[4] = {last_stats_.d_loss, last_stats_.g_loss, last_stats_.mean_d_real, last_stats_.mean_d_fake};
    for (int i = 0; i < 4; ++i) epoch_sums_[i] += values[i];
    ++epoch_summed_;
    if (!std::isfinite(last_stats_.d_loss) || !std::isfinite(last_stats_.g_loss) || (step_ % 100 == 0 && !ParametersFinite())) {
      return NonFiniteError();
    }

    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start).count();
    const double steps_per_second = (step_ - first_step) / std::max(elapsed, 1e-9);
    const double eta_seconds = eta_from_step < 0 || step_ == eta_from_step
                                   ? -1
                                   : (total_steps - step_) * std::chrono::duration<double>(now - eta_from).count() /
                                         static_cast<double>(step_ - eta_from_step);
    if (options_.interactive && std::chrono::duration<double>(now - last_progress).count() > 0.5) {
      last_progress = now;
      ShowProgress(epoch, steps_per_second, eta_seconds);
    }
    if (step_ % steps_per_epoch_ == 0) {
      if (absl::Status finished = FinishEpoch(epoch, elapsed, steps_per_second, eta_seconds); !finished.ok()) return finished;
      if (eta_from_step < 0) {
        eta_from_step = step_;
        eta_from = std::chrono::steady_clock::now();
      }
    }
    const bool stop_requested = options_.stop != nullptr && options_.stop->load();
    const bool epoch_limit = options_.stop_after_epoch > 0 && step_ >= options_.stop_after_epoch * steps_per_epoch_;
    if (stop_requested || epoch_limit || (options_.max_steps > 0 && step_ - first_step >= options_.max_steps)) {
      const absl::Status saved = last_checkpoint_step_ == step_ ? absl::OkStatus() : SaveCheckpointIfFinite();
      if (stop_requested) std::fprintf(stderr, "\nstopped at step %lld; checkpoint %s\n", static_cast<long long>(step_), checkpoint_path().c_str());
      return saved;
    }
  }
  return absl::OkStatus();
}

absl::Status Trainer::BeginEpoch(int64_t epoch) {
  if (const int phase = PhaseOfEpoch(epoch); phase != phase_) {
    if (absl::Status entered = EnterPhase(phase); !entered.ok()) return entered;
    std::fprintf(stderr, "epoch %lld: phase %d of the schedule begins\n", static_cast<long long>(epoch), phase);
  }
  StartEpoch(epoch);
  return absl::OkStatus();
}

void Trainer::ShowProgress(int64_t epoch, double steps_per_second, double eta_seconds) const {
  const int64_t total_steps = total_epochs() * steps_per_epoch_;
  std::fprintf(stderr, "\repoch %lld/%lld step %lld/%lld  D %.4f  G %.4f  D(x) %.3f  D(G(z)) %.3f  %.0f ex/s  ETA %s   ",
               static_cast<long long>(epoch), static_cast<long long>(total_epochs()), static_cast<long long>(step_),
               static_cast<long long>(total_steps), last_stats_.d_loss, last_stats_.g_loss, last_stats_.mean_d_real,
               last_stats_.mean_d_fake, steps_per_second * experiment_.batch_size(),
               eta_seconds < 0 ? "after this epoch" : FormatSeconds(eta_seconds).c_str());
}

void Trainer::UpdateGeneratorEma() {
  const float decay = experiment_.generator_ema_decay();
  const std::vector<ParameterRef>& g = ema_pairs_.first;
  const std::vector<ParameterRef>& ema = ema_pairs_.second;
#pragma omp parallel  // one region for all tensors, as in SgdMomentum::Step
  for (size_t t = 0; t < g.size(); ++t) {
    const float* w = g[t].value;
    float* average = ema[t].value;
    const int64_t n = g[t].size;
#pragma omp for simd nowait
    for (int64_t i = 0; i < n; ++i) average[i] = decay * average[i] + (1.0f - decay) * w[i];
  }
}

absl::Status Trainer::FinishEpoch(int64_t epoch, double elapsed_seconds, double steps_per_second, double eta_seconds) {
  EpochReport report;
  if (reporting() && (epoch % options_.report_every_epochs == 0 || epoch == total_epochs())) {
    const int64_t rows = options_.report_samples;
    absl::StatusOr<EpochReport> made = options_.report(report_inference_->Run(report_noise_.data()).data(), rows, "");
    if (made.ok() && g_ema_ != nullptr) {
      absl::StatusOr<EpochReport> ema = options_.report(report_ema_inference_->Run(report_noise_.data()).data(), rows, "ema_");
      if (ema.ok()) {
        made->json_members += ", " + ema->json_members;
        made->text += "; moving average: " + ema->text;
      } else {
        made = ema.status();
      }
    }
    if (!made.ok()) {
      // Keep the epoch's training, then stop with the reason.
      if (absl::Status saved = SaveCheckpointIfFinite(); !saved.ok()) return saved;
      return absl::Status(made.status().code(), absl::StrCat("epoch ", epoch, " report: ", made.status().message()));
    }
    report = *std::move(made);
  }
  const bool new_best = std::isfinite(report.selection) && report.selection > best_selection_;
  if (new_best) {
    best_selection_ = report.selection;
    best_epoch_ = epoch;
  }

  const double n = static_cast<double>(epoch_summed_);
  const double means[4] = {epoch_sums_[0] / n, epoch_sums_[1] / n, epoch_sums_[2] / n, epoch_sums_[3] / n};
  const std::string line = absl::StrFormat(
      "{\"epoch\": %d, \"step\": %d, \"phase\": %d, \"update_mode\": \"%s\", \"d_loss\": %.6f, \"g_loss\": %.6f, "
      "\"mean_d_real\": %.6f, \"mean_d_fake\": %.6f, \"g_learning_rate\": %.8g, \"g_momentum\": %.8g, "
      "\"d_learning_rate\": %.8g, \"d_momentum\": %.8g, \"started_at\": %d, \"seconds\": %.3f, "
      "\"examples_per_second\": %.1f%s%s, \"best_epoch\": %d}",
      epoch, step_, phase_, UpdateModeName(experiment_.update_mode()), means[0], means[1], means[2], means[3],
      g_opt_->learning_rate(), g_opt_->momentum(), d_opt_->learning_rate(), d_opt_->momentum(), started_at_,
      elapsed_seconds, steps_per_second * experiment_.batch_size(), report.json_members.empty() ? "" : ", ",
      report.json_members, best_epoch_);
  std::fprintf(metrics_, "%s\n", line.c_str());
  std::fflush(metrics_);
  if (options_.interactive) std::fprintf(stderr, "\n");
  const std::string eta = epoch == total_epochs() || eta_seconds < 0 ? "" : ", ETA " + FormatSeconds(eta_seconds);
  std::fprintf(stderr, "epoch %lld: D loss %.4f, G loss %.4f, D(x) %.3f, D(G(z)) %.3f, %.0f examples/s%s%s%s%s\n",
               static_cast<long long>(epoch), means[0], means[1], means[2], means[3],
               steps_per_second * experiment_.batch_size(), eta.c_str(), report.text.empty() ? "" : "; ",
               report.text.c_str(), new_best ? " (best so far: best.ckpt)" : "");
  epoch_sums_[0] = epoch_sums_[1] = epoch_sums_[2] = epoch_sums_[3] = 0;
  epoch_summed_ = 0;

  if (options_.sample_every_epochs > 0 && epoch % options_.sample_every_epochs == 0) {
    if (absl::Status s = WriteSamples(epoch); !s.ok()) return s;
  }
  // best.ckpt first: a run interrupted between the two writes redoes this
  // epoch (bit-identically) and finds the same best again.
  if (!ParametersFinite()) return NonFiniteError();
  if (new_best) {
    if (absl::Status s = SaveCheckpoint(best_checkpoint_path()); !s.ok()) return s;
  }
  if (absl::Status s = SaveCheckpointIfFinite(); !s.ok()) return s;
  if (options_.after_epoch) options_.after_epoch(epoch);
  return absl::OkStatus();
}

absl::Status Trainer::SaveCheckpointIfFinite() {
  // Never overwrite a good checkpoint with a broken model.
  if (!ParametersFinite()) return NonFiniteError();
  if (absl::Status s = SaveCheckpoint(checkpoint_path()); !s.ok()) return s;
  last_checkpoint_step_ = step_;
  return absl::OkStatus();
}

absl::Status Trainer::NonFiniteError() const {
  return absl::FailedPreconditionError(absl::StrCat(
      "step ", step_, ": a loss or parameter became NaN or infinite (D loss ", last_stats_.d_loss, ", G loss ",
      last_stats_.g_loss, "); stopped. ",
      last_checkpoint_step_ >= 0 ? absl::StrCat("The last good checkpoint is ", checkpoint_path(), " (step ", last_checkpoint_step_, ").")
                                 : std::string("No checkpoint was written.")));
}

}  // namespace gan
