#include "data/load.h"

#include <cmath>

#include "data/cifar10.h"
#include "data/faces.h"

namespace gan::data {

namespace {

absl::StatusOr<Splits> LoadRawSplits(const std::string& name, const std::string& data_dir, int tfd_fold) {
  if (name == "mnist" || name == "fashion_mnist") return LoadMnist(name, data_dir);
  if (name == "cifar10") return LoadCifar10(data_dir);
  if (name == "tfd") {
    absl::StatusOr<TfdFold> fold = LoadTfd(data_dir, tfd_fold);
    if (!fold.ok()) return fold.status();
    Splits splits{std::move(fold->unlabeled), std::move(fold->valid), std::move(fold->test)};
    return splits;
  }
  if (name == "faces") {
    absl::StatusOr<Dataset> faces = LoadOlivetti(data_dir);
    if (!faces.ok()) return faces.status();
    Splits splits;
    splits.train = *std::move(faces);
    splits.valid = splits.train.Slice(0, 0, Split::kValid);
    splits.test = splits.train.Slice(0, 0, Split::kTest);
    return splits;
  }
  return absl::InvalidArgumentError("unknown data set '" + name + "' (mnist, fashion_mnist, cifar10, tfd, faces)");
}

}  // namespace

absl::StatusOr<Splits> LoadSplits(const std::string& name, const std::string& data_dir, int tfd_fold, float gcn_scale) {
  absl::StatusOr<Splits> splits = LoadRawSplits(name, data_dir, tfd_fold);
  if (splits.ok() && gcn_scale > 0) {
    for (Dataset* split : {&splits->train, &splits->valid, &splits->test}) GlobalContrastNormalize(*split, gcn_scale);
  }
  return splits;
}

absl::StatusOr<ImageShape> ImageShapeOf(const std::string& name) {
  if (name == "mnist" || name == "fashion_mnist") return ImageShape{1, 28, 28};
  if (name == "cifar10") return ImageShape{3, 32, 32};
  if (name == "tfd") return ImageShape{1, 48, 48};
  if (name == "faces") return ImageShape{1, 64, 64};
  return absl::InvalidArgumentError("unknown data set '" + name + "' (mnist, fashion_mnist, cifar10, tfd, faces)");
}

void GlobalContrastNormalize(Dataset& dataset, float scale) {
  const int64_t dim = dataset.dim();
  for (int64_t r = 0; r < dataset.rows(); ++r) {
    float* row = dataset.pixels.data() + r * dim;
    double mean = 0, norm = 0;
    for (int64_t i = 0; i < dim; ++i) mean += row[i];
    mean /= dim;
    for (int64_t i = 0; i < dim; ++i) norm += (row[i] - mean) * (row[i] - mean);
    norm = std::sqrt(norm);
    const double factor = norm > 1e-8 ? scale / norm : 0.0;
    for (int64_t i = 0; i < dim; ++i) row[i] = static_cast<float>((row[i] - mean) * factor);
  }
}

}  // namespace gan::data
