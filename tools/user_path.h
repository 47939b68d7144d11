#ifndef TOOLS_USER_PATH_H_
#define TOOLS_USER_PATH_H_

#include <string>

namespace gan::tools {

// A path the user typed, made absolute against the directory they ran
// `bazel run` from (BUILD_WORKING_DIRECTORY), not the runfiles tree the
// program runs in. Absolute and empty paths, and direct runs, pass through.
std::string UserPath(const std::string& path);

}  // namespace gan::tools

#endif  // TOOLS_USER_PATH_H_
