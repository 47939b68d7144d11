#ifndef GAN_LEARNERS_INFERENCE_LEARNER_H_
#define GAN_LEARNERS_INFERENCE_LEARNER_H_

// Learned approximate inference (the paper's section 7, extension 2) as a
// Learner (gan/learners/learner.h), from an experiment that sets `inference`
// (gan/spec/experiment.proto): an encoder E from images to z, trained for a
// fixed, already trained generator G on pairs (G(z), z), z ~ p_z drawn afresh
// every update. It minimises half the squared error of E(G(z)) against z,
// summed over z's components, averaged over the batch. G runs at inference
// (no dropout) and is never updated.
//
// Its step figure, the mean over z's components of (E(G(z)) - z)^2, is
// measured on noise never seen before, so it is a held-out figure; divided by
// p_z's variance it is the share of z's variance that E does not recover
// (1 for an encoder that outputs p_z's mean).
//
// Checkpoint records: encoder.*, g.* (the fixed G, so that a checkpoint is the
// encoder with its generator), inference.optimizer.*, and
// inference.generator_sha256 (of the file G was read from).

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "base/random.h"
#include "data/dataset.h"
#include "gan/learners/learner.h"
#include "gan/nets/mlp.h"
#include "gan/nets/optimizer.h"
#include "gan/spec/experiment.pb.h"

namespace gan {

class InferenceLearner : public Learner {
 public:
  // The encoder of a valid inference experiment, initialised from its seed,
  // for images shaped like `train`'s; its G is the experiment's `generator`
  // with `fixed_generator`'s parameters (a net of that configuration, e.g.
  // read from inference.generator_file, whose SHA-256 is `generator_sha256`).
  // The sample grid shows G's samples from the fixed noise, each row of 10
  // above a row of G(E(G(z))). Errors name the net and layer.
  static absl::StatusOr<std::unique_ptr<InferenceLearner>> Create(const proto::Experiment& experiment, const data::Dataset& train,
                                                                  Mlp& fixed_generator, const std::string& generator_sha256);

  std::vector<std::string> StepFigureNames() const override { return {"z_squared_error"}; }
  std::string DescribeFigures(const std::vector<double>& figures) const override;
  int64_t StepsPerEpoch(int64_t batches) const override { return batches; }
  absl::Status BeginEpoch(int64_t epoch) override;
  absl::StatusOr<std::vector<double>> Step() override;
  std::string EpochJsonMembers(const std::vector<double>& figures) const override;
  std::vector<std::pair<std::string, Mlp*>> TrainedNets() override { return {{kEncoderRecords, encoder_.get()}}; }
  // The generator is fixed: nothing to report on while the encoder trains.
  Mlp* Generator() override { return nullptr; }
  std::vector<float> SampleGridImages(const float* fixed_noise) override;
  void AddStateRecords(CheckpointSchema& schema) override;
  std::vector<Rng*> RandomStreams() override { return OwnAndNetStreams(rng_); }

  // The objective on noise z [batch_size, noise_dim] with the encoder's
  // parameter gradients, no update: the figure Step returns.
  double ComputeGradients(const float* z);
  Mlp& encoder() { return *encoder_; }
  Mlp& generator() { return *generator_; }

 private:
  explicit InferenceLearner(const proto::Experiment& experiment);
  absl::Status Build(const data::Dataset& train, Mlp& fixed_generator);

  proto::Experiment experiment_;
  int64_t batch_ = 0, latent_ = 0;
  std::string generator_sha256_;
  std::unique_ptr<Mlp> generator_, encoder_;
  std::unique_ptr<Optimizer> optimizer_;
  Rng rng_;  // z
  std::vector<float> z_;                   // [batch, latent]
  std::unique_ptr<MlpPass> generator_pass_;  // batch rows, inference only
  std::unique_ptr<MlpPass> encoder_pass_;    // batch rows
  std::unique_ptr<Inference> grid_generator_, grid_encoder_;  // kSampleGridImages / 2 rows
};

}  // namespace gan

#endif  // GAN_LEARNERS_INFERENCE_LEARNER_H_
