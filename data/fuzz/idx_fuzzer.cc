// libFuzzer target: IDX bytes (plain or gzip) through the MNIST loader's
// parsers. Any input must give a dataset or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/file_bytes.h"
#include "data/idx.h"
#include "data/mnist.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::string> inflated = gan::base::MaybeGunzip(bytes, "fuzz", size_t{1} << 24);
  if (!inflated.ok()) return 0;
  absl::StatusOr<gan::data::IdxArray> array = gan::data::ParseIdx(*inflated, "fuzz");
  if (array.ok()) {
    size_t count = 1;
    for (int64_t d : array->dims) count *= static_cast<size_t>(d);
    if (count != array->data.size()) __builtin_trap();  // the parser's own promise
  }
  // The same bytes as images with one label each for the first images.
  const std::string labels = std::string("\x00\x00\x08\x01\x00\x00\x00\x02\x01\x02", 10);
  (void)gan::data::MnistFromIdx(*inflated, labels, "images", "labels");
  return 0;
}
