#ifndef DATA_MAT_FILE_H_
#define DATA_MAT_FILE_H_

// Numeric variables of MATLAB files, read through libmatio.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace gan::data {

struct MatMatrix {
  std::vector<int64_t> dims;  // MATLAB's dimensions
  std::vector<double> values; // column-major (MATLAB's order), any real numeric class converted
};

// Reads each of `names` from the MAT file at `path`. Errors name the file and
// the variable: file missing or not a MAT file, a variable missing, complex,
// sparse or not numeric.
absl::StatusOr<std::vector<MatMatrix>> ReadMatVariables(const std::string& path, const std::vector<std::string>& names);

}  // namespace gan::data

#endif  // DATA_MAT_FILE_H_
