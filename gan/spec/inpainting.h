#ifndef GAN_SPEC_INPAINTING_H_
#define GAN_SPEC_INPAINTING_H_

// The inpainting conditionals p(x_S | x_rest) (the paper's section 7,
// extension 3; Experiment.inpainting): the masks, and the rows G and D read.
//
// A mask has one value per pixel: 1 where the pixel is missing (in S, to be
// completed), 0 where it is observed. The condition c of an image x under a
// mask m is one row [x * (1 - m), m]: the observed image (missing pixels 0),
// then the mask. G reads [z, c]; D reads [completion, c], where the
// completion keeps x's observed pixels and takes G's output on the missing
// ones: completion = x * (1 - m) + m * G(z, c).
//
// Training draws each example's mask from one family, so that one set of
// parameters serves every subset S: with equal chance a half (top, bottom,
// left or right), a quadrant, a square (side from a quarter to three quarters
// of the image's, anywhere inside it), or random pixels (each missing with a
// probability of 0.2, 0.4, 0.6, 0.8 or 0.9).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/random.h"
#include "gan/spec/experiment.pb.h"
#include "gan/spec/noise.h"  // InpaintingImageDim

namespace gan {

// The masks a completion is reported on (//tools:evaluate), by name:
// "bottom_half", "left_half", "centre_square" (the centred square of half
// the image's side: 14 x 14 on MNIST) and "random_80" (each pixel missing
// with probability 0.8, drawn from the caller's generator).
const std::vector<std::string>& ReportedMaskNames();

// Fills mask[0, height * width) with one draw of the training family.
void DrawTrainingMask(Rng& rng, int height, int width, float* mask);

// Fills mask[0, height * width) with the named mask (ReportedMaskNames);
// `rng` is read by "random_80" only. InvalidArgument names the known masks.
absl::Status FillNamedMask(const std::string& name, Rng& rng, int height, int width, float* mask);

// The condition of `image` under `mask` (each [dim]) into condition[0, 2 dim).
void FillCondition(const float* image, const float* mask, int64_t dim, float* condition);

// completion[0, dim) = the observed pixels of `condition` [2 dim] and G's
// `generated` [dim] on its missing ones.
void Complete(const float* generated, const float* condition, int64_t dim, float* completion);

// `rows` inputs of G [rows, noise_dim + 2 dim] of an inpainting experiment:
// row i is z_i (the experiment's noise), then the condition of image
// i % image_rows of `images` [image_rows, dim] under its own training-family
// mask. Draws all the noise first, then the masks.
void FillTrainingInputs(const proto::Experiment& experiment, Rng& rng, const float* images, int64_t image_rows, int64_t rows,
                        float* g_input);
// The same inputs in a new buffer (for measuring: the trainer's reports and
// grids, //tools:train's final rows).
std::vector<float> TrainingInputs(const proto::Experiment& experiment, Rng& rng, const float* images, int64_t image_rows,
                                  int64_t rows);

// `rows` masks [rows, height * width] of the named kind (ReportedMaskNames;
// "random_80" draws each row's from `rng`). InvalidArgument as FillNamedMask.
absl::StatusOr<std::vector<float>> NamedMasks(const std::string& name, Rng& rng, int height, int width, int64_t rows);

// G's inputs [rows, noise_dim + 2 dim] for completing `rows` images [rows,
// dim] under their masks [rows, dim]: z from the experiment's noise (drawn
// first), then each image's condition.
std::vector<float> InputsForMasks(const proto::Experiment& experiment, Rng& rng, const float* images, const float* masks,
                                  int64_t rows);

// The completions [rows, dim] of G's inputs `g_input` [rows, noise_dim + 2 dim]
// given G's outputs `generated` [rows, dim].
std::vector<float> CompleteRows(const proto::Experiment& experiment, const float* g_input, const float* generated, int64_t rows);

// A figure's images [2 rows, dim]: for each row of G's inputs, its observed
// image (missing pixels shown mid-grey, 0.5) and then its completion.
std::vector<float> InpaintingGridImages(const proto::Experiment& experiment, const float* g_input, const float* generated,
                                        int64_t rows);

}  // namespace gan

#endif  // GAN_SPEC_INPAINTING_H_
