// Abseil links: flags parse from a command line, and Status carries its message.
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, smoke_epochs, 1, "a flag for the smoke test");
ABSL_FLAG(std::string, smoke_name, "default", "a flag for the smoke test");

namespace {

TEST(AbslSmokeTest, FlagsParse) {
  std::vector<char*> argv = {const_cast<char*>("smoke"), const_cast<char*>("--smoke_epochs=7"),
                             const_cast<char*>("--smoke_name=mnist"), const_cast<char*>("rest")};
  std::vector<char*> positional = absl::ParseCommandLine(static_cast<int>(argv.size()), argv.data());
  EXPECT_EQ(absl::GetFlag(FLAGS_smoke_epochs), 7);
  EXPECT_EQ(absl::GetFlag(FLAGS_smoke_name), "mnist");
  ASSERT_EQ(positional.size(), 2u);
  EXPECT_EQ(std::string(positional[1]), "rest");
}

TEST(AbslSmokeTest, StatusOrCarriesError) {
  absl::StatusOr<int> value = absl::NotFoundError(absl::StrCat("file ", "x.idx", " is missing"));
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(value.status().message(), "file x.idx is missing");
}

}  // namespace
