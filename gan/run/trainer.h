#ifndef GAN_RUN_TRAINER_H_
#define GAN_RUN_TRAINER_H_

// Trains an experiment end to end: builds its learner (gan/learners/learner.h: the GAN
// or an autoencoder), runs its updates epoch after epoch, and writes into one
// output directory:
//   experiment.pbtxt  the experiment as run (update mode included)
//   metrics.jsonl     one JSON line per epoch: the learner's figures (the
//                     GAN: the epoch's mean losses and D outputs, each
//                     optimiser's learning rate and momentum),
//                     `seconds` since this process's `started_at` (Unix time),
//                     and the report's figures
//   samples/epoch_NNNN.png  the learner's grid (the GAN: G's samples from fixed noise)
//   checkpoint.ckpt   everything resuming needs (see SaveCheckpoint)
//   best.ckpt         the same, of the epoch whose report had the best selection figure
// The schedule is the experiment's `epochs`, then each of its `phases` in turn
// (a phase may start fresh optimisers: gan/spec/experiment.proto).
// An interrupted run (stop flag, max_steps) checkpoints before it returns; a
// resumed run ends bit-identical to an uninterrupted one with the same seed
// and thread count; resuming first cuts metrics.jsonl back to the
// checkpoint's epochs (an epoch's line is written before its checkpoint). A
// run checkpoints before its first step too, so an abrupt end costs at most
// the epoch in progress.
//
// In a group of processes (TrainerOptions::group, data parallelism: every
// process runs a Trainer of the same experiment), rank 0 alone writes the
// output directory and reads the checkpoint it resumes from, which it sends to
// the others; the step's figures are averaged over the group, a stop is taken
// by all at the same step, and at each epoch's end the ranks check that they
// hold the same parameters. The checkpoint is that of one process, so a run
// may resume with any number of ranks.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "data/dataset.h"
#include "distributed/group.h"
#include "base/checkpoint.h"
#include "gan/learners/learner.h"
#include "gan/spec/experiment.pb.h"
#include "gan/nets/mlp.h"

namespace gan {

// What TrainerOptions::report measured: JSON members for the epoch's line of
// metrics.jsonl ("\"name\": value, ..."), and a short text for the log.
// `selection`, when finite, is the figure that chooses the run's best model
// (higher is better; tools/train.cc: the validation Parzen figure); the
// trainer keeps the best epoch's checkpoint as best.ckpt.
struct EpochReport {
  std::string json_members;
  std::string text;
  double selection = std::numeric_limits<double>::quiet_NaN();
};

struct TrainerOptions {
  std::string output_dir;            // created if missing
  int64_t sample_every_epochs = 1;   // 0: no sample grids
  int64_t max_steps = 0;             // > 0: checkpoint and return after this many steps of this call
  int64_t stop_after_epoch = 0;      // > 0: checkpoint and return when this epoch (of the whole schedule) ends
  bool resume = false;               // continue from output_dir/checkpoint.ckpt
  bool interactive = false;          // a live progress line (on a terminal); else one line per epoch
  const std::atomic<bool>* stop = nullptr;  // when set: checkpoint and return (e.g. from SIGINT)
  // Every report_every_epochs epochs and at the last (0: never), `report`
  // measures the generator by report_samples of its samples [rows, data_dim]
  // (tools/train.cc: the Parzen protocol), drawn from the same noise each
  // time (kEvaluationNoiseSeed, that of //tools:evaluate) without touching
  // the training's random streams. Its figures join that epoch's metrics
  // line, their JSON names starting with `prefix` ("" for G, "ema_" for G's
  // moving average, whose selection figure chooses nothing).
  int64_t report_every_epochs = 0;
  int64_t report_samples = 10000;
  std::function<absl::StatusOr<EpochReport>(const float* samples, int64_t rows, const std::string& prefix)> report;
  // The validation images [rows, data_dim] (tools/train.cc: the validation
  // set's), must outlive the trainer. An inpainter's (Experiment.inpainting)
  // report measures its completions of these images (image i % rows for
  // sample i), each under a training-family mask, and its sample grids show
  // the first images' observed parts beside their completions (null: the
  // training set's images); a semi-supervised run counts its D's errors on
  // them every epoch (null: it counts none).
  const data::Dataset* validation_images = nullptr;
  // An inference experiment's (Experiment.inference) fixed generator, with
  // the parameters read from its inference.generator_file (tools/train.cc:
  // export/generator_file.h), and that file's SHA-256. The learner copies
  // them; on resume the checkpoint's copy replaces them.
  Mlp* inference_generator = nullptr;
  std::string inference_generator_sha256;
  // Called when an epoch's outputs (metrics line, samples, checkpoints) are
  // written (tools/train.cc: rewrites report.html); never changes the training.
  std::function<void(int64_t epoch)> after_epoch;
  // The processes that train this model together (distributed/group.h);
  // null: this process alone. Must outlive the trainer.
  distributed::Group* group = nullptr;
};

class Trainer {
 public:
  // `train` must outlive the trainer. The learner is the experiment's model
  // (gan/learners/learner.h): the GAN, an autoencoder when it sets
  // `autoencoder`, or an inference net when it sets `inference`.
  static absl::StatusOr<std::unique_ptr<Trainer>> Create(const proto::Experiment& experiment,
                                                         const data::Dataset& train, TrainerOptions options);

