#include "data/faces.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "data/data_dir.h"
#include "data/mat_file.h"

namespace gan::data {
namespace {

absl::Status CheckPixels(const std::vector<double>& values, double max, const std::string& where) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!(values[i] >= 0 && values[i] <= max)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": value ", values[i], " at ", i, " is not a pixel in [0, ", max, "]"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TfdFold> LoadTfdFile(const std::string& path, int fold) {
  if (fold < 0 || fold > 4) return absl::InvalidArgumentError(absl::StrCat("TFD fold must be 0..4, not ", fold));
  absl::StatusOr<std::vector<MatMatrix>> vars = ReadMatVariables(path, {"images", "folds", "labs_ex"});
  if (!vars.ok()) return vars.status();
  const MatMatrix &images = (*vars)[0], &folds = (*vars)[1], &labels = (*vars)[2];
  if (images.dims.size() != 3 || images.dims[1] != images.dims[2]) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": 'images' must be N x S x S"));
  }
  const int64_t n = images.dims[0], side = images.dims[1];
  if (folds.dims.size() != 2 || folds.dims[0] != n || folds.dims[1] != 5) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": 'folds' must be ", n, " x 5"));
  }
  if (static_cast<int64_t>(labels.values.size()) != n) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": 'labs_ex' must hold ", n, " labels"));
  }
  GAN_RETURN_IF_ERROR(CheckPixels(images.values, 255, path + ": 'images'"));

  TfdFold result;
  Dataset* by_code[4] = {&result.unlabeled, &result.train, &result.valid, &result.test};
  const Split splits[4] = {Split::kUnlabeled, Split::kTrain, Split::kValid, Split::kTest};
  for (int c = 0; c < 4; ++c) {
    by_code[c]->name = "tfd";
    by_code[c]->split = splits[c];
    by_code[c]->shape = {1, side, side};
  }
  for (int64_t i = 0; i < n; ++i) {
    const double code = folds.values[i + n * fold];  // column-major: (i, fold)
    if (code != 0 && code != 1 && code != 2 && code != 3) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": 'folds'(", i, ", ", fold, ") = ", code, " is not 0..3"));
    }
    Dataset& dataset = *by_code[static_cast<int>(code)];
    const double label = labels.values[i];
    if (!(label >= -1 && label <= 1e6) || label != std::floor(label)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": 'labs_ex'(", i, ") = ", label, " is not a label (-1 for none)"));
    }
    dataset.labels.push_back(static_cast<int32_t>(label));
    for (int64_t r = 0; r < side; ++r) {
      for (int64_t c = 0; c < side; ++c) {
        dataset.pixels.push_back(static_cast<float>(images.values[i + n * (r + side * c)] / 255.0));
      }
    }
  }
  return result;
}

absl::StatusOr<TfdFold> LoadTfd(const std::string& flag_dir, int fold) {
  absl::StatusOr<std::vector<std::string>> files = FindDataFiles("tfd", {{{"TFD_48x48.mat"}}}, flag_dir);
  if (!files.ok()) return files.status();
  return LoadTfdFile((*files)[0], fold);
}

absl::StatusOr<Dataset> LoadOlivettiFile(const std::string& path) {
  absl::StatusOr<std::vector<MatMatrix>> vars = ReadMatVariables(path, {"faces"});
  if (!vars.ok()) return vars.status();
  const MatMatrix& faces = (*vars)[0];
  if (faces.dims.size() != 2 || faces.dims[0] != 64 * 64) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": 'faces' must be 4096 x N (one 64x64 image per column)"));
  }
  GAN_RETURN_IF_ERROR(CheckPixels(faces.values, 255, path + ": 'faces'"));
  Dataset dataset;
  dataset.name = "faces";
  dataset.shape = {1, 64, 64};
  const int64_t n = faces.dims[1];
  for (int64_t k = 0; k < n; ++k) {
    dataset.labels.push_back(static_cast<int32_t>(k / 10));
    // Column k holds image k column-major: pixel (r, c) at r + 64 c.
    for (int64_t r = 0; r < 64; ++r) {
      for (int64_t c = 0; c < 64; ++c) dataset.pixels.push_back(static_cast<float>(faces.values[k * 4096 + r + 64 * c] / 255.0));
    }
  }
  return dataset;
}

absl::StatusOr<Dataset> LoadOlivetti(const std::string& flag_dir) {
  absl::StatusOr<std::vector<std::string>> files = FindDataFiles("faces", {{{"olivettifaces.mat"}}}, flag_dir);
  if (!files.ok()) return files.status();
  return LoadOlivettiFile((*files)[0]);
}

}  // namespace gan::data
