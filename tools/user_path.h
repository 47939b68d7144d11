#ifndef TOOLS_USER_PATH_H_
#define TOOLS_USER_PATH_H_

#include <string>
#include <vector>

namespace gan::tools {

// A path the user typed, made absolute against the directory they ran
// `bazel run` from (BUILD_WORKING_DIRECTORY), not the runfiles tree the
// program runs in. Absolute and empty paths, and direct runs, pass through.
std::string UserPath(const std::string& path);

// Where a program looks for experiment files named without a path: the
// working directory's experiments/ (the runfiles tree under `bazel run`),
// then the runfiles beside the binary `argv0`.
std::vector<std::string> ExperimentDirs(const std::string& argv0);

}  // namespace gan::tools

#endif  // TOOLS_USER_PATH_H_
