#include "data/download.h"

#include <curl/curl.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "data/data_dir.h"
#include "base/file_bytes.h"

namespace gan::data {
namespace {

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};

size_t WriteToFile(char* data, size_t size, size_t count, void* file) {
  return std::fwrite(data, size, count, static_cast<FILE*>(file)) * size;
}

}  // namespace

absl::Status DownloadFiles(const std::string& base_url, const std::vector<RemoteFile>& files, const std::string& dir) {
  GAN_RETURN_IF_ERROR(base::MakeDirs(dir));
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return absl::InternalError("libcurl: curl_easy_init failed");
  for (const RemoteFile& file : files) {
    const std::string path = dir + "/" + file.name;
    if (absl::StatusOr<std::string> md5 = base::Md5OfFile(path); md5.ok() && *md5 == file.md5) continue;
    const std::string url = base_url + file.name, partial = path + ".partial";
    std::fprintf(stderr, "downloading %s -> %s\n", url.c_str(), path.c_str());
    FILE* out = std::fopen(partial.c_str(), "wb");
    if (out == nullptr) return absl::PermissionDeniedError(absl::StrCat(partial, ": cannot write: ", std::strerror(errno)));
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_reset(curl.get());
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, WriteToFile);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, out);
    curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 20L);
    // Give up on a stalled transfer: under 1 KB/s for 30 s.
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, 30L);
    const CURLcode result = curl_easy_perform(curl.get());
    const bool closed = std::fclose(out) == 0;
    if (result != CURLE_OK) {
      std::remove(partial.c_str());
      return absl::UnavailableError(absl::StrCat(url, ": download failed: ", error[0] ? error : curl_easy_strerror(result)));
    }
    if (!closed) {
      std::remove(partial.c_str());
      return absl::DataLossError(absl::StrCat(partial, ": write failed"));
    }
    absl::StatusOr<std::string> md5 = base::Md5OfFile(partial);
    if (!md5.ok() || *md5 != file.md5) {
      std::remove(partial.c_str());
      return absl::DataLossError(absl::StrCat(url, ": MD5 ", md5.ok() ? *md5 : "unreadable", " does not match the expected ",
                                              file.md5, "; the file was not kept"));
    }
    if (std::rename(partial.c_str(), path.c_str()) != 0) {
      return absl::PermissionDeniedError(absl::StrCat(path, ": cannot rename into place: ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

std::vector<RemoteFile> MnistFiles() {
  return {{"train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
          {"train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"},
          {"t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"},
          {"t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"}};
}

std::vector<RemoteFile> Cifar10Files() {
  return {{"data_batch_1.bin", "5dd7e06a14cb22eb9f671a540d1b7c25"}, {"data_batch_2.bin", "5ea93a67294ea407fff1d09f752e9692"},
          {"data_batch_3.bin", "942cd6a4bcdd0dd3c604fbe906cb4421"}, {"data_batch_4.bin", "ae636b3ba5c66a11e91e8cb52e771fcb"},
          {"data_batch_5.bin", "53f37980c15c3d472c316c40844f3f0d"}, {"test_batch.bin", "803d5f7f4d78ea53de84dbe85f74fb6d"}};
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ExtractTar(const std::string& tar,
                                                                          const std::vector<std::string>& wanted,
                                                                          const std::string& source) {
  std::vector<std::pair<std::string, std::string>> files;
  for (size_t at = 0; at + 512 <= tar.size();) {
    const char* header = tar.data() + at;
    if (header[0] == '\0') break;  // end-of-archive block
    const std::string name(header, strnlen(header, 100));
    uint64_t size = 0;
    for (int i = 124; i < 136 && header[i] >= '0' && header[i] <= '7'; ++i) size = size * 8 + (header[i] - '0');
    const char type = header[156];
    if (size > tar.size() - at - 512) {
      return absl::DataLossError(absl::StrCat(source, ": tar entry '", name, "' claims ", size, " bytes past the archive's end"));
    }
    const std::string base = name.substr(name.find_last_of('/') == std::string::npos ? 0 : name.find_last_of('/') + 1);
    if ((type == '0' || type == '\0') && std::find(wanted.begin(), wanted.end(), base) != wanted.end()) {
      files.emplace_back(base, tar.substr(at + 512, size));
    }
    at += 512 + (size + 511) / 512 * 512;
  }
  return files;
}

absl::Status DownloadCifar10(const std::string& base_url, const std::string& archive_md5) {
  const std::string dir = UserCacheDir("cifar10");
  const std::vector<RemoteFile> files = Cifar10Files();
  bool complete = true;
  for (const RemoteFile& file : files) {
    absl::StatusOr<std::string> md5 = base::Md5OfFile(dir + "/" + file.name);
    complete = complete && md5.ok() && *md5 == file.md5;
  }
  if (complete) return absl::OkStatus();
  const std::string archive = "cifar-10-binary.tar.gz";
  absl::Status fetched = DownloadFiles(base_url.empty() ? kCifar10Url : base_url,
                                       {{archive, archive_md5.empty() ? kCifar10ArchiveMd5 : archive_md5}}, dir);
  if (!fetched.ok()) return fetched;
  const std::string archive_path = dir + "/" + archive;
  absl::StatusOr<std::string> packed = base::ReadFileBytes(archive_path);
  if (!packed.ok()) return packed.status();
  absl::StatusOr<std::string> tar = base::MaybeGunzip(*std::move(packed), archive_path);
  if (!tar.ok()) return tar.status();
  std::vector<std::string> names;
  for (const RemoteFile& file : files) names.push_back(file.name);
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> extracted = ExtractTar(*tar, names, archive_path);
  if (!extracted.ok()) return extracted.status();
  for (const RemoteFile& file : files) {
    auto it = std::find_if(extracted->begin(), extracted->end(), [&](const auto& e) { return e.first == file.name; });
    if (it == extracted->end()) return absl::DataLossError(absl::StrCat(archive_path, ": has no ", file.name));
    const std::string partial = dir + "/" + file.name + ".partial";
    std::ofstream(partial, std::ios::binary) << it->second;
    absl::StatusOr<std::string> md5 = base::Md5OfFile(partial);
    if (!md5.ok() || *md5 != file.md5) {
      std::remove(partial.c_str());
      return absl::DataLossError(absl::StrCat(archive_path, ": ", file.name, " has MD5 ", md5.ok() ? *md5 : "?",
                                              ", not the published ", file.md5, "; not kept"));
    }
    if (std::rename(partial.c_str(), (dir + "/" + file.name).c_str()) != 0) {
      return absl::PermissionDeniedError(absl::StrCat(dir, "/", file.name, ": cannot rename into place"));
    }
  }
  std::remove(archive_path.c_str());
  return absl::OkStatus();
}

absl::Status DownloadDataset(const std::string& name) {
  if (name == "mnist") return DownloadMnist();
  if (name == "cifar10") return DownloadCifar10();
  if (name == "fashion_mnist") {
    return absl::UnimplementedError("fashion_mnist is not downloaded: install Debian's dataset-fashion-mnist (setup.sh does)");
  }
  if (name == "tfd") {
    return absl::UnimplementedError("TFD is licensed by its authors and cannot be downloaded: point --data_dir at TFD_48x48.mat");
  }
  return absl::UnimplementedError(absl::StrCat("no download for data set '", name, "'"));
}

absl::Status DownloadMnist(const std::string& base_url) {
  return DownloadFiles(base_url.empty() ? kMnistUrl : base_url, MnistFiles(), UserCacheDir("mnist"));
}

}  // namespace gan::data
