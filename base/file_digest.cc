#include "base/file_digest.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"

namespace gan::base {
namespace {

absl::StatusOr<std::string> DigestOfFile(const std::string& path, const EVP_MD* algorithm) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(context.get(), algorithm, nullptr);
  char buffer[1 << 16];
  while (file.read(buffer, sizeof(buffer)) || file.gcount() > 0) EVP_DigestUpdate(context.get(), buffer, file.gcount());
  if (file.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) absl::StrAppend(&hex, absl::Hex(digest[i], absl::kZeroPad2));
  return hex;
}

}  // namespace

absl::StatusOr<std::string> Md5OfFile(const std::string& path) { return DigestOfFile(path, EVP_md5()); }
absl::StatusOr<std::string> Sha256OfFile(const std::string& path) { return DigestOfFile(path, EVP_sha256()); }

}  // namespace gan::base
