#include "gan/run/trained_model.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/checkpoint.h"
#include "base/status_macros.h"
#include "gan/learners/learner.h"
#include "gan/nets/build.h"
#include "gan/spec/experiment.h"
#include "gan/spec/noise.h"

namespace gan {

absl::StatusOr<TrainedModel> LoadTrainedModel(const std::string& checkpoint_path) {
  absl::StatusOr<CheckpointReader> reader = CheckpointReader::Open(checkpoint_path);
  if (!reader.ok()) return reader.status();
  absl::StatusOr<std::string> text = reader->ReadString(kExperimentRecord);
  if (!text.ok()) return text.status();
  absl::StatusOr<proto::Experiment> experiment = ParseExperiment(*text, checkpoint_path + " (its experiment)");
  if (!experiment.ok()) return experiment.status();
  const bool autoencoder = experiment->has_autoencoder();
  if (absl::Status noise = ValidateNoise(experiment->noise()); !noise.ok() && (!autoencoder || experiment->has_noise())) {
    return absl::DataLossError(absl::StrCat(checkpoint_path, " (its experiment): ", noise.message()));
  }
  absl::StatusOr<std::vector<uint64_t>> step = reader->ReadU64s(kStepRecord);
  if (!step.ok()) return step.status();
  if (step->size() != 1) return absl::DataLossError(absl::StrCat(checkpoint_path, ": malformed 'step'"));

  TrainedModel model;
  model.experiment = *std::move(experiment);
  model.step = static_cast<int64_t>((*step)[0]);
  // The data's shape is the generator's output; its per-pixel mean only
  // initialises a bias the checkpoint then overwrites.
  const proto::Mlp& g_config = model.experiment.generator();
  const Shape noise = GeneratorInputShape(model.experiment);
  absl::StatusOr<Shape> data_shape = OutputShape(g_config, noise);
  if (!data_shape.ok()) return absl::DataLossError(absl::StrCat(checkpoint_path, ": generator: ", data_shape.status().message()));
  const std::vector<float> placeholder_mean(data_shape->size(), 0.5f);
  absl::StatusOr<std::unique_ptr<Mlp>> g = BuildMlp(g_config, noise, 0, &placeholder_mean);
  if (!g.ok()) return absl::DataLossError(absl::StrCat(checkpoint_path, ": generator: ", g.status().message()));
  model.generator = *std::move(g);
  if (autoencoder || model.experiment.has_inference()) {
    const proto::Mlp& encoder_config = autoencoder ? model.experiment.autoencoder().encoder() : model.experiment.inference().encoder();
    absl::StatusOr<std::unique_ptr<Mlp>> encoder = BuildMlp(encoder_config, *data_shape, 0);
    if (!encoder.ok()) {
      return absl::DataLossError(absl::StrCat(checkpoint_path, autoencoder ? ": autoencoder" : ": inference", ".encoder: ", encoder.status().message()));
    }
    model.encoder = *std::move(encoder);
    if (!autoencoder) {
      absl::StatusOr<std::string> digest = reader->ReadString(kInferenceGeneratorDigestRecord);
      if (!digest.ok()) return digest.status();
      model.generator_file_sha256 = *std::move(digest);
    }
  } else {
    absl::StatusOr<std::unique_ptr<Mlp>> d = BuildMlp(model.experiment.discriminator(), DiscriminatorInputShape(model.experiment, *data_shape), 0);
    if (!d.ok()) return absl::DataLossError(absl::StrCat(checkpoint_path, ": discriminator: ", d.status().message()));
    model.discriminator = *std::move(d);
    if (model.experiment.semi_supervised().average_decay() > 0) {
      absl::StatusOr<std::unique_ptr<Mlp>> average = BuildMlp(model.experiment.discriminator(), DiscriminatorInputShape(model.experiment, *data_shape), 0);
      if (!average.ok()) return absl::DataLossError(absl::StrCat(checkpoint_path, ": discriminator: ", average.status().message()));
      model.discriminator_average = *std::move(average);
    }
  }
  if (model.experiment.generator_ema_decay() > 0) {
    absl::StatusOr<std::unique_ptr<Mlp>> ema = BuildMlp(g_config, noise, 0, &placeholder_mean);
    if (!ema.ok()) return absl::DataLossError(absl::StrCat(checkpoint_path, ": generator: ", ema.status().message()));
    model.generator_ema = *std::move(ema);
    GAN_RETURN_IF_ERROR(ReadParameterRecords(*reader, kGeneratorEmaRecords, *model.generator_ema));
  }
  for (auto [prefix, mlp] : {std::pair{kGeneratorRecords, model.generator.get()},
                              std::pair{kDiscriminatorRecords, model.discriminator.get()},
                              std::pair{kDiscriminatorAverageRecords, model.discriminator_average.get()},
                              std::pair{kEncoderRecords, model.encoder.get()}}) {
    if (mlp == nullptr) continue;
    GAN_RETURN_IF_ERROR(ReadParameterRecords(*reader, prefix, *mlp));
  }
  return model;
}

absl::Status CheckGeneratesFromNoise(const TrainedModel& model) {
  if (model.experiment.has_inpainting()) {
    return absl::FailedPreconditionError(absl::StrCat("experiment '", model.experiment.name(),
                                                      "' is an inpainter: its G completes observed images (it reads an observed image "
                                                      "and a mask beside z), it does not sample from noise alone"));
  }
  if (!model.experiment.has_autoencoder() || model.experiment.autoencoder().kind() == proto::Autoencoder::VARIATIONAL) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "experiment '", model.experiment.name(), "' is a ",
      model.experiment.autoencoder().kind() == proto::Autoencoder::DENOISING ? "denoising" : "plain",
      " autoencoder: its decoder is not a generator, it has no prior to draw codes from (a variational one has)"));
}

}  // namespace gan
