#ifndef EVAL_FEW_LABELS_H_
#define EVAL_FEW_LABELS_H_

// Semi-supervised learning with few labels (the paper's section 7, extension
// 4: "features from the discriminator or inference net could improve
// performance of classifiers when limited labeled data is available"). A
// feature map of images (raw pixels, D's last hidden layer, an inference net's
// E) is judged by a linear probe: a softmax classifier on the features,
// trained on the labelled images only, its errors counted on the test set.
// The unlabelled training images may be looked at, as in semi-supervised
// learning: they standardise each feature.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/dataset.h"
#include "gan/run/trained_model.h"
#include "gan/spec/experiment.pb.h"

namespace gan::eval {

// Maps images [rows, image dim] to features [rows, dim], at inference.
struct FeatureMap {
  std::string name;  // "pixels", "discriminator", "encoder"
  int64_t dim = 0;
  std::function<std::vector<float>(const float* images, int64_t rows)> features;
};

FeatureMap PixelFeatures(int64_t image_dim);
// D's last hidden layer: the input of its last layer (dropout is the identity
// at inference). `model` (an unconditional GAN's checkpoint) must outlive the
// map. Errors: no discriminator, or a conditional or inpainting D, which reads
// more than the image.
absl::StatusOr<FeatureMap> DiscriminatorFeatures(TrainedModel& model);
// An inference net's E(x) (Experiment.inference); `model` must outlive the map.
absl::StatusOr<FeatureMap> EncoderFeatures(TrainedModel& model);

// Features of a data set's images, standardised: each feature minus its mean
// and over its standard deviation on the unlabelled images (1 where that is 0).
struct StandardisedFeatures {
  int64_t dim = 0;
  std::vector<float> train, test;  // [train rows, dim], [test rows, dim]
};
StandardisedFeatures Standardise(const FeatureMap& map, const data::Dataset& unlabelled, const data::Dataset& test);

// The test errors (of test.rows()) of a softmax classifier on `features`,
// trained on the training rows `labelled_rows` (their labels from
// `train_labels`) alone, for `updates` Adam updates of batches of
// min(100, rows) drawn with `seed`. Errors: a label outside [0, classes), no rows.
absl::StatusOr<int64_t> LinearProbeTestErrors(const StandardisedFeatures& features, const std::vector<int64_t>& labelled_rows,
                                              const std::vector<int32_t>& train_labels, const std::vector<int32_t>& test_labels,
                                              int32_t classes, int64_t updates, uint64_t seed);

// The test errors of a classifier experiment's net trained from scratch on
// `labelled` alone for about `updates` updates (whole epochs of its batch, or
// of all the rows when fewer).
absl::StatusOr<int64_t> ScratchClassifierTestErrors(proto::ClassifierExperiment experiment, const data::Dataset& labelled,
                                                    const data::Dataset& test, int64_t updates);

}  // namespace gan::eval

#endif  // EVAL_FEW_LABELS_H_
