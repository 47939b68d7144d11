// libFuzzer target: CIFAR-10 binary records.
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/cifar10.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gan::data::Dataset dataset;
  const absl::Status status =
      gan::data::AppendCifar10Records(std::string(reinterpret_cast<const char*>(data), size), "fuzz", dataset);
  if (status.ok() && (dataset.rows() * 3073 != static_cast<int64_t>(size) ||
                      dataset.pixels.size() != static_cast<size_t>(dataset.rows()) * 3072)) {
    __builtin_trap();
  }
  return 0;
}