  // Trains until every phase is complete, or until max_steps, stop_after_epoch or stop.
  // A non-finite figure or parameter stops with an error naming the step; the
  // last checkpoint written before it stays as it was.
  absl::Status Run();

  // Everything a resumed run needs, in the records of HeaderSchema then
  // StateSchema, which saving and loading both walk.
  absl::Status SaveCheckpoint(const std::string& path);
  absl::Status LoadCheckpoint(const std::string& path);
  // Whether this process writes the run's outputs (alone, or rank 0 of its group).
  bool writes_outputs() const { return group_.leads(); }

  Learner& learner() { return *learner_; }
  // The trained net whose checkpoint prefix is `name` ("g", "d", "encoder"), or null.
  Mlp* net(const std::string& name);
  Mlp& generator() { return *learner_->Generator(); }
  Mlp* generator_ema() { return learner_->GeneratorEma(); }  // null unless the experiment sets generator_ema_decay
  int64_t step() const { return step_; }
  int64_t steps_per_epoch() const { return steps_per_epoch_; }
  // The last update's figures (Learner::StepFigureNames), and one by name (NaN if it has none such).
  const std::vector<double>& last_figures() const { return last_figures_; }
  double last_figure(const std::string& name) const;
  std::string checkpoint_path() const { return options_.output_dir + "/checkpoint.ckpt"; }
  std::string best_checkpoint_path() const { return options_.output_dir + "/best.ckpt"; }
  int64_t total_epochs() const { return total_epochs_; }
  bool finished() const { return step_ == total_epochs() * steps_per_epoch_; }
  // The epoch of best.ckpt and its selection figure (0 and -inf before any report).
  int64_t best_epoch() const { return best_epoch_; }
  double best_selection() const { return best_selection_; }

 private:
  Trainer(const proto::Experiment& experiment, const data::Dataset& train, TrainerOptions options);
  absl::Status Build();
  // The checkpoint's records: the header (experiment, step, the learner's
  // header), then the state (best epoch, the learner's state, random
  // streams, batch order).
  CheckpointSchema HeaderSchema();
  CheckpointSchema StateSchema();
  // Whether the options ask for reports (TrainerOptions::report) and the model has a generator to report on.
  bool reporting() const { return options_.report_every_epochs > 0 && options_.report != nullptr && learner_->Generator() != nullptr; }
  // Run's parts: resuming and opening the outputs; the loop of iterations;
  // the live progress line.
  absl::Status OpenRun();
  absl::Status Train();
  // eta_seconds < 0: not measured yet.
  void ShowProgress(int64_t epoch, double steps_per_second, double eta_seconds) const;
  // The epoch's end: in a group, the ranks' agreement, then rank 0's
  // WriteEpoch while the others wait.
  absl::Status FinishEpoch(int64_t epoch, double elapsed_seconds, double steps_per_second, double eta_seconds);
  // The epoch's reports, metrics line, samples, best.ckpt and checkpoint.
  absl::Status WriteEpoch(int64_t epoch, double elapsed_seconds, double steps_per_second, double eta_seconds);
  absl::StatusOr<EpochReport> Report();
  absl::Status WriteSamples(int64_t epoch);
  bool ParametersFinite();
  // Writes checkpoint.ckpt, or, if a parameter is not finite, leaves the last
  // good one and returns NonFiniteError().
  absl::Status SaveCheckpointIfFinite();
  // The stop on a non-finite figure or parameter, naming the last good checkpoint.
  absl::Status NonFiniteError() const;
  // In a group: the step's figures averaged over it, and whether any rank
  // asked to stop (`stop_requested`, in and out).
  absl::Status AgreeOnStep(bool& stop_requested);
  // In a group: an error unless every rank holds the same parameters.
  absl::Status CheckRanksAgree(int64_t epoch);

  proto::Experiment experiment_;
  const data::Dataset& train_;
  TrainerOptions options_;
  distributed::Group& group_;  // options_.group, or Solo()
  std::unique_ptr<data::Batcher> batcher_;
  std::unique_ptr<Learner> learner_;
  std::vector<std::string> figure_names_;  // learner_->StepFigureNames()
  std::vector<float> report_noise_;        // [report_samples, noise_dim]
  std::unique_ptr<Inference> report_inference_, report_ema_inference_;
  double best_selection_ = -std::numeric_limits<double>::infinity();
  int64_t best_epoch_ = 0;
  std::FILE* metrics_ = nullptr;    // open during Run
  std::vector<double> epoch_sums_;  // of each figure over the epoch's steps
  int64_t epoch_summed_ = 0;
  std::vector<float> fixed_noise_;  // [kSampleGridImages, noise_dim], for comparable sample grids; empty without noise
  int64_t step_ = 0, steps_per_epoch_ = 0, total_epochs_ = 0, last_checkpoint_step_ = -1;
  int64_t started_at_ = 0;  // Unix time this process's Train began
  std::vector<double> last_figures_;
};

// The experiment with the fields a run may change on resume (epochs) cleared:
// two experiments with the same key train the same model.
std::string ExperimentKey(const proto::Experiment& experiment);

}  // namespace gan

#endif  // GAN_RUN_TRAINER_H_
