#ifndef DATA_LOAD_H_
#define DATA_LOAD_H_

// One entry point for every data set the experiments name.

#include <string>

#include "absl/status/statusor.h"
#include "data/mnist.h"

namespace gan::data {

// `name`: mnist, fashion_mnist, cifar10, tfd (fold `tfd_fold`; train = its
// unlabeled split) or faces (all 400 images in train; valid and test empty).
// If gcn_scale > 0, every split is contrast-normalised (GlobalContrastNormalize).
absl::StatusOr<Splits> LoadSplits(const std::string& name, const std::string& data_dir, int tfd_fold = 0,
                                  float gcn_scale = 0);

// The image shape of data set `name` (as LoadSplits names them), without
// reading its files: what a model trained on it makes.
absl::StatusOr<ImageShape> ImageShapeOf(const std::string& name);

// Global contrast normalisation: each image minus its own mean, then scaled
// to L2 norm `scale` (an image with no contrast stays all zero).
void GlobalContrastNormalize(Dataset& dataset, float scale);

}  // namespace gan::data

#endif  // DATA_LOAD_H_
