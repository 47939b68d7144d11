#include "base/checkpoint.h"

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

// One schema saves and loads: values come back into place, and a setter's
// complaint names the file.
TEST(CheckpointSchemaTest, SavesAndLoadsThroughOneList) {
  std::vector<float> weights = {1.5f, -2.0f};
  uint64_t step = 42;
  std::string name = "x";
  auto schema = [&] {
    CheckpointSchema s;
    s.Floats("weights", weights.data(), 2);
    s.U64s(
        "step", [&] { return std::vector<uint64_t>{step}; },
        [&](const std::vector<uint64_t>& v) -> absl::Status {
          if (v.size() != 1 || v[0] > 1000) return absl::DataLossError("malformed 'step'");
          step = v[0];
          return absl::OkStatus();
        });
    s.String(
        "name", [&] { return name; },
        [&](const std::string& v) {
          name = v;
          return absl::OkStatus();
        });
    return s;
  };
  CheckpointWriter writer;
  schema().Save(writer);
  const std::string path = TempPath("schema.ckpt");
  ASSERT_TRUE(writer.Write(path).ok());
  weights = {0, 0};
  step = 0;
  name.clear();
  const CheckpointReader reader = CheckpointReader::Open(path).value();
  ASSERT_TRUE(schema().Load(reader).ok());
  EXPECT_EQ(weights, (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(step, 42u);
  EXPECT_EQ(name, "x");

  // A record of another size, or a value its setter refuses.
  CheckpointWriter other;
  other.AddFloats("weights", weights.data(), 1);
  ASSERT_TRUE(other.Write(TempPath("short.ckpt")).ok());
  EXPECT_FALSE(schema().Load(CheckpointReader::Open(TempPath("short.ckpt")).value()).ok());
  CheckpointWriter refused;
  refused.AddFloats("weights", weights.data(), 2);
  refused.AddU64s("step", {5000});
  ASSERT_TRUE(refused.Write(TempPath("refused.ckpt")).ok());
  const absl::Status status = schema().Load(CheckpointReader::Open(TempPath("refused.ckpt")).value());
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("refused.ckpt: malformed 'step'"), std::string::npos) << status;
}

}  // namespace
}  // namespace gan
