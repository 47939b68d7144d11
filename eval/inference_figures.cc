#include "eval/inference_figures.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/random.h"
#include "gan/spec/noise.h"

namespace gan::eval {
namespace {

// Each row's mean over its values of (a - b)^2.
std::vector<double> RowMeanSquares(const float* a, const float* b, int64_t rows, int64_t dim) {
  std::vector<double> means(rows);
  for (int64_t i = 0; i < rows; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < dim; ++j) {
      const double d = static_cast<double>(a[i * dim + j]) - b[i * dim + j];
      sum += d * d;
    }
    means[i] = sum / static_cast<double>(dim);
  }
  return means;
}

double Mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

}  // namespace

std::vector<float> InferenceReconstructions(TrainedModel& model, const data::Dataset& images) {
  const std::vector<float> z = model.encoder->Infer(images.pixels.data(), images.rows());
  return model.generator->Infer(z.data(), images.rows());
}

absl::StatusOr<InferenceFigures> EvaluateInferenceNet(TrainedModel& model, const data::Dataset& images, int64_t noise_rows,
                                                      uint64_t seed, Classifier* classifier, std::vector<float>* reconstructions_out) {
  if (!model.experiment.has_inference() || model.encoder == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("experiment '", model.experiment.name(), "' is not an inference net"));
  }
  const int64_t dim = model.generator->output_dim(), latent = model.experiment.noise_dim();
  if (images.dim() != dim) {
    return absl::InvalidArgumentError(absl::StrCat("data set '", images.name, "' has images of ", images.dim(), " values, the generator makes ", dim));
  }
  if (images.rows() == 0 || noise_rows <= 0) return absl::InvalidArgumentError("the inference net's figures need images and noise rows");
  InferenceFigures f;
  Rng rng(seed);
  f.noise_rows = noise_rows;
  const std::vector<float> z = DrawNoise(model.experiment, rng, noise_rows);
  const std::vector<float> samples = model.generator->Infer(z.data(), noise_rows);
  const std::vector<float> z_hat = model.encoder->Infer(samples.data(), noise_rows);
  f.z_squared_error = Mean(RowMeanSquares(z_hat.data(), z.data(), noise_rows, latent));
  f.z_share = f.z_squared_error / NoiseVariance(model.experiment.noise());

  const int64_t n = images.rows();
  f.images = n;
  std::vector<float> reconstructions = InferenceReconstructions(model, images);
  const std::vector<double> errors = RowMeanSquares(reconstructions.data(), images.pixels.data(), n, dim);
  f.pixel_squared_error = Mean(errors);
  double squares = 0;
  for (double e : errors) squares += (e - f.pixel_squared_error) * (e - f.pixel_squared_error);
  f.pixel_squared_error_std_error = n > 1 ? std::sqrt(squares / static_cast<double>(n - 1) / static_cast<double>(n)) : 0.0;
  const std::vector<float> other = model.generator->Infer(DrawNoise(model.experiment, rng, n).data(), n);
  f.chance_pixel_squared_error = Mean(RowMeanSquares(other.data(), images.pixels.data(), n, dim));

  if (classifier != nullptr) {
    const std::vector<int64_t> of_images = classifier->Labels(images.pixels.data(), n);
    const std::vector<int64_t> of_reconstructions = classifier->Labels(reconstructions.data(), n);
    int64_t agree = 0, right = 0, image_right = 0;
    for (int64_t i = 0; i < n; ++i) {
      agree += of_images[i] == of_reconstructions[i];
      right += of_reconstructions[i] == images.labels[i];
      image_right += of_images[i] == images.labels[i];
    }
    f.label_agreement = static_cast<double>(agree) / static_cast<double>(n);
    f.reconstruction_accuracy = static_cast<double>(right) / static_cast<double>(n);
    f.image_accuracy = static_cast<double>(image_right) / static_cast<double>(n);
  }
  if (reconstructions_out != nullptr) *reconstructions_out = std::move(reconstructions);
  return f;
}

std::string InferenceFiguresJson(const InferenceFigures& f) {
  return absl::StrFormat(
      "{\"noise_rows\": %d, \"z_squared_error\": %.6f, \"z_share_of_variance\": %.6f, \"images\": %d, \"pixel_squared_error\": %.6f, "
      "\"pixel_squared_error_std_error\": %.6f, \"chance_pixel_squared_error\": %.6f, \"label_agreement\": %.6f, "
      "\"reconstruction_accuracy\": %.6f, \"image_accuracy\": %.6f}",
      f.noise_rows, f.z_squared_error, f.z_share, f.images, f.pixel_squared_error, f.pixel_squared_error_std_error,
      f.chance_pixel_squared_error, f.label_agreement, f.reconstruction_accuracy, f.image_accuracy);
}

std::string DescribeInferenceFigures(const InferenceFigures& f) {
  std::string text = absl::StrFormat(
      "E(G(z)) against z on %d fresh draws: squared error %.4f per component (%.3f of p_z's variance); G(E(x)) of %d images: pixel squared "
      "error %.4f +- %.4f (an independent sample of G: %.4f)",
      f.noise_rows, f.z_squared_error, f.z_share, f.images, f.pixel_squared_error, f.pixel_squared_error_std_error,
      f.chance_pixel_squared_error);
  if (f.label_agreement >= 0) {
    absl::StrAppendFormat(&text, "; the classifier labels G(E(x)) as x in %.2f %%, as x's true label in %.2f %% (x itself: %.2f %%)",
                          100 * f.label_agreement, 100 * f.reconstruction_accuracy, 100 * f.image_accuracy);
  }
  return text;
}

}  // namespace gan::eval
