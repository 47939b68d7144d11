#ifndef DATA_DOWNLOAD_H_
#define DATA_DOWNLOAD_H_

// Optional downloads of public data sets into the per-user cache, each file
// checked against its published MD5 before it is kept.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace gan::data {

struct RemoteFile {
  std::string name;  // file name in the destination directory
  std::string md5;   // lower-case hex
};

// The MD5 of a file's content, lower-case hex.
absl::StatusOr<std::string> Md5OfFile(const std::string& path);

// Fetches base_url + name for each file not already in `dir` with the right
// MD5, into `dir` (created if needed). A file is written to a temporary name
// and renamed only once its MD5 matches, so nothing partial or wrong is left.
// Errors name the URL and what went wrong (unreachable, HTTP status, MD5).
// Progress goes to stderr.
absl::Status DownloadFiles(const std::string& base_url, const std::vector<RemoteFile>& files, const std::string& dir);

// MNIST's four files from their usual public address (or `base_url` if not
// empty) into UserCacheDir("mnist").
absl::Status DownloadMnist(const std::string& base_url = "");
inline constexpr char kMnistUrl[] = "https://yann.lecun.com/exdb/mnist/";
std::vector<RemoteFile> MnistFiles();

}  // namespace gan::data

#endif  // DATA_DOWNLOAD_H_
