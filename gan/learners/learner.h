#ifndef GAN_LEARNERS_LEARNER_H_
#define GAN_LEARNERS_LEARNER_H_

// What the trainer (gan/run/trainer.h) trains: one kind of model with its nets,
// optimisers and update. The trainer owns what every model's run shares (the
// epochs, the batches, progress and ETA, metrics.jsonl, sample grids,
// reports, checkpoints, resuming); a learner owns everything that differs
// between models. Learners: the GAN (gan/learners/gan_learner.h) and the autoencoders
// (gan/learners/autoencoder_learner.h); the trainer picks one from the experiment.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "base/random.h"
#include "base/checkpoint.h"
#include "gan/spec/experiment.pb.h"
#include "gan/nets/mlp.h"
#include "gan/nets/optimizer.h"

namespace gan {

// The images of an epoch's sample grid: 10 x 10.
constexpr int64_t kSampleGridImages = 100;

class Learner {
 public:
  virtual ~Learner() = default;

  // The figures each Step returns, by their metrics.jsonl names (the trainer
  // writes each one's mean over the epoch).
  virtual std::vector<std::string> StepFigureNames() const = 0;
  // The figures (means over an epoch, or one step's) as a short text for the log.
  virtual std::string DescribeFigures(const std::vector<double>& figures) const = 0;
  // Updates per epoch when an epoch is `batches` batches of the training set.
  virtual int64_t StepsPerEpoch(int64_t batches) const = 0;
  // Before the first update of `epoch` (counting from 1 over the whole
  // schedule): schedules, and any phase that starts there.
  virtual absl::Status BeginEpoch(int64_t epoch) = 0;
  // Before the first update of a run (fresh or resumed) at `step`.
  virtual void BeforeTraining(int64_t /*step*/) {}
  // One update; its figures in StepFigureNames' order.
  virtual std::vector<double> Step() = 0;
  // The JSON members of an epoch's metrics line the learner adds after
  // "step" (e.g. its schedule's values and `figures`, the epoch's means), in
  // the form "\"name\": value, ...".
  virtual std::string EpochJsonMembers(const std::vector<double>& figures) const = 0;

  // The nets whose parameters are trained, each with its checkpoint prefix
  // (e.g. "g", "d"): checked for non-finite values, and set by --init_from.
  virtual std::vector<std::pair<std::string, Mlp*>> TrainedNets() = 0;
  // The generator as of the last update (a learner that trains it in another
  // form brings it up to date first), or null if the model has none; and its
  // moving average, or null.
  virtual Mlp* Generator() = 0;
  virtual Mlp* GeneratorEma() { return nullptr; }
  // The images of an epoch's sample grid [kSampleGridImages, data_dim];
  // `fixed_noise` [kSampleGridImages, noise_dim] is the same at every epoch (null if the model draws no noise).
  virtual std::vector<float> SampleGridImages(const float* fixed_noise) = 0;

  // The checkpoint's records. Header records are loaded before the state
  // (e.g. the phase, which makes the optimisers the state then fills); `step`
  // is the trainer's step, loaded before them.
  virtual void AddHeaderRecords(CheckpointSchema& /*schema*/, const int64_t& /*step*/, int64_t /*steps_per_epoch*/) {}
  virtual void AddStateRecords(CheckpointSchema& schema) = 0;
  // Every random stream the learner draws from, for the checkpoint.
  virtual std::vector<Rng*> RandomStreams() = 0;
};

// Records of a net's parameters ("<prefix>.<tensor>") and of an optimiser's
// state ("<prefix>.optimizer.<i>", "<prefix>.optimizer.scalars").
void AddParameterRecords(CheckpointSchema& schema, const std::string& prefix, Mlp& net);
void AddOptimizerRecords(CheckpointSchema& schema, const std::string& prefix, Optimizer& optimizer);

}  // namespace gan

#endif  // GAN_LEARNERS_LEARNER_H_
