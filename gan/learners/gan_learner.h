#ifndef GAN_LEARNERS_GAN_LEARNER_H_
#define GAN_LEARNERS_GAN_LEARNER_H_

// The adversarial nets as a Learner (gan/learners/learner.h): G and D, Algorithm 1's
// iteration (gan/learners/adversarial_step.h), their optimisers through the
// experiment's phases, and G's moving average.
//
// Checkpoint records: the header's "phase" (its index and first epoch;
// loading makes that phase's optimisers), then g.*, g_ema.*, g.optimizer.*,
// d.*, d.optimizer.*.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "data/dataset.h"
#include "distributed/group.h"
#include "gan/learners/adversarial_step.h"
#include "gan/spec/experiment.pb.h"
#include "gan/learners/learner.h"
#include "gan/nets/mlp.h"
#include "gan/nets/optimizer.h"

namespace gan {

class GanLearner : public Learner {
 public:
  // G and D of a valid GAN experiment, initialised from its seed, for data
  // like `train`'s (its shape; its pixel mean for the biases that need it);
  // next_data_batch gives a batch [batch_size, data_dim] per D update.
  // `group` shares every batch (gan/learners/adversarial_step.h), and must
  // outlive the learner. Errors name the net and layer, or the setting a
  // group cannot share (a batch its size does not divide, a folded update).
  static absl::StatusOr<std::unique_ptr<GanLearner>> Create(const proto::Experiment& experiment, const data::Dataset& train,
                                                            std::function<const float*()> next_data_batch,
                                                            distributed::Group& group = distributed::Solo());

  std::vector<std::string> StepFigureNames() const override;
  std::string DescribeFigures(const std::vector<double>& figures) const override;
  int64_t StepsPerEpoch(int64_t batches) const override;
  absl::Status BeginEpoch(int64_t epoch) override;
  void BeforeTraining(int64_t step) override;
  absl::StatusOr<std::vector<double>> Step() override;
  std::string EpochJsonMembers(const std::vector<double>& figures) const override;
  std::vector<std::pair<std::string, Mlp*>> TrainedNets() override { return {{kGeneratorRecords, g_.get()}, {kDiscriminatorRecords, d_.get()}}; }
  Mlp* Generator() override { return g_.get(); }
  Mlp* GeneratorEma() override { return g_ema_.get(); }
  std::vector<float> SampleGridImages(const float* fixed_noise) override;
  void AddHeaderRecords(CheckpointSchema& schema, const int64_t& step, int64_t steps_per_epoch) override;
  void AddStateRecords(CheckpointSchema& schema) override;
  std::vector<Rng*> RandomStreams() override;

  Mlp& discriminator() { return *d_; }
  const StepStats& last_stats() const { return last_stats_; }

 private:
  GanLearner(const proto::Experiment& experiment, distributed::Group& group);
  absl::Status Build(const data::Dataset& train, std::function<const float*()> next_data_batch);
  // The settings of the experiment a group of group_.size() processes cannot share.
  absl::Status CheckShareable() const;
  // The experiment's precision for G's and D's products (after they are built).
  absl::Status SetPrecision();
  // Phase p runs epochs (phase_last_epoch_[p - 1], phase_last_epoch_[p]]; phase 0 is the experiment's own.
  int PhaseOfEpoch(int64_t epoch) const;
  // The phase whose optimiser config net `which` (0: G, 1: D) runs in `phase`:
  // the last phase up to it that names one (0: the experiment's).
  int OptimizerSource(int which, int phase) const;
  // The optimiser config net `which` (0: G, 1: D) runs in `phase`, and the
  // field that holds it (for errors).
  std::pair<const proto::Optimizer*, std::string> OptimizerConfig(int which, int phase) const;
  // Makes the optimisers `phase` runs with (those its phase or an earlier one
  // starts afresh).
  absl::Status EnterPhase(int phase);
  void UpdateGeneratorEma();

  proto::Experiment experiment_;
  distributed::Group& group_;
  std::unique_ptr<Mlp> g_, d_;
  std::unique_ptr<Mlp> g_ema_;  // G's moving average (experiment.generator_ema_decay), or null
  std::pair<std::vector<ParameterRef>, std::vector<ParameterRef>> ema_pairs_;  // G's and the average's tensors
  std::unique_ptr<Optimizer> g_opt_, d_opt_;
  Rng noise_rng_;
  std::unique_ptr<AdversarialStep> step_runner_;
  std::unique_ptr<Inference> samples_inference_;  // of the sample grid's 100 rows
  std::vector<int64_t> phase_last_epoch_;  // per phase, the last epoch it runs (counting from 1)
  int phase_ = -1;
  int optimizer_source_[2] = {-1, -1};  // OptimizerSource of the running G and D optimisers
  StepStats last_stats_;
};

}  // namespace gan

#endif  // GAN_LEARNERS_GAN_LEARNER_H_
