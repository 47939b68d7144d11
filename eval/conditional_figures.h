#ifndef EVAL_CONDITIONAL_FIGURES_H_
#define EVAL_CONDITIONAL_FIGURES_H_

// What a conditional generator (Experiment.conditioning: G(z, y)) is judged
// on, class by class: its samples of class c against the test images of
// class c, as Table 1 rows named "class c" (eval/table1.h), so that they print
// and serialise as Table 1's rows do:
//   - the Parzen figure (the paper's protocol, sigma chosen on the first
//     validation images of class c);
//   - with a classifier of the data set, its accuracy on the samples (the
//     share it labels c, figure "accuracy"), and the feature figures of
//     eval/feature_figures.h against class c's test images that mean
//     something within one class: frechet_distance, precision, recall and
//     ms_ssim.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/dataset.h"
#include "data/image_grid.h"
#include "data/mnist.h"
#include "eval/classifier.h"
#include "eval/table1.h"

namespace gan::eval {

struct ClassScores {
  std::vector<Table1Row> rows;  // one per class that has samples, test and validation images
  double accuracy = -1;         // over all samples; -1 without a classifier
};

// samples [n, image size] with their classes `labels` [n], each in [0,
// classes). Each class's row uses at most `sigma_images` of its validation
// images to choose sigma. `classifier` may be null (no accuracy, no feature
// figures). Errors name the class that cannot be scored.
absl::StatusOr<ClassScores> ScoreClasses(const float* samples, const std::vector<int32_t>& labels, int64_t classes,
                                         const data::Splits& splits, int64_t sigma_images, Classifier* classifier);

// One row per class: `columns` samples of that class, then the training image
// of the same class nearest to the row's last sample (Figure 2's rule, within
// the class). samples and labels as above; a class with fewer than `columns`
// samples is left out.
data::Image ClassFigure(const float* samples, const std::vector<int32_t>& labels, int64_t classes, int64_t columns,
                        const data::Dataset& train, data::Display display);

}  // namespace gan::eval

#endif  // EVAL_CONDITIONAL_FIGURES_H_
