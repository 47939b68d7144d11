#include "data/data_dir.h"

#include <sys/stat.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace gan::data {
namespace {

bool IsFile(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

std::string UserCacheDir(const std::string& name) {
  std::string base = Env("XDG_CACHE_HOME");
  if (base.empty()) base = Env("HOME").empty() ? "/tmp/gan-cache" : Env("HOME") + "/.cache";
  return base + "/gan/" + name;
}

std::vector<std::string> CandidateDirs(const std::string& name, const std::string& flag_dir,
                                       const std::vector<std::string>& builtin_dirs) {
  std::vector<std::string> dirs;
  for (const std::string& root : {flag_dir, Env("GAN_DATA_DIR")}) {
    if (root.empty()) continue;
    dirs.push_back(root + "/" + name);
    dirs.push_back(root);
  }
  dirs.push_back(UserCacheDir(name));
  for (const std::string& dir : builtin_dirs) dirs.push_back(dir);
  return dirs;
}

absl::StatusOr<std::vector<std::string>> FindDataFiles(const std::string& name, const std::vector<WantedFile>& files,
                                                       const std::string& flag_dir,
                                                       const std::vector<std::string>& builtin_dirs) {
  const std::vector<std::string> dirs = CandidateDirs(name, flag_dir, builtin_dirs);
  std::vector<std::string> best_missing;
  for (const std::string& dir : dirs) {
    std::vector<std::string> found, missing;
    for (const WantedFile& file : files) {
      std::string hit;
      for (const std::string& candidate : file.names) {
        if (IsFile(dir + "/" + candidate)) {
          hit = dir + "/" + candidate;
          break;
        }
      }
      if (hit.empty()) {
        missing.push_back(absl::StrJoin(file.names, " or "));
      } else {
        found.push_back(hit);
      }
    }
    if (missing.empty()) return found;
    if (best_missing.empty() || missing.size() < best_missing.size()) best_missing = missing;
  }
  return absl::NotFoundError(absl::StrCat(
      name, " data not found: missing ", absl::StrJoin(best_missing, ", "), ". Looked in: ", absl::StrJoin(dirs, ", "),
      ". Point --data_dir or $GAN_DATA_DIR at a directory holding the files (or its '", name, "' subdirectory)",
      flag_dir.empty() ? " (--data_dir is not set)" : "", "."));
}

}  // namespace gan::data
