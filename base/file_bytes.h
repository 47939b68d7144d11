#ifndef BASE_FILE_BYTES_H_
#define BASE_FILE_BYTES_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace gan::base {

// The whole content of a file. Errors name the path and say what is wrong:
// missing, a directory, unreadable.
absl::StatusOr<std::string> ReadFileBytes(const std::string& path);

// Writes `bytes` to `path` through a temporary file beside it (write, fsync,
// rename, fsync of the directory): readers see the old file or the whole new
// one, a crash after it returns cannot lose it, and on any error nothing is
// left behind. Errors name `path` and the reason.
absl::Status WriteFileAtomically(const std::string& path, std::string_view bytes);

// Creates `dir` and every missing parent (like mkdir -p). An existing
// directory is fine; a path in the way that is not a directory, or one that
// cannot be created, is an error naming it.
absl::Status MakeDirs(const std::string& dir);

// `bytes` as they are, or inflated if they are gzip data (by their magic
// number, not a file name). A corrupt or truncated stream is an error naming
// `source`; output beyond `max_size` bytes is refused.
absl::StatusOr<std::string> MaybeGunzip(std::string bytes, const std::string& source,
                                        size_t max_size = size_t{1} << 31);

}  // namespace gan::base

#endif  // BASE_FILE_BYTES_H_
