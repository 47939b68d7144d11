#ifndef DATA_IDX_H_
#define DATA_IDX_H_

// The IDX format of MNIST (and Fashion-MNIST): a big-endian header, magic
// 0x000008NN (unsigned bytes, NN dimensions), NN 32-bit sizes, then the data.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace gan::data {

struct IdxArray {
  std::vector<int64_t> dims;
  std::string data;  // the unsigned bytes, row-major, size = product of dims
};

// Parses IDX bytes (already inflated). Errors name `source` and the problem:
// wrong magic, a non-byte type, a size of 0 or one that disagrees with the
// data, a truncated file.
absl::StatusOr<IdxArray> ParseIdx(const std::string& bytes, const std::string& source);

// Reads an IDX file, plain or gzip-compressed.
absl::StatusOr<IdxArray> ReadIdxFile(const std::string& path);

}  // namespace gan::data

#endif  // DATA_IDX_H_
