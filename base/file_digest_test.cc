// Digests against the published test vectors of the empty string and "abc".
#include "base/file_digest.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace gan::base {
namespace {

std::string Write(const std::string& name, const std::string& content) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(FileDigestTest, KnownVectors) {
  EXPECT_EQ(Md5OfFile(Write("empty", "")).value(), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Md5OfFile(Write("abc", "abc")).value(), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Sha256OfFile(Write("abc", "abc")).value(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(FileDigestTest, MissingFileIsNamed) {
  const absl::StatusOr<std::string> digest = Sha256OfFile("/no/such/file");
  EXPECT_EQ(digest.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(digest.status().message().find("/no/such/file"), std::string::npos);
}

}  // namespace
}  // namespace gan::base
