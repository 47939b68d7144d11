#ifndef DATA_DATA_DIR_H_
#define DATA_DATA_DIR_H_

// Where a data set's files are found. For a data set `name` (e.g. "mnist"),
// each root is tried as `root/name/` and then as `root/` itself; the roots, in
// order: the --data_dir flag's value (if set), $GAN_DATA_DIR (if set), the
// per-user cache ($XDG_CACHE_HOME/gan, else ~/.cache/gan), then any built-in
// place the data set has (Debian's Fashion-MNIST package).

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace gan::data {

// The directories to search for data set `name`, in order.
std::vector<std::string> CandidateDirs(const std::string& name, const std::string& flag_dir,
                                       const std::vector<std::string>& builtin_dirs = {});

// The per-user cache directory for data set `name` (where downloads go).
std::string UserCacheDir(const std::string& name);

// A file wanted, under any of its accepted names (e.g. plain or .gz).
struct WantedFile {
  std::vector<std::string> names;
};

// The first directory of CandidateDirs that holds every wanted file; returns
// the full path of each wanted file. If none does, NotFound naming the files
// missing from the best directory and every place searched.
absl::StatusOr<std::vector<std::string>> FindDataFiles(const std::string& name, const std::vector<WantedFile>& files,
                                                       const std::string& flag_dir,
                                                       const std::vector<std::string>& builtin_dirs = {});

}  // namespace gan::data

#endif  // DATA_DATA_DIR_H_
