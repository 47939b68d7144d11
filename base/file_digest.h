#ifndef BASE_FILE_DIGEST_H_
#define BASE_FILE_DIGEST_H_

// Digests of a file's content (OpenSSL), lower-case hex: MD5 to check
// downloads against their published sums, SHA-256 to name exactly which
// checkpoint a shipped model came from. Errors name the path.

#include <string>

#include "absl/status/statusor.h"

namespace gan::base {

absl::StatusOr<std::string> Md5OfFile(const std::string& path);
absl::StatusOr<std::string> Sha256OfFile(const std::string& path);

}  // namespace gan::base

#endif  // BASE_FILE_DIGEST_H_
