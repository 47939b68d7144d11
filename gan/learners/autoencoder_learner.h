#ifndef GAN_LEARNERS_AUTOENCODER_LEARNER_H_
#define GAN_LEARNERS_AUTOENCODER_LEARNER_H_

// The textbook's autoencoders as a Learner (gan/learners/learner.h), from an
// experiment that sets `autoencoder` (gan/spec/experiment.proto):
//   PLAIN        code = encoder(x), x' = decoder(code); minimises the
//                reconstruction loss of x' against x;
//   DENOISING    the same from a corrupted input: encoder(corrupt(x)), the
//                loss still against the clean x;
//   VARIATIONAL  the encoder gives the mean and log-variance of a Gaussian
//                q(z|x); z is drawn by the reparameterisation; the decoder is
//                Bernoulli on logits; minimises the negative ELBO,
//                reconstruction + KL(q(z|x) || N(0, I)) (gan/objectives/vae_objective.h).
// Every figure is per example, in nats for the Bernoulli loss. The decoder is
// the experiment's `generator`: a BINARY_CROSS_ENTROPY decoder trains on the
// logits of its last (Linear SIGMOID) layer, and the generator it stands for
// (sampled, reported, saved as g.*) is the same parameters with the sigmoid.
//
// Checkpoint records: encoder.*, g.* (the decoder), ae.optimizer.*.

#include <cstdint>
#include <functional>
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

// Writes corrupt(x) [n] into `out`: each value zeroed with the masking
// probability, or plus normal noise of the Gaussian stddev; draws from `rng`.
void Corrupt(const proto::Corruption& corruption, Rng& rng, const float* x, int64_t n, float* out);

// The decoder's net as it trains: the experiment's `generator`, with a
// BINARY_CROSS_ENTROPY autoencoder's last layer giving logits (its sigmoid
// left out). Errors name the field when that last layer is not Linear SIGMOID.
absl::StatusOr<proto::Mlp> TrainingDecoderConfig(const proto::Experiment& experiment);

class AutoencoderLearner : public Learner {
 public:
  // The nets of a valid autoencoder experiment, initialised from its seed,
  // for data like `train`'s; next_batch gives [batch_size, data_dim] per
  // update. The sample grid shows the first 50 training images (corrupted,
  // for a denoising autoencoder) above their reconstructions, or, for a
  // variational one, samples of the prior. Errors name the net and layer.
  static absl::StatusOr<std::unique_ptr<AutoencoderLearner>> Create(const proto::Experiment& experiment,
                                                                    const data::Dataset& train,
                                                                    std::function<const float*()> next_batch);

  std::vector<std::string> StepFigureNames() const override;
  std::string DescribeFigures(const std::vector<double>& figures) const override;
  int64_t StepsPerEpoch(int64_t batches) const override { return batches; }
  absl::Status BeginEpoch(int64_t epoch) override;
  absl::StatusOr<std::vector<double>> Step() override;
  std::string EpochJsonMembers(const std::vector<double>& figures) const override;
  std::vector<std::pair<std::string, Mlp*>> TrainedNets() override { return {{kEncoderRecords, encoder_.get()}, {kGeneratorRecords, decoder_.get()}}; }
  // A variational autoencoder's decoder as a generator of the prior's codes; null for the others.
  Mlp* Generator() override { return variational() ? &ImageDecoder() : nullptr; }
  // Copies the decoder's parameters into the generator, when that is another net.
  void SyncGenerator() override;
  std::vector<float> SampleGridImages(const float* fixed_noise) override;
  void AddStateRecords(CheckpointSchema& schema) override;
  std::vector<Rng*> RandomStreams() override;

  // The objective of one batch x [batch_size, data_dim] with parameter
  // gradients, no update: the figures Step returns. Draws the corruption or
  // the codes' noise from the learner's first random stream.
  std::vector<double> ComputeGradients(const float* x);
  Mlp& encoder() { return *encoder_; }
  Mlp& decoder() { return *decoder_; }  // as it trains (logits for BINARY_CROSS_ENTROPY)

 private:
  explicit AutoencoderLearner(const proto::Experiment& experiment);
  absl::Status Build(const data::Dataset& train, std::function<const float*()> next_batch);
  bool variational() const { return config_.kind() == proto::Autoencoder::VARIATIONAL; }
  bool bernoulli() const { return config_.reconstruction() == proto::Autoencoder::BINARY_CROSS_ENTROPY; }
  // The decoder that outputs images: the decoder itself when it outputs
  // images, else the generator (with a sigmoid on its logits), as of the last
  // SyncGenerator().
  Mlp& ImageDecoder() { return generator_ != nullptr ? *generator_ : *decoder_; }

  proto::Experiment experiment_;
  proto::Autoencoder config_;
  int64_t batch_ = 0, latent_ = 0, dim_ = 0, samples_ = 1;  // samples_: codes per example (VARIATIONAL)
  std::function<const float*()> next_batch_;
  std::unique_ptr<Mlp> encoder_, decoder_;
  std::unique_ptr<Mlp> generator_;  // the decoder with its sigmoid, when it trains on logits; else null
  std::unique_ptr<Optimizer> optimizer_;
  Rng rng_;  // the corruption, or the codes' noise
  std::unique_ptr<MlpPass> encoder_pass_;  // batch_ rows
  std::unique_ptr<MlpPass> decoder_pass_;  // batch_ * samples_ rows: the codes of sample s are rows [s * batch_, (s + 1) * batch_)
  std::vector<float> eps_;                 // [samples_ * batch_, latent_]
  std::vector<float> heads_grad_;          // [batch_, 2 * latent_]
  // The grid of a plain or denoising autoencoder: its 50 inputs [50, dim], and passes of 50 rows.
  std::vector<float> grid_inputs_;
  std::unique_ptr<Inference> grid_encoder_, grid_decoder_;
  std::unique_ptr<Inference> grid_generator_;  // VARIATIONAL: the prior's samples, kSampleGridImages rows
};

}  // namespace gan

#endif  // GAN_LEARNERS_AUTOENCODER_LEARNER_H_
