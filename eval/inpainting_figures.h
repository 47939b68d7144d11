#ifndef EVAL_INPAINTING_FIGURES_H_
#define EVAL_INPAINTING_FIGURES_H_

// What an inpainter (Experiment.inpainting: G(z, c) completing the missing
// pixels of an image from its observed ones) is judged on, for one mask over
// a set of images with known truth: each way of completing them (the model,
// and the baselines below) scored by
//   - the classifier's accuracy on the completions against the images' labels;
//   - the mean squared error over the missing pixels;
//   - the spread: over the missing pixels, the mean standard deviation
//     between several completions of the same image (a model that ignores z
//     shows none; the baselines are deterministic).
// Masks hold 1 where a pixel is missing, 0 where it is observed
// (gan/spec/inpainting.h).

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/image_grid.h"
#include "eval/classifier.h"

namespace gan::eval {

struct CompletionScores {
  std::string method;       // "model", "nearest training image", "mean image"
  double accuracy = -1;     // of the first completions; -1 without a classifier
  double missing_mse = 0;   // of the first completions
  double spread = 0;        // 0 with one completion per image
};

// `completions` [draws, images.rows(), dim]: `draws` completions of every
// image of `images` under its mask, masks [images.rows(), dim]. `classifier`
// may be null.
CompletionScores ScoreCompletions(const std::string& method, const std::vector<float>& completions, int64_t draws,
                                  const data::Dataset& images, const std::vector<float>& masks, Classifier* classifier);

// The baselines' completions [images.rows(), dim]: each image's observed
// pixels, and on its missing ones those of the training image nearest to it
// on its observed pixels (squared distance), or those of the training set's
// mean image.
std::vector<float> NearestTrainingCompletions(const data::Dataset& images, const std::vector<float>& masks,
                                              const data::Dataset& train);
std::vector<float> MeanImageCompletions(const data::Dataset& images, const std::vector<float>& masks, const data::Dataset& train);

// One row per image of `rows` (indices into `images`): the observed part
// (missing pixels mid-grey), the `draws` completions of that image from
// `completions` (laid out as for ScoreCompletions), then the truth.
data::Image CompletionFigure(const data::Dataset& images, const std::vector<float>& masks, const std::vector<float>& completions,
                             int64_t draws, const std::vector<int64_t>& rows, data::Display display);

// The scores as a text table (one line per method) and as a JSON array.
std::string FormatCompletionScores(const std::vector<CompletionScores>& scores);
std::string CompletionScoresJson(const std::vector<CompletionScores>& scores);

}  // namespace gan::eval

#endif  // EVAL_INPAINTING_FIGURES_H_
