#include "gan/run/trainer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <new>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "base/content_hash.h"
#include "base/file_bytes.h"
#include "base/status_macros.h"
#include "data/image_grid.h"
#include "gan/learners/autoencoder_learner.h"
#include "base/checkpoint.h"
#include "gan/spec/experiment.h"
#include "gan/spec/inpainting.h"
#include "gan/learners/gan_learner.h"
#include "gan/learners/inference_learner.h"
#include "gan/learners/semi_supervised_learner.h"
#include "gan/spec/noise.h"
#include "gan/spec/seed_streams.h"
#include "google/protobuf/text_format.h"

namespace gan {
namespace {

// The learner the experiment describes.
absl::StatusOr<std::unique_ptr<Learner>> MakeLearner(const proto::Experiment& experiment, const data::Dataset& train,
                                                     std::function<const float*()> next_batch, distributed::Group& group,
                                                     const TrainerOptions& options) {
  // Only the GAN's step is shared by a group of processes.
  const char* one_process = experiment.has_inference()         ? "inference: an inference net"
                            : experiment.has_semi_supervised() ? "semi_supervised: a semi-supervised GAN"
                            : experiment.has_autoencoder()     ? "autoencoder: an autoencoder"
                                                               : nullptr;
  if (one_process != nullptr && group.size() > 1) {
    return absl::UnimplementedError(absl::StrCat(one_process, " trains in one process; run without mpirun (", group.size(), " ranks given)"));
  }
  if (experiment.has_inference()) {
    if (options.inference_generator == nullptr) {
      return absl::InvalidArgumentError("inference: the fixed generator was not given (TrainerOptions::inference_generator)");
    }
    absl::StatusOr<std::unique_ptr<InferenceLearner>> inference =
        InferenceLearner::Create(experiment, train, *options.inference_generator, options.inference_generator_sha256);
    if (!inference.ok()) return inference.status();
    return std::unique_ptr<Learner>(*std::move(inference));
  }
  if (experiment.has_semi_supervised()) {
    absl::StatusOr<std::unique_ptr<SemiSupervisedLearner>> learner =
        SemiSupervisedLearner::Create(experiment, train, std::move(next_batch), options.validation_images);
    if (!learner.ok()) return learner.status();
    return std::unique_ptr<Learner>(*std::move(learner));
  }
  if (experiment.has_autoencoder()) {
    absl::StatusOr<std::unique_ptr<AutoencoderLearner>> autoencoder = AutoencoderLearner::Create(experiment, train, std::move(next_batch));
    if (!autoencoder.ok()) return autoencoder.status();
    return std::unique_ptr<Learner>(*std::move(autoencoder));
  }
  absl::StatusOr<std::unique_ptr<GanLearner>> gan = GanLearner::Create(experiment, train, std::move(next_batch), group);
  if (!gan.ok()) return gan.status();
  return std::unique_ptr<Learner>(*std::move(gan));
}

// The checkpoint at `path` on rank 0, on every rank of `group`: rank 0 reads
// the file and sends its bytes, or its error, so no other rank needs the file.
absl::StatusOr<CheckpointReader> ReadCheckpointOfLead(distributed::Group& group, const std::string& path) {
  std::string message;
  if (group.leads()) {
    absl::StatusOr<std::string> bytes = base::ReadFileBytes(path);
    message = bytes.ok() ? "C" + *std::move(bytes) : "E" + std::string(bytes.status().message());
  }
  GAN_RETURN_IF_ERROR(group.Broadcast(message));
  if (message.empty() || message[0] != 'C') {
    return absl::NotFoundError(message.empty() ? path + ": nothing received from rank 0" : message.substr(1));
  }
  return CheckpointReader::Parse(path, message.substr(1));
}

// Cuts metrics.jsonl at `path` back to the lines of epochs 1 to `epochs`,
// those a checkpoint of that many finished epochs has seen (a fresh start: 0,
// none). An epoch's line is written before its checkpoint, so a process killed
// between the two leaves a line that the resumed run writes again; that line,
// and an unfinished last line, are dropped (and said on stderr). A missing
// file is fine; a line that does not begin as the trainer writes it is an
// error naming the file and line.
absl::Status TrimMetricsToEpoch(const std::string& path, int64_t epochs) {
  if (!std::filesystem::exists(path)) return absl::OkStatus();
  absl::StatusOr<std::string> bytes = base::ReadFileBytes(path);
  if (!bytes.ok()) return bytes.status();
  constexpr absl::string_view kEpochMember = "{\"epoch\": ";
  std::string kept;
  int64_t dropped = 0, line_number = 0;
  for (size_t at = 0; at < bytes->size();) {
    const size_t end = bytes->find('\n', at);
    ++line_number;
    if (end == std::string::npos) {  // unfinished: the process stopped while writing it
      ++dropped;
      break;
    }
    const absl::string_view line = absl::string_view(*bytes).substr(at, end + 1 - at);
    at = end + 1;
    int64_t epoch = 0;
    const size_t comma = line.find(',');
    if (!absl::StartsWith(line, kEpochMember) || comma == absl::string_view::npos ||
        !absl::SimpleAtoi(line.substr(kEpochMember.size(), comma - kEpochMember.size()), &epoch)) {
      return absl::DataLossError(absl::StrCat(path, " line ", line_number, ": does not begin with {\"epoch\": N, as the trainer writes it"));
    }
    if (epoch <= epochs) {
      kept.append(line.data(), line.size());
    } else {
      ++dropped;
    }
  }
  if (dropped == 0) return absl::OkStatus();
  std::fprintf(stderr, "%s: dropped %lld line(s) past epoch %lld, where this run starts (written before its process stopped; they are written again)\n",
               path.c_str(), static_cast<long long>(dropped), static_cast<long long>(epochs));
  return base::WriteFileAtomically(path, kept);
}

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
    : experiment_(experiment), train_(train), options_(std::move(options)),
      group_(options_.group != nullptr ? *options_.group : distributed::Solo()) {}

absl::StatusOr<std::unique_ptr<Trainer>> Trainer::Create(const proto::Experiment& experiment,
                                                         const data::Dataset& train, TrainerOptions options) {
  std::unique_ptr<Trainer> trainer(new Trainer(experiment, train, std::move(options)));
  GAN_RETURN_IF_ERROR(trainer->Build());
  return trainer;
}

absl::Status Trainer::Build() {
  const proto::Experiment& e = experiment_;
  GAN_RETURN_IF_ERROR(ValidateExperiment(e));
  if (train_.rows() < e.batch_size()) {
    return absl::InvalidArgumentError(absl::StrCat("the training set has ", train_.rows(), " examples, fewer than one batch of ", e.batch_size()));
  }
  total_epochs_ = e.epochs();
  for (const proto::Phase& phase : e.phases()) total_epochs_ += phase.epochs();
  if (const int64_t classes = ConditionClasses(e); classes > 0) {
    for (int64_t i = 0; i < train_.rows(); ++i) {
      if (train_.labels[i] < 0 || train_.labels[i] >= classes) {
        return absl::InvalidArgumentError(absl::StrCat("conditioning: training example ", i, " of data set '", e.data().dataset(),
                                                       "' has label ", train_.labels[i], ", not one of the ", classes, " classes"));
      }
    }
  }
  batcher_ = std::make_unique<data::Batcher>(train_, e.batch_size(), StreamSeed(e.seed(), SeedStream::kBatches), ConditionClasses(e));
  absl::StatusOr<std::unique_ptr<Learner>> learner = MakeLearner(e, train_, [this] { return batcher_->Next(); }, group_, options_);
  if (!learner.ok()) return learner.status();
  learner_ = *std::move(learner);
  figure_names_ = learner_->StepFigureNames();
  steps_per_epoch_ = learner_->StepsPerEpoch(batcher_->batches_per_epoch());
  const data::Dataset& inpainting_images = options_.validation_images != nullptr ? *options_.validation_images : train_;
  if (e.has_inpainting()) {
    Rng sample_rng(SampleGridSeed(e.seed()));
    fixed_noise_ = TrainingInputs(e, sample_rng, inpainting_images.pixels.data(), inpainting_images.rows(), kSampleGridImages);
  } else if (e.has_noise()) {
    Rng sample_rng(SampleGridSeed(e.seed()));
    fixed_noise_ = DrawNoise(e, sample_rng, kSampleGridImages);  // a conditional G's classes in turn
  }
  if (reporting()) {
    if (options_.report_samples <= 0) {
      return absl::InvalidArgumentError(absl::StrCat("report_samples must be positive, not ", options_.report_samples));
    }
    Rng report_rng(kEvaluationNoiseSeed);
    report_noise_ = e.has_inpainting() ? TrainingInputs(e, report_rng, inpainting_images.pixels.data(), inpainting_images.rows(),
                                                        options_.report_samples)
                                       : DrawNoise(e, report_rng, options_.report_samples);
    try {
      report_inference_ = std::make_unique<Inference>(*learner_->Generator(), options_.report_samples);
      if (learner_->GeneratorEma() != nullptr) {
        report_ema_inference_ = std::make_unique<Inference>(*learner_->GeneratorEma(), options_.report_samples);
      }
    } catch (const dnnl::error& error) {
      return absl::InternalError(absl::StrCat("oneDNN could not make the report's primitives: ", error.what()));
    } catch (const std::bad_alloc&) {
      return absl::ResourceExhaustedError(absl::StrCat("not enough memory for the report's ", options_.report_samples, " samples"));
    }
  }
  if (!writes_outputs()) return absl::OkStatus();
  GAN_RETURN_IF_ERROR(base::MakeDirs(options_.output_dir));
  if (options_.sample_every_epochs > 0) {
    GAN_RETURN_IF_ERROR(base::MakeDirs(options_.output_dir + "/samples"));
  }
  return absl::OkStatus();
}

Mlp* Trainer::net(const std::string& name) {
  for (const auto& [prefix, mlp] : learner_->TrainedNets()) {
    if (prefix == name) return mlp;
  }
  return nullptr;
}

double Trainer::last_figure(const std::string& name) const {
  for (size_t i = 0; i < figure_names_.size() && i < last_figures_.size(); ++i) {
    if (figure_names_[i] == name) return last_figures_[i];
  }
  return std::numeric_limits<double>::quiet_NaN();
}

CheckpointSchema Trainer::HeaderSchema() {
  CheckpointSchema schema;
  schema.String(
      kExperimentRecord, [this] { return ExperimentKey(experiment_); },
      [this](const std::string& key) -> absl::Status {
        if (key == ExperimentKey(experiment_)) return absl::OkStatus();
        return absl::FailedPreconditionError(
            absl::StrCat("was written by a different experiment (only `epochs` may change on resume). Its experiment:\n", key));
      });
  schema.U64s(
      kStepRecord, [this] { return std::vector<uint64_t>{static_cast<uint64_t>(step_)}; },
      [this](const std::vector<uint64_t>& step) -> absl::Status {
        if (step.size() != 1) return absl::DataLossError("malformed 'step'");
        step_ = static_cast<int64_t>(step[0]);
        last_checkpoint_step_ = step_;
        return absl::OkStatus();
      });
  learner_->AddHeaderRecords(schema, step_, steps_per_epoch_);
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
  learner_->AddStateRecords(schema);
  const std::vector<Rng*> rngs = learner_->RandomStreams();
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
  AddBatcherRecords(schema, "batcher", *batcher_, train_.rows());
  return schema;
}

absl::Status Trainer::SaveCheckpoint(const std::string& path) {
  CheckpointWriter writer;
  HeaderSchema().Save(writer);
  StateSchema().Save(writer);
  return writer.Write(path);
}

absl::Status Trainer::LoadCheckpoint(const std::string& path) {
  absl::StatusOr<CheckpointReader> reader = group_.size() == 1 ? CheckpointReader::Open(path) : ReadCheckpointOfLead(group_, path);
  if (!reader.ok()) return reader.status();
  // The header enters the checkpoint's phase, whose optimisers the state's records then name.
  GAN_RETURN_IF_ERROR(HeaderSchema().Load(*reader));
  return StateSchema().Load(*reader);
}

bool Trainer::ParametersFinite() {
  for (const auto& [prefix, mlp] : learner_->TrainedNets()) {
    for (const ParameterRef& p : mlp->Parameters()) {
      for (int64_t i = 0; i < p.size; ++i) {
        if (!std::isfinite(p.value[i])) return false;
      }
    }
  }
  return true;
}

absl::Status Trainer::WriteSamples(int64_t epoch) {
  std::vector<float> images = learner_->SampleGridImages(fixed_noise_.empty() ? nullptr : fixed_noise_.data());
  int64_t count = kSampleGridImages, columns = 10;
  if (experiment_.has_inpainting()) {
    images = InpaintingGridImages(experiment_, fixed_noise_.data(), images.data(), kSampleGridImages);
    count *= 2;
    columns *= 2;
  }
  const data::Image grid =
      data::MakeGrid(images.data(), count, train_.shape, columns, data::DisplayFor(experiment_.data().gcn_scale()));
  return data::WritePng(grid, absl::StrFormat("%s/samples/epoch_%04d.png", options_.output_dir, epoch));
}

absl::Status Trainer::Run() {
  GAN_RETURN_IF_ERROR(OpenRun());
  const absl::Status result = Train();
  if (metrics_ != nullptr) std::fclose(metrics_);
  metrics_ = nullptr;
  return result;
}

absl::Status Trainer::OpenRun() {
  if (options_.resume) {
    GAN_RETURN_IF_ERROR(LoadCheckpoint(checkpoint_path()));
    std::fprintf(stderr, "resumed from %s at step %lld\n", checkpoint_path().c_str(), static_cast<long long>(step_));
  } else if (!experiment_.init_from().empty()) {
    // A later stage starts from an earlier one's nets (a resumed run's
    // checkpoint already holds what this stage has learnt).
    GAN_RETURN_IF_ERROR(InitializeTrainedNets(*learner_, experiment_.init_from()));
    std::string nets;
    for (const auto& [prefix, mlp] : learner_->TrainedNets()) absl::StrAppend(&nets, nets.empty() ? "" : ", ", prefix);
    std::fprintf(stderr, "nets %s start from %s\n", nets.c_str(), experiment_.init_from().c_str());
  }
  learner_->BeforeTraining(step_);
  if (!writes_outputs()) return absl::OkStatus();
  std::string text;
  google::protobuf::TextFormat::PrintToString(experiment_, &text);
  GAN_RETURN_IF_ERROR(base::WriteFileAtomically(options_.output_dir + "/experiment.pbtxt", text));
  const std::string metrics_path = options_.output_dir + "/metrics.jsonl";
  GAN_RETURN_IF_ERROR(TrimMetricsToEpoch(metrics_path, step_ / steps_per_epoch_));
  metrics_ = std::fopen(metrics_path.c_str(), "a");
  if (metrics_ == nullptr) return absl::PermissionDeniedError(absl::StrCat(metrics_path, ": cannot write"));
  // A checkpoint from the first step on: a process ended in the first epoch
  // resumes from step 0 as one ended later resumes from its last epoch.
  if (last_checkpoint_step_ != step_) GAN_RETURN_IF_ERROR(SaveCheckpointIfFinite());
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
  epoch_sums_.assign(figure_names_.size(), 0.0);
  epoch_summed_ = 0;
  while (step_ < total_steps) {
    const int64_t epoch = step_ / steps_per_epoch_ + 1;  // counting from 1
    if (step_ % steps_per_epoch_ == 0) {
      GAN_RETURN_IF_ERROR(learner_->BeginEpoch(epoch));
    }
    // (In a group, the step's collectives fail only when a rank stops answering.)
    auto at_step = [this](const absl::Status& status) {
      return absl::Status(status.code(), absl::StrCat("step ", step_ + 1, ": ", status.message()));
    };
    absl::StatusOr<std::vector<double>> figures = learner_->Step();
    if (!figures.ok()) return at_step(figures.status());
    last_figures_ = *std::move(figures);
    bool stop_requested = options_.stop != nullptr && options_.stop->load();
    if (absl::Status agreed = AgreeOnStep(stop_requested); !agreed.ok()) return at_step(agreed);
    ++step_;
    bool finite = true;
    for (size_t i = 0; i < last_figures_.size(); ++i) {
      epoch_sums_[i] += last_figures_[i];
      finite = finite && std::isfinite(last_figures_[i]);
    }
    ++epoch_summed_;
    if (!finite || (step_ % 100 == 0 && !ParametersFinite())) return NonFiniteError();

    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start).count();
    const double steps_per_second = (step_ - first_step) / std::max(elapsed, 1e-9);
    const double eta_seconds = eta_from_step < 0 || step_ == eta_from_step
                                   ? -1
                                   : (total_steps - step_) * std::chrono::duration<double>(now - eta_from).count() /
                                         static_cast<double>(step_ - eta_from_step);
    if (options_.interactive && writes_outputs() && std::chrono::duration<double>(now - last_progress).count() > 0.5) {
      last_progress = now;
      ShowProgress(epoch, steps_per_second, eta_seconds);
    }
    if (step_ % steps_per_epoch_ == 0) {
      GAN_RETURN_IF_ERROR(FinishEpoch(epoch, elapsed, steps_per_second, eta_seconds));
      if (eta_from_step < 0) {
        eta_from_step = step_;
        eta_from = std::chrono::steady_clock::now();
      }
    }
    const bool epoch_limit = options_.stop_after_epoch > 0 && step_ >= options_.stop_after_epoch * steps_per_epoch_;
    if (stop_requested || epoch_limit || (options_.max_steps > 0 && step_ - first_step >= options_.max_steps)) {
      const absl::Status saved = last_checkpoint_step_ == step_ ? absl::OkStatus() : SaveCheckpointIfFinite();
      if (stop_requested && writes_outputs()) std::fprintf(stderr, "\nstopped at step %lld; checkpoint %s\n", static_cast<long long>(step_), checkpoint_path().c_str());
      return saved;
    }
  }
  return absl::OkStatus();
}

void Trainer::ShowProgress(int64_t epoch, double steps_per_second, double eta_seconds) const {
  const int64_t total_steps = total_epochs() * steps_per_epoch_;
  std::fprintf(stderr, "\repoch %lld/%lld step %lld/%lld%s  %s  %.0f ex/s  ETA %s   ", static_cast<long long>(epoch),
               static_cast<long long>(total_epochs()), static_cast<long long>(step_), static_cast<long long>(total_steps),
               group_.size() > 1 ? absl::StrCat(" (", group_.size(), " ranks)").c_str() : "",
               learner_->DescribeFigures(last_figures_).c_str(), steps_per_second * experiment_.batch_size(),
               eta_seconds < 0 ? "after this epoch" : FormatSeconds(eta_seconds).c_str());
}

absl::StatusOr<EpochReport> Trainer::Report() {
  const int64_t rows = options_.report_samples;
  learner_->SyncGenerator();
  // An inpainter is measured by its completions.
  auto samples = [&](Inference& generator) {
    std::vector<float> generated = generator.Run(report_noise_.data());
    return experiment_.has_inpainting() ? CompleteRows(experiment_, report_noise_.data(), generated.data(), rows) : generated;
  };
  absl::StatusOr<EpochReport> made = options_.report(samples(*report_inference_).data(), rows, "");
  if (made.ok() && report_ema_inference_ != nullptr) {
    absl::StatusOr<EpochReport> ema = options_.report(samples(*report_ema_inference_).data(), rows, "ema_");
    if (!ema.ok()) return ema.status();
    made->json_members += ", " + ema->json_members;
    made->text += "; moving average: " + ema->text;
  }
  return made;
}

absl::Status Trainer::FinishEpoch(int64_t epoch, double elapsed_seconds, double steps_per_second, double eta_seconds) {
  if (group_.size() == 1) return WriteEpoch(epoch, elapsed_seconds, steps_per_second, eta_seconds);
  GAN_RETURN_IF_ERROR(CheckRanksAgree(epoch));
  if (writes_outputs()) {
    GAN_RETURN_IF_ERROR(WriteEpoch(epoch, elapsed_seconds, steps_per_second, eta_seconds));
  } else {
    epoch_sums_.assign(figure_names_.size(), 0.0);
    epoch_summed_ = 0;
    last_checkpoint_step_ = step_;
  }
  // The other ranks sleep while rank 0 writes (and reports), rather than spin in the next step's sums.
  return group_.Barrier();
}

absl::Status Trainer::AgreeOnStep(bool& stop_requested) {
  if (group_.size() == 1) return absl::OkStatus();
  std::vector<double> sums = last_figures_;
  sums.push_back(stop_requested ? 1 : 0);
  GAN_RETURN_IF_ERROR(group_.SumDoubles(sums.data(), static_cast<int>(sums.size())));
  for (size_t i = 0; i < last_figures_.size(); ++i) last_figures_[i] = sums[i] / group_.size();
  stop_requested = sums.back() > 0;
  return absl::OkStatus();
}

absl::Status Trainer::CheckRanksAgree(int64_t epoch) {
  uint64_t digest = base::Fnv1a(nullptr, 0);
  for (const auto& [prefix, mlp] : learner_->TrainedNets()) {
    for (const ParameterRef& p : mlp->Parameters()) digest = base::Fnv1a(p.value, p.size * sizeof(float), digest);
  }
  absl::StatusOr<std::vector<uint64_t>> digests = group_.AllGather(digest);
  if (!digests.ok()) return digests.status();
  std::string differing;
  for (size_t r = 1; r < digests->size(); ++r) {
    if ((*digests)[r] != (*digests)[0]) absl::StrAppend(&differing, differing.empty() ? "" : ", ", r);
  }
  if (differing.empty()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("epoch ", epoch, ": ranks ", differing, " hold parameters other than rank 0's (of ",
                                          group_.size(), " ranks); the run has diverged and stops. The last checkpoint is ",
                                          checkpoint_path(), " (step ", last_checkpoint_step_, ")"));
}

absl::Status Trainer::WriteEpoch(int64_t epoch, double elapsed_seconds, double steps_per_second, double eta_seconds) {
  EpochReport report;
  if (reporting() && (epoch % options_.report_every_epochs == 0 || epoch == total_epochs())) {
    absl::StatusOr<EpochReport> made = Report();
    if (!made.ok()) {
      // Keep the epoch's training, then stop with the reason.
      GAN_RETURN_IF_ERROR(SaveCheckpointIfFinite());
      return absl::Status(made.status().code(), absl::StrCat("epoch ", epoch, " report: ", made.status().message()));
    }
    report = *std::move(made);
  }
  const bool new_best = std::isfinite(report.selection) && report.selection > best_selection_;
  if (new_best) {
    best_selection_ = report.selection;
    best_epoch_ = epoch;
  }

  std::vector<double> means(epoch_sums_.size());
  for (size_t i = 0; i < means.size(); ++i) means[i] = epoch_sums_[i] / static_cast<double>(epoch_summed_);
  const std::string line = absl::StrFormat(
      "{\"epoch\": %d, \"step\": %d, %s, \"started_at\": %d, \"seconds\": %.3f, \"examples_per_second\": %.1f%s%s, "
      "\"best_epoch\": %d}",
      epoch, step_, learner_->EpochJsonMembers(means), started_at_, elapsed_seconds,
      steps_per_second * experiment_.batch_size(), report.json_members.empty() ? "" : ", ", report.json_members, best_epoch_);
  std::fprintf(metrics_, "%s\n", line.c_str());
  std::fflush(metrics_);
  if (options_.interactive) std::fprintf(stderr, "\n");
  const std::string eta = epoch == total_epochs() || eta_seconds < 0 ? "" : ", ETA " + FormatSeconds(eta_seconds);
  std::fprintf(stderr, "epoch %lld: %s, %.0f examples/s%s%s%s%s\n", static_cast<long long>(epoch),
               learner_->DescribeFigures(means).c_str(), steps_per_second * experiment_.batch_size(), eta.c_str(),
               report.text.empty() ? "" : "; ", report.text.c_str(), new_best ? " (best so far: best.ckpt)" : "");
  epoch_sums_.assign(figure_names_.size(), 0.0);
  epoch_summed_ = 0;

  if (options_.sample_every_epochs > 0 && epoch % options_.sample_every_epochs == 0) {
    GAN_RETURN_IF_ERROR(WriteSamples(epoch));
  }
  // best.ckpt first: a run interrupted between the two writes redoes this
  // epoch (bit-identically) and finds the same best again.
  if (!ParametersFinite()) return NonFiniteError();
  if (new_best) {
    GAN_RETURN_IF_ERROR(SaveCheckpoint(best_checkpoint_path()));
  }
  GAN_RETURN_IF_ERROR(SaveCheckpointIfFinite());
  if (options_.after_epoch) options_.after_epoch(epoch);
  return absl::OkStatus();
}

absl::Status Trainer::SaveCheckpointIfFinite() {
  // Never overwrite a good checkpoint with a broken model.
  if (!ParametersFinite()) return NonFiniteError();
  if (!writes_outputs()) {
    last_checkpoint_step_ = step_;  // rank 0's
    return absl::OkStatus();
  }
  GAN_RETURN_IF_ERROR(SaveCheckpoint(checkpoint_path()));
  last_checkpoint_step_ = step_;
  return absl::OkStatus();
}

absl::Status Trainer::NonFiniteError() const {
  return absl::FailedPreconditionError(absl::StrCat(
      "step ", step_, ": a figure or parameter became NaN or infinite (",
      last_figures_.empty() ? std::string("no step taken") : learner_->DescribeFigures(last_figures_), "); stopped. ",
      last_checkpoint_step_ >= 0 ? absl::StrCat("The last good checkpoint is ", checkpoint_path(), " (step ", last_checkpoint_step_, ").")
                                 : std::string("No checkpoint was written.")));
}

}  // namespace gan
