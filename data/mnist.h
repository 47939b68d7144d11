#ifndef DATA_MNIST_H_
#define DATA_MNIST_H_

// MNIST and Fashion-MNIST (the same IDX files) with the paper's split:
// train = the training file's first n - 10,000 images (50,000 for MNIST),
// valid = its last 10,000, test = the test file.

#include <string>

#include "absl/status/statusor.h"
#include "data/dataset.h"

namespace gan::data {

struct Splits {
  Dataset train, valid, test;
};

// Where Debian's dataset-fashion-mnist package puts the files.
inline constexpr char kDebianFashionMnistDir[] = "/usr/share/datasets/fashion-mnist";

// `name` is "mnist" or "fashion_mnist"; files are found as data/data_dir.h says
// (fashion_mnist also in kDebianFashionMnistDir), plain or .gz.
absl::StatusOr<Splits> LoadMnist(const std::string& name, const std::string& flag_dir);

// From the four files; errors name the file and the problem.
absl::StatusOr<Splits> LoadMnistFiles(const std::string& name, const std::string& train_images,
                                      const std::string& train_labels, const std::string& test_images,
                                      const std::string& test_labels);

// One images file and its labels file as a dataset (exposed for tests and the fuzzer).
absl::StatusOr<Dataset> MnistFromIdx(const std::string& images_bytes, const std::string& labels_bytes,
                                     const std::string& images_source, const std::string& labels_source);

}  // namespace gan::data

#endif  // DATA_MNIST_H_
