#ifndef GAN_RUN_TRAINED_MODEL_H_
#define GAN_RUN_TRAINED_MODEL_H_

// A trained G and D (or an autoencoder's decoder and encoder, or an inference net's G and encoder) read back from a Trainer's checkpoint, for the programs
// that use a model rather than train it (evaluate, sample, export).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gan/spec/experiment.pb.h"
#include "gan/nets/mlp.h"
#include "base/random.h"

namespace gan {

struct TrainedModel {
  proto::Experiment experiment;  // as the checkpoint holds it (epochs cleared)
  // An autoencoder's checkpoint (experiment.autoencoder set) holds its
  // decoder as the generator and its encoder; it has no discriminator.
  std::unique_ptr<Mlp> generator, discriminator, encoder;
  std::unique_ptr<Mlp> generator_ema;  // G's moving average, if the run kept one; else null
  std::unique_ptr<Mlp> discriminator_average;  // a semi-supervised D's average (semi_supervised.average_decay); else null
  // An inference net's checkpoint (experiment.inference set) holds its
  // encoder and the fixed G it inverts, and the SHA-256 of the file G was
  // read from; it has no discriminator.
  std::string generator_file_sha256;
  int64_t step = 0;              // updates made when the checkpoint was written
};

// Reads `checkpoint_path` (see Trainer::SaveCheckpoint). Errors name the file:
// missing, corrupt, or not holding the parameters its experiment describes.
absl::StatusOr<TrainedModel> LoadTrainedModel(const std::string& checkpoint_path);

// OK when the model's generator makes samples from its experiment's noise: a
// GAN's G, or a variational autoencoder's decoder (the noise is its prior).
// A plain or denoising autoencoder's decoder has no distribution of codes to
// draw from, and an inpainter's G completes given images (it reads an
// observed image and a mask beside z): FailedPrecondition, saying so.
absl::Status CheckGeneratesFromNoise(const TrainedModel& model);

}  // namespace gan

#endif  // GAN_RUN_TRAINED_MODEL_H_
