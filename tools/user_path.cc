#include "tools/user_path.h"

#include <cstdlib>

namespace gan::tools {

std::string UserPath(const std::string& path) {
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || cwd == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

std::vector<std::string> ExperimentDirs(const std::string& argv0) {
  return {"experiments", argv0 + ".runfiles/gan/experiments"};
}

}  // namespace gan::tools
