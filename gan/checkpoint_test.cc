#include "gan/checkpoint.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace gan {
namespace {

std::string TempPath(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") + "/" + name;
}

std::string Slurp(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream s;
  s << file.rdbuf();
  return s.str();
}

std::string WriteSample(const std::string& name) {
  CheckpointWriter writer;
  const std::vector<float> weights = {1.5f, -2.0f, 3.25f};
  writer.AddFloats("weights", weights.data(), 3);
  writer.AddDoubles("lr", {0.1, 0.5});
  writer.AddU64s("step", {42, 7});
  writer.AddString("experiment", "name: \"x\"");
  const std::string path = TempPath(name);
  EXPECT_TRUE(writer.Write(path).ok());
  return path;
}

TEST(CheckpointTest, RoundTrip) {
  const std::string path = WriteSample("ok.ckpt");
  absl::StatusOr<CheckpointReader> reader = CheckpointReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  std::vector<float> weights(3);
  ASSERT_TRUE(reader->ReadFloats("weights", weights.data(), 3).ok());
  EXPECT_EQ(weights, (std::vector<float>{1.5f, -2.0f, 3.25f}));
  EXPECT_EQ(reader->ReadDoubles("lr").value(), (std::vector<double>{0.1, 0.5}));
  EXPECT_EQ(reader->ReadU64s("step").value(), (std::vector<uint64_t>{42, 7}));
  EXPECT_EQ(reader->ReadString("experiment").value(), "name: \"x\"");
  // Wrong size, missing record, wrong kind: each named.
  EXPECT_NE(reader->ReadFloats("weights", weights.data(), 2).message().find("'weights' holds 3 values"), std::string::npos);
  EXPECT_NE(reader->ReadU64s("missing").status().message().find("no 'missing'"), std::string::npos);
  EXPECT_FALSE(reader->ReadDoubles("step").ok());
  EXPECT_FALSE(std::ifstream(path + ".tmp").good()) << "temporary file left behind";
}

TEST(CheckpointTest, DamagedFilesAreRefused) {
  const std::string good = Slurp(WriteSample("good.ckpt"));
  auto open = [](const std::string& name, const std::string& bytes) {
    const std::string path = TempPath(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return CheckpointReader::Open(path).status();
  };
  // Every truncation and every single flipped byte is caught.
  for (size_t cut = 0; cut < good.size(); ++cut) {
    ASSERT_FALSE(open("cut.ckpt", good.substr(0, cut)).ok()) << "truncated at " << cut;
  }
  for (size_t i = 0; i < good.size(); ++i) {
    std::string flipped = good;
    flipped[i] ^= 0x20;
    ASSERT_FALSE(open("flip.ckpt", flipped).ok()) << "byte " << i;
  }
  EXPECT_NE(open("cut.ckpt", good.substr(0, good.size() - 3)).message().find("truncated"), std::string::npos);
  std::string flipped = good;
  flipped[20] ^= 1;
  EXPECT_NE(open("flip.ckpt", flipped).message().find("CRC"), std::string::npos);
  EXPECT_NE(open("other.ckpt", "hello").message().find("not a gan checkpoint"), std::string::npos);
  EXPECT_EQ(CheckpointReader::Open(TempPath("none.ckpt")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(CheckpointWriter().Write("/no/such/dir/x.ckpt").ok());
}

}  // namespace
}  // namespace gan
