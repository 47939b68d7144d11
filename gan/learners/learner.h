#ifndef GAN_LEARNERS_LEARNER_H_
#define GAN_LEARNERS_LEARNER_H_

// What the trainer (gan/run/trainer.h) trains: one kind of model with its nets,
// optimisers and update. The trainer owns what every model's run shares (the
// epochs, the batches, progress and ETA, metrics.jsonl, sample grids,
// reports, checkpoints, resuming); a learner owns everything that differs
// between models. Learners: the GAN (gan/learners/gan_learner.h), the autoencoders
// (gan/learners/autoencoder_learner.h) and the inference net
// (gan/learners/inference_learner.h); the trainer picks one from the experiment.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "base/random.h"
#include "base/checkpoint.h"
#include "data/dataset.h"
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
  // One update; its figures in StepFigureNames' order (in a group of
  // processes, those of this process's rows; the trainer averages them). An
  // error is the group's: a rank stopped answering.
  virtual absl::StatusOr<std::vector<double>> Step() = 0;
  // The JSON members of an epoch's metrics line the learner adds after
  // "step" (e.g. its schedule's values and `figures`, the epoch's means), in
  // the form "\"name\": value, ...".
  virtual std::string EpochJsonMembers(const std::vector<double>& figures) const = 0;

  // The nets whose parameters are trained, each with its checkpoint prefix
  // (kGeneratorRecords, ...): checked for non-finite values, and set by
  // InitializeTrainedNets (an experiment's init_from).
  virtual std::vector<std::pair<std::string, Mlp*>> TrainedNets() = 0;
  // The generator, or null if the model has none; and its moving average, or
  // null. A learner that trains its generator in another form (an
  // autoencoder's decoder) holds it as of the last SyncGenerator().
  virtual Mlp* Generator() = 0;
  virtual Mlp* GeneratorEma() { return nullptr; }
  // Brings Generator() up to date with the trained nets, before it is run.
  virtual void SyncGenerator() {}
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

 protected:
  // `own`, then the streams of TrainedNets() in their order (dropout masks).
  std::vector<Rng*> OwnAndNetStreams(Rng& own);
};

// The prefixes of the nets' records in a checkpoint: the one list that the
// learners, which write them, and gan/run/trained_model.cc, which reads a
// trained model back, share.
inline constexpr char kGeneratorRecords[] = "g";  // G, or an autoencoder's decoder
inline constexpr char kGeneratorEmaRecords[] = "g_ema";
inline constexpr char kDiscriminatorRecords[] = "d";
inline constexpr char kDiscriminatorAverageRecords[] = "d_average";  // a semi-supervised D's average
inline constexpr char kEncoderRecords[] = "encoder";
inline constexpr char kAutoencoderOptimizerRecords[] = "ae";
inline constexpr char kInferenceOptimizerRecords[] = "inference";
// An inference net's record of the SHA-256 of the file its fixed G was read from.
inline constexpr char kInferenceGeneratorDigestRecord[] = "inference.generator_sha256";
// The run's own records, written by gan/run/trainer.cc and read back by
// gan/run/trained_model.cc.
inline constexpr char kExperimentRecord[] = "experiment";
inline constexpr char kStepRecord[] = "step";

// The name of a net's parameter tensor `tensor` under `prefix`: "<prefix>.<tensor>".
std::string ParameterRecordName(const std::string& prefix, const std::string& tensor);

// Records of a net's parameters ("<prefix>.<tensor>") and of an optimiser's
// state ("<prefix>.optimizer.<i>", "<prefix>.optimizer.scalars").
void AddParameterRecords(CheckpointSchema& schema, const std::string& prefix, Mlp& net);
void AddOptimizerRecords(CheckpointSchema& schema, const std::string& prefix, Optimizer& optimizer);
// Records of a batcher's state ("<name>": its generator, epoch and position;
// "<name>.order": its order over the `rows` rows of its data set); loading
// sets the state once both are read.
void AddBatcherRecords(CheckpointSchema& schema, const std::string& name, data::Batcher& batcher, int64_t rows);
// Reads the records AddParameterRecords writes into `net`; errors name the
// checkpoint and the record that is missing or of another size.
absl::Status ReadParameterRecords(const CheckpointReader& reader, const std::string& prefix, Mlp& net);

// A moving average of a net's parameters: average = keep * average + take *
// value, element by element, for each tensor of `values` and the same tensor
// of `averages` (the same tensors in the same order).
void MoveAverage(const std::vector<ParameterRef>& values, const std::vector<ParameterRef>& averages, float keep, float take);

// Sets every net of learner.TrainedNets() to the parameters the checkpoint at
// `checkpoint_path` holds for it (an experiment's init_from: a later stage
// starting from an earlier one). Errors name the checkpoint and the net that
// it lacks or whose tensors differ.
absl::Status InitializeTrainedNets(Learner& learner, const std::string& checkpoint_path);

}  // namespace gan

#endif  // GAN_LEARNERS_LEARNER_H_
