#ifndef DATA_DOWNLOAD_H_
#define DATA_DOWNLOAD_H_

// Optional downloads of public data sets into the per-user cache, each file
// checked against its published MD5 before it is kept.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/file_digest.h"  // Md5OfFile

namespace gan::data {

struct RemoteFile {
  std::string name;  // file name in the destination directory
  std::string md5;   // lower-case hex
};

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

// Downloads data set `name` into the per-user cache: mnist and cifar10 can be
// downloaded; fashion_mnist comes from Debian's dataset-fashion-mnist package;
// tfd is licensed and faces is shipped with this project's test data, so for
// those the error says where to get them.
absl::Status DownloadDataset(const std::string& name);

// CIFAR-10's binary archive (cifar-10-binary.tar.gz) from its usual public
// address (or `base_url`), checked against `archive_md5`; the six .bin files
// are extracted into UserCacheDir("cifar10") and each checked against its
// published MD5 before it is kept. The archive is removed afterwards.
absl::Status DownloadCifar10(const std::string& base_url = "", const std::string& archive_md5 = "");
inline constexpr char kCifar10Url[] = "https://www.cs.toronto.edu/~kriz/";
inline constexpr char kCifar10ArchiveMd5[] = "c32a1d4ab5d03f1284b67883e8d87530";
std::vector<RemoteFile> Cifar10Files();

// The regular files of a tar archive (plain ustar/GNU), by base name, as long
// as the name is in `wanted`. Errors name `source` when the archive is damaged.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ExtractTar(const std::string& tar,
                                                                          const std::vector<std::string>& wanted,
                                                                          const std::string& source);

}  // namespace gan::data

#endif  // DATA_DOWNLOAD_H_
