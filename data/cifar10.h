#ifndef DATA_CIFAR10_H_
#define DATA_CIFAR10_H_

// CIFAR-10, binary version: data_batch_1..5.bin and test_batch.bin, records of
// one label byte and 3,072 pixel bytes (red, green, blue planes of 32x32).
// Split as the authors' configuration: train = the first 40,000 training
// images, valid = the next 10,000, test = test_batch.bin. Rows keep the
// 3x32x32 planes, the layout of a generator's output.

#include <string>

#include "absl/status/statusor.h"
#include "data/dataset.h"
#include "data/mnist.h"

namespace gan::data {

absl::StatusOr<Splits> LoadCifar10(const std::string& flag_dir);

// Appends the records in `bytes` to `dataset` (exposed for tests and the fuzzer).
absl::Status AppendCifar10Records(const std::string& bytes, const std::string& source, Dataset& dataset);

}  // namespace gan::data

#endif  // DATA_CIFAR10_H_
