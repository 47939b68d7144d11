#include "eval/autoencoder_figures.h"

#include <cmath>
#include <memory>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gan/learners/autoencoder_learner.h"
#include "gan/nets/build.h"
#include "gan/objectives/vae_objective.h"

namespace gan::eval {
namespace {

// Mean and standard error of the mean.
std::pair<double, double> MeanAndStdError(const std::vector<double>& values) {
  const double n = static_cast<double>(values.size());
  double sum = 0;
  for (double v : values) sum += v;
  const double mean = sum / n;
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return {mean, values.size() > 1 ? std::sqrt(squares / (n - 1) / n) : 0.0};
}

// The model's autoencoder parts: the decoder as it trained (logits for a
// Bernoulli one), with the checkpoint's parameters.
struct Parts {
  const proto::Autoencoder* config = nullptr;
  Mlp* encoder = nullptr;
  std::unique_ptr<Mlp> decoder;
  int64_t latent = 0, dim = 0;
  bool variational() const { return config->kind() == proto::Autoencoder::VARIATIONAL; }
  bool bernoulli() const { return config->reconstruction() == proto::Autoencoder::BINARY_CROSS_ENTROPY; }
};

absl::StatusOr<Parts> GetParts(TrainedModel& model, const data::Dataset& images) {
  if (model.encoder == nullptr || !model.experiment.has_autoencoder()) {
    return absl::FailedPreconditionError(absl::StrCat("experiment '", model.experiment.name(), "' is not an autoencoder"));
  }
  Parts parts;
  parts.config = &model.experiment.autoencoder();
  parts.encoder = model.encoder.get();
  parts.latent = model.experiment.noise_dim();
  parts.dim = model.generator->output_dim();
  if (images.dim() != parts.dim) {
    return absl::InvalidArgumentError(absl::StrCat("data set '", images.name, "' has images of ", images.dim(),
                                                   " values, the autoencoder's ", parts.dim));
  }
  absl::StatusOr<proto::Mlp> config = TrainingDecoderConfig(model.experiment);
  if (!config.ok()) return config.status();
  const std::vector<float> placeholder_mean(parts.dim, 0.5f);  // overwritten below
  absl::StatusOr<std::unique_ptr<Mlp>> decoder = BuildMlp(*config, Shape::Flat(parts.latent), 0, &placeholder_mean);
  if (!decoder.ok()) return decoder.status();
  parts.decoder = *std::move(decoder);
  parts.decoder->CopyParametersFrom(*model.generator);
  return parts;
}

// The input the model encodes: the images, or (denoising) their corrupted copies.
std::vector<float> EncoderInput(const Parts& parts, const float* images, int64_t rows, Rng& rng) {
  std::vector<float> input(images, images + rows * parts.dim);
  if (parts.config->kind() == proto::Autoencoder::DENOISING) Corrupt(parts.config->corruption(), rng, images, rows * parts.dim, input.data());
  return input;
}

}  // namespace

absl::StatusOr<AutoencoderFigures> EvaluateAutoencoder(TrainedModel& model, const data::Dataset& images, int64_t codes_per_image,
                                                       uint64_t seed) {
  if (codes_per_image < 1) return absl::InvalidArgumentError(absl::StrCat("codes per image must be at least 1, not ", codes_per_image));
  absl::StatusOr<Parts> parts = GetParts(model, images);
  if (!parts.ok()) return parts.status();
  const int64_t rows = images.rows(), dim = parts->dim, latent = parts->latent;
  Rng rng(seed);
  AutoencoderFigures figures;
  figures.rows = rows;
  if (rows == 0) return absl::InvalidArgumentError(absl::StrCat("data set '", images.name, "' has no images to evaluate on"));
  const std::vector<float> input = EncoderInput(*parts, images.pixels.data(), rows, rng);
  const std::vector<float> code = parts->encoder->Infer(input.data(), rows);  // [rows, latent] or the heads [rows, 2 * latent]
  const int64_t draws = parts->variational() ? codes_per_image : 1;
  std::vector<double> reconstruction(rows, 0.0), kl(rows, 0.0);
  std::vector<float> eps(rows * latent), z(rows * latent), grad(dim), heads_grad(2 * latent);
  for (int64_t draw = 0; draw < draws; ++draw) {
    if (parts->variational()) {
      rng.FillNormal(eps.data(), rows * latent);
      ReparameterizedSample(code.data(), eps.data(), rows, latent, z.data());
    } else {
      z = code;
    }
    const std::vector<float> out = parts->decoder->Infer(z.data(), rows);
    for (int64_t i = 0; i < rows; ++i) {
      const float* x = images.Row(i);
      reconstruction[i] += ReconstructionTerm(parts->bernoulli(), out.data() + i * dim, x, 1, dim, 1.0, grad.data()) /
                           static_cast<double>(draws);
    }
  }
  std::tie(figures.reconstruction, figures.reconstruction_std_error) = MeanAndStdError(reconstruction);
  if (parts->variational()) {
    std::vector<double> bound(rows);
    for (int64_t i = 0; i < rows; ++i) {
      kl[i] = GaussianKlToStandardNormal(code.data() + i * 2 * latent, 1, latent, 1.0, heads_grad.data());
      bound[i] = reconstruction[i] + kl[i];
    }
    figures.kl = MeanAndStdError(kl).first;
    std::tie(figures.negative_elbo, figures.negative_elbo_std_error) = MeanAndStdError(bound);
    figures.codes_per_image = codes_per_image;
  }
  return figures;
}

absl::StatusOr<std::vector<float>> ReconstructionRows(TrainedModel& model, const data::Dataset& images, int64_t groups,
                                                      uint64_t seed, int64_t* rows_per_group) {
  absl::StatusOr<Parts> parts = GetParts(model, images);
  if (!parts.ok()) return parts.status();
  const int64_t count = 10 * groups, dim = parts->dim, latent = parts->latent;
  if (groups < 1 || images.rows() < count) {
    return absl::InvalidArgumentError(absl::StrCat("the figure needs ", count, " images; data set '", images.name, "' has ", images.rows()));
  }
  Rng rng(seed);
  const bool denoising = parts->config->kind() == proto::Autoencoder::DENOISING;
  const std::vector<float> input = EncoderInput(*parts, images.pixels.data(), count, rng);
  std::vector<float> code = parts->encoder->Infer(input.data(), count);
  if (parts->variational()) {
    // The mean of q(z|x): the first half of each row of heads.
    std::vector<float> mean(count * latent);
    for (int64_t i = 0; i < count; ++i) std::copy_n(code.begin() + i * 2 * latent, latent, mean.begin() + i * latent);
    code = std::move(mean);
  }
  const std::vector<float> out = model.generator->Infer(code.data(), count);
  const int64_t k = denoising ? 3 : 2;
  *rows_per_group = k;
  std::vector<float> figure;
  figure.reserve(count * k * dim);
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t first = g * 10 * dim, last = (g + 1) * 10 * dim;
    figure.insert(figure.end(), images.pixels.begin() + first, images.pixels.begin() + last);
    if (denoising) figure.insert(figure.end(), input.begin() + first, input.begin() + last);
    figure.insert(figure.end(), out.begin() + first, out.begin() + last);
  }
  return figure;
}

std::string AutoencoderFiguresJson(const AutoencoderFigures& f) {
  std::string json = absl::StrFormat("{\"images\": %d, \"reconstruction\": %.4f, \"reconstruction_std_error\": %.4f", f.rows,
                                     f.reconstruction, f.reconstruction_std_error);
  if (f.codes_per_image > 0) {
    absl::StrAppendFormat(&json, ", \"kl\": %.4f, \"negative_elbo\": %.4f, \"negative_elbo_std_error\": %.4f, \"codes_per_image\": %d",
                          f.kl, f.negative_elbo, f.negative_elbo_std_error, f.codes_per_image);
  }
  return json + "}";
}

std::string DescribeAutoencoderFigures(const AutoencoderFigures& f) {
  std::string text = absl::StrFormat("%d images: reconstruction %.2f +- %.2f", f.rows, f.reconstruction, f.reconstruction_std_error);
  if (f.codes_per_image > 0) {
    absl::StrAppendFormat(&text, ", KL %.2f, -ELBO %.2f +- %.2f (%d codes per image)", f.kl, f.negative_elbo, f.negative_elbo_std_error,
                          f.codes_per_image);
  }
  return text;
}

}  // namespace gan::eval
