#ifndef EVAL_AUTOENCODER_FIGURES_H_
#define EVAL_AUTOENCODER_FIGURES_H_

// What a trained autoencoder (gan/learners/autoencoder_learner.h) makes of held-out
// images: its objective on them, and a figure of its reconstructions.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/dataset.h"
#include "gan/run/trained_model.h"

namespace gan::eval {

// Per image, means over `images` with their standard errors. In nats for a
// Bernoulli decoder, else half the squared error summed over the pixels.
struct AutoencoderFigures {
  int64_t rows = 0;
  // Of each image from the input the model takes: the image (plain), a
  // corrupted copy (denoising), or a code drawn from q(z|x) (variational).
  double reconstruction = 0, reconstruction_std_error = 0;
  // Variational only: the KL term, and the negative ELBO (reconstruction +
  // KL, an upper bound on -log p(x)), each image's reconstruction averaged
  // over `codes_per_image` codes.
  double kl = 0;
  double negative_elbo = 0, negative_elbo_std_error = 0;
  int64_t codes_per_image = 0;
};

// The figures of `model` (an autoencoder's: model.encoder set) on `images`,
// with the corruption or the codes drawn from `seed`. Errors: not an
// autoencoder, images of another size, codes_per_image < 1.
absl::StatusOr<AutoencoderFigures> EvaluateAutoencoder(TrainedModel& model, const data::Dataset& images, int64_t codes_per_image,
                                                       uint64_t seed);

// The reconstruction figure's images, [groups * k * 10, dim]: groups of
// rows of 10 images of `images` (the first 10 * groups), each group the images, their corrupted
// copies (denoising only, drawn from `seed`) and their reconstructions (the
// decoder's output for the code's mean, in a variational one), so k is 2 or
// 3; `rows_per_group` receives k.
absl::StatusOr<std::vector<float>> ReconstructionRows(TrainedModel& model, const data::Dataset& images, int64_t groups,
                                                      uint64_t seed, int64_t* rows_per_group);

// The figures as a JSON object, and as a line for a log.
std::string AutoencoderFiguresJson(const AutoencoderFigures& figures);
std::string DescribeAutoencoderFigures(const AutoencoderFigures& figures);

}  // namespace gan::eval

#endif  // EVAL_AUTOENCODER_FIGURES_H_
