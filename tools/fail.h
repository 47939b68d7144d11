#ifndef TOOLS_FAIL_H_
#define TOOLS_FAIL_H_

// How every command-line program ends on an error: "<program>: <message>" on
// standard error, exit status 1.

#include <cstdio>
#include <string>

#include "absl/status/status.h"

namespace gan::tools {

inline int Fail(const char* program, const absl::Status& status) {
  std::fprintf(stderr, "%s: %s\n", program, std::string(status.message()).c_str());
  return 1;
}

}  // namespace gan::tools

#endif  // TOOLS_FAIL_H_
