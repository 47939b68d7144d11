#include "base/file_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace gan::base {

absl::StatusOr<std::string> ReadFileBytes(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::PermissionDeniedError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  if (S_ISDIR(info.st_mode)) return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a file"));
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot be opened for reading"));
  std::string bytes(static_cast<size_t>(info.st_size), '\0');
  file.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (file.gcount() != static_cast<std::streamsize>(bytes.size())) {
    return absl::DataLossError(absl::StrCat(path, ": read ", file.gcount(), " of its ", bytes.size(), " bytes"));
  }
  return bytes;
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  const std::string temporary = path + ".tmp";
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write: ", std::strerror(errno)));
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n <= 0) {
      const std::string reason = std::strerror(errno);
      close(fd);
      unlink(temporary.c_str());
      return absl::DataLossError(absl::StrCat(path, ": write failed: ", reason));
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0 || std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    unlink(temporary.c_str());
    return absl::DataLossError(absl::StrCat(path, ": could not be written safely: ", reason));
  }
  // The rename itself is durable once the directory is.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  if (const int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY); dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }
  return absl::OkStatus();
}

absl::Status MakeDirs(const std::string& dir) {
  for (size_t slash = 1; slash != std::string::npos;) {
    slash = dir.find('/', slash + 1);
    const std::string prefix = dir.substr(0, slash);
    struct stat info;
    if (stat(prefix.c_str(), &info) == 0) {
      if (!S_ISDIR(info.st_mode)) return absl::FailedPreconditionError(absl::StrCat(prefix, ": exists and is not a directory"));
      continue;
    }
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::PermissionDeniedError(absl::StrCat(prefix, ": cannot create directory: ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MaybeGunzip(std::string bytes, const std::string& source, size_t max_size) {
  if (bytes.size() < 2 || static_cast<unsigned char>(bytes[0]) != 0x1f || static_cast<unsigned char>(bytes[1]) != 0x8b) {
    return bytes;
  }
  z_stream stream;
  std::memset(&stream, 0, sizeof(stream));
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) return absl::InternalError("zlib: inflateInit2 failed");
  stream.next_in = reinterpret_cast<Bytef*>(bytes.data());
  stream.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  // gzip's trailer holds the inflated size modulo 2^32: reserve it (when
  // plausible) so the output is not copied as it grows.
  if (bytes.size() >= 18) {
    const unsigned char* trailer = reinterpret_cast<const unsigned char*>(bytes.data() + bytes.size() - 4);
    const size_t stated = trailer[0] | trailer[1] << 8 | trailer[2] << 16 | static_cast<size_t>(trailer[3]) << 24;
    if (stated <= max_size) out.reserve(stated);
  }
  char chunk[1 << 16];
  int result = Z_OK;
  while (result == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof(chunk);
    result = inflate(&stream, Z_NO_FLUSH);
    out.append(chunk, sizeof(chunk) - stream.avail_out);
    if (out.size() > max_size) {
      inflateEnd(&stream);
      return absl::ResourceExhaustedError(absl::StrCat(source, ": gzip data inflates beyond ", max_size, " bytes"));
    }
    if (result == Z_BUF_ERROR && stream.avail_in == 0) break;  // input ended early
  }
  const std::string reason = stream.msg ? stream.msg : (result == Z_BUF_ERROR ? "unexpected end of data" : "error");
  inflateEnd(&stream);
  if (result != Z_STREAM_END) {
    return absl::DataLossError(absl::StrCat(source, ": corrupt or truncated gzip data (zlib: ", reason, ")"));
  }
  return out;
}

}  // namespace gan::base
