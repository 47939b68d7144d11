#include "data/mnist.h"

#include "absl/strings/str_cat.h"
#include "data/data_dir.h"
#include "base/file_bytes.h"
#include "data/idx.h"

namespace gan::data {
namespace {

constexpr int64_t kValidationRows = 10000;

absl::StatusOr<std::string> Inflated(const std::string& path) {
  absl::StatusOr<std::string> bytes = base::ReadFileBytes(path);
  if (!bytes.ok()) return bytes.status();
  return base::MaybeGunzip(*std::move(bytes), path);
}

}  // namespace

absl::StatusOr<Dataset> MnistFromIdx(const std::string& images_bytes, const std::string& labels_bytes,
                                     const std::string& images_source, const std::string& labels_source) {
  absl::StatusOr<IdxArray> images = ParseIdx(images_bytes, images_source);
  if (!images.ok()) return images.status();
  absl::StatusOr<IdxArray> labels = ParseIdx(labels_bytes, labels_source);
  if (!labels.ok()) return labels.status();
  if (images->dims.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(images_source, ": images need 3 dimensions (count, rows, columns), not ", images->dims.size()));
  }
  if (labels->dims.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(labels_source, ": labels need 1 dimension, not ", labels->dims.size()));
  }
  if (labels->dims[0] != images->dims[0]) {
    return absl::InvalidArgumentError(absl::StrCat(labels_source, ": ", labels->dims[0], " labels for ", images->dims[0],
                                                   " images in ", images_source));
  }
  Dataset dataset;
  dataset.shape = {1, images->dims[1], images->dims[2]};
  const int64_t rows = images->dims[0];
  dataset.labels.resize(rows);
  for (int64_t i = 0; i < rows; ++i) {
    const int label = static_cast<unsigned char>(labels->data[i]);
    if (label > 9) {
      return absl::InvalidArgumentError(absl::StrCat(labels_source, ": label ", label, " of example ", i, " is not in 0..9"));
    }
    dataset.labels[i] = label;
  }
  dataset.pixels.resize(images->data.size());
  for (size_t i = 0; i < images->data.size(); ++i) {
    dataset.pixels[i] = static_cast<unsigned char>(images->data[i]) / 255.0f;
  }
  return dataset;
}

absl::StatusOr<Splits> LoadMnistFiles(const std::string& name, const std::string& train_images,
                                      const std::string& train_labels, const std::string& test_images,
                                      const std::string& test_labels) {
  Dataset parts[2];
  const std::string* paths[2][2] = {{&train_images, &train_labels}, {&test_images, &test_labels}};
  for (int p = 0; p < 2; ++p) {
    absl::StatusOr<std::string> images = Inflated(*paths[p][0]);
    if (!images.ok()) return images.status();
    absl::StatusOr<std::string> labels = Inflated(*paths[p][1]);
    if (!labels.ok()) return labels.status();
    absl::StatusOr<Dataset> dataset = MnistFromIdx(*images, *labels, *paths[p][0], *paths[p][1]);
    if (!dataset.ok()) return dataset.status();
    parts[p] = *std::move(dataset);
    parts[p].name = name;
  }
  if (parts[0].rows() <= kValidationRows) {
    return absl::InvalidArgumentError(absl::StrCat(train_images, ": ", parts[0].rows(),
                                                   " training images; the split needs more than ", kValidationRows));
  }
  if (parts[0].shape.height != parts[1].shape.height || parts[0].shape.width != parts[1].shape.width) {
    return absl::InvalidArgumentError(absl::StrCat(test_images, ": image size differs from ", train_images));
  }
  Splits splits;
  const int64_t n = parts[0].rows();
  splits.valid = parts[0].Slice(n - kValidationRows, n, Split::kValid);
  // The training split is the file's first rows, kept where they are.
  splits.train = std::move(parts[0]);
  splits.train.pixels.resize((n - kValidationRows) * splits.train.dim());
  splits.train.labels.resize(n - kValidationRows);
  splits.test = std::move(parts[1]);
  splits.test.split = Split::kTest;
  return splits;
}

absl::StatusOr<Splits> LoadMnist(const std::string& name, const std::string& flag_dir) {
  std::vector<WantedFile> wanted;
  for (const char* file : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                           "t10k-labels-idx1-ubyte"}) {
    wanted.push_back({{absl::StrCat(file, ".gz"), file}});
  }
  std::vector<std::string> builtin;
  if (name == "fashion_mnist") builtin.push_back(kDebianFashionMnistDir);
  absl::StatusOr<std::vector<std::string>> files = FindDataFiles(name, wanted, flag_dir, builtin);
  if (!files.ok()) return files.status();
  return LoadMnistFiles(name, (*files)[0], (*files)[1], (*files)[2], (*files)[3]);
}

}  // namespace gan::data
