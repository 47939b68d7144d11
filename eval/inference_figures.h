#ifndef EVAL_INFERENCE_FIGURES_H_
#define EVAL_INFERENCE_FIGURES_H_

// What an inference net (Experiment.inference: an encoder E: x -> z of a fixed
// generator G, gan/learners/inference_learner.h) is judged on:
//   - on fresh noise, the error of E(G(z)) against z, beside p_z's variance
//     (what an encoder that outputs p_z's mean leaves);
//   - on held-out images x, the reconstructions G(E(x)): their pixel error,
//     beside that of an independent sample of G (a reconstruction by
//     chance), and the classifier's labels of G(E(x)) against those of x and
//     against x's true labels.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/dataset.h"
#include "eval/classifier.h"
#include "gan/run/trained_model.h"

namespace gan::eval {

struct InferenceFigures {
  int64_t noise_rows = 0;
  double z_squared_error = 0;  // mean over z's components of (E(G(z)) - z)^2
  double z_share = 0;          // z_squared_error over p_z's variance
  int64_t images = 0;
  // Means over the images' pixels, with the standard error over images.
  double pixel_squared_error = 0, pixel_squared_error_std_error = 0;  // (G(E(x)) - x)^2
  double chance_pixel_squared_error = 0;                              // (G(z') - x)^2, z' ~ p_z independent of x
  // With a classifier (else -1): the share of images whose most probable
  // class of G(E(x)) is that of x; that is their label; and x's own accuracy.
  double label_agreement = -1, reconstruction_accuracy = -1, image_accuracy = -1;
};

// The figures of `model` (an inference net's checkpoint: model.encoder and
// the fixed model.generator) on `noise_rows` draws of z and on the rows of
// `images`, drawing from `seed`. `classifier` may be null; `reconstructions`,
// when given, receives G(E(x)) of the images [images.rows(), dim]. Errors:
// not an inference net, images of another size, no rows.
absl::StatusOr<InferenceFigures> EvaluateInferenceNet(TrainedModel& model, const data::Dataset& images, int64_t noise_rows,
                                                      uint64_t seed, Classifier* classifier, std::vector<float>* reconstructions = nullptr);

// G(E(x)) for every row of `images` [images.rows(), dim].
std::vector<float> InferenceReconstructions(TrainedModel& model, const data::Dataset& images);

// The figures as a JSON object, and as a line for a log.
std::string InferenceFiguresJson(const InferenceFigures& figures);
std::string DescribeInferenceFigures(const InferenceFigures& figures);

}  // namespace gan::eval

#endif  // EVAL_INFERENCE_FIGURES_H_
