#ifndef DATA_FILE_BYTES_H_
#define DATA_FILE_BYTES_H_

#include <string>

#include "absl/status/statusor.h"

namespace gan::data {

// The whole content of a file. Errors name the path and say what is wrong:
// missing, a directory, unreadable.
absl::StatusOr<std::string> ReadFileBytes(const std::string& path);

// `bytes` as they are, or inflated if they are gzip data (by their magic
// number, not a file name). A corrupt or truncated stream is an error naming
// `source`; output beyond `max_size` bytes is refused.
absl::StatusOr<std::string> MaybeGunzip(std::string bytes, const std::string& source,
                                        size_t max_size = size_t{1} << 31);

}  // namespace gan::data

#endif  // DATA_FILE_BYTES_H_
