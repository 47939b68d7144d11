// Reading, atomic writing and directory making, with their errors.
#include "base/file_bytes.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace gan::base {
namespace {

std::string Temp(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") + "/file_bytes_test/" + name;
}

TEST(FileBytesTest, WriteThenReadAndNothingLeftBehind) {
  ASSERT_TRUE(MakeDirs(Temp("a/b/c")).ok());
  ASSERT_TRUE(MakeDirs(Temp("a/b/c")).ok());  // again: fine
  const std::string path = Temp("a/b/c/file");
  ASSERT_TRUE(WriteFileAtomically(path, std::string("x\0y", 3)).ok());
  EXPECT_EQ(ReadFileBytes(path).value(), std::string("x\0y", 3));
  ASSERT_TRUE(WriteFileAtomically(path, "second").ok());
  EXPECT_EQ(ReadFileBytes(path).value(), "second");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(FileBytesTest, ErrorsNameThePath) {
  const absl::StatusOr<std::string> missing = ReadFileBytes(Temp("no_such_file"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("no_such_file: no such file"), std::string::npos) << missing.status();
  ASSERT_TRUE(MakeDirs(Temp("dir")).ok());
  EXPECT_NE(ReadFileBytes(Temp("dir")).status().message().find("is a directory"), std::string::npos);

  const absl::Status unwritable = WriteFileAtomically(Temp("no/such/dir/file"), "x");
  EXPECT_FALSE(unwritable.ok());
  EXPECT_NE(unwritable.message().find("no/such/dir/file: cannot write"), std::string::npos) << unwritable;

  ASSERT_TRUE(WriteFileAtomically(Temp("plain"), "x").ok());
  const absl::Status blocked = MakeDirs(Temp("plain/sub"));
  EXPECT_EQ(blocked.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(blocked.message().find("plain: exists and is not a directory"), std::string::npos) << blocked;
}

}  // namespace
}  // namespace gan::base
