#include "gan/spec/noise.h"

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "gan/spec/experiment.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

proto::Noise Parse(const std::string& text) {
  proto::Experiment e = ParseExperiment("noise { " + text + " }", "test").value();
  return e.noise();
}

struct Moments {
  double mean, variance, low, high;
};

Moments Draw(const proto::Noise& noise, int64_t n) {
  std::vector<float> z(n);
  Rng rng(11);
  FillNoise(noise, rng, z.data(), n);
  Moments m{0, 0, z[0], z[0]};
  for (float v : z) {
    m.mean += v;
    m.low = std::min<double>(m.low, v);
    m.high = std::max<double>(m.high, v);
  }
  m.mean /= n;
  for (float v : z) m.variance += (v - m.mean) * (v - m.mean);
  m.variance /= n;
  return m;
}

// The authors' MNIST noise: uniform on [-sqrt(3), sqrt(3)], zero mean and unit
// variance. Sample mean within 5 standard errors; the variance of the sample
// variance of a uniform is (9/5 - 1) / n for unit variance.
TEST(NoiseTest, UniformOnTheAuthorsRangeHasUnitVariance) {
  constexpr int64_t kN = 1 << 20;
  const Moments m = Draw(Parse("uniform { low: -1.7320508075688772 high: 1.7320508075688772 }"), kN);
  EXPECT_NEAR(m.mean, 0.0, 5 * std::sqrt(1.0 / kN));
  EXPECT_NEAR(m.variance, 1.0, 5 * std::sqrt(0.8 / kN));
  EXPECT_GE(m.low, -std::sqrt(3.0f));
  EXPECT_LE(m.high, std::sqrt(3.0f));
  EXPECT_LT(m.low, -1.73);  // the whole range is used, not [-1, 1]
  EXPECT_GT(m.high, 1.73);
}

TEST(NoiseTest, NormalHasItsMeanAndStddev) {
  constexpr int64_t kN = 1 << 20;
  const Moments m = Draw(Parse("normal { mean: 2 stddev: 0.5 }"), kN);
  EXPECT_NEAR(m.mean, 2.0, 5 * std::sqrt(0.25 / kN));
  EXPECT_NEAR(m.variance, 0.25, 5 * 0.25 * std::sqrt(2.0 / kN));
}

// A standard normal is FillNormal's stream untouched (the other experiments'
// trajectories depend on it).
TEST(NoiseTest, StandardNormalIsTheRawStream) {
  std::vector<float> a(1001), b(1001);
  Rng r1(5), r2(5);
  FillNoise(Parse("normal { mean: 0 stddev: 1 }"), r1, a.data(), 1001);
  r2.FillNormal(b.data(), 1001);
  EXPECT_EQ(a, b);
}

TEST(NoiseTest, ValidationNamesTheField) {
  EXPECT_TRUE(ValidateNoise(Parse("uniform { low: -1 high: 1 }")).ok());
  const struct {
    std::string text, message;
  } bad[] = {
      {"", "noise is not set"},
      {"uniform { low: 1 high: 1 }", "noise.uniform"},
      {"uniform { low: -inf high: 1 }", "noise.uniform"},
      {"normal { mean: 0 stddev: 0 }", "noise.normal"},
      {"normal { mean: nan stddev: 1 }", "noise.normal"},
  };
  for (const auto& [text, message] : bad) {
    const absl::Status s = ValidateNoise(Parse(text));
    EXPECT_FALSE(s.ok()) << text;
    EXPECT_NE(s.message().find(message), std::string::npos) << text << ": " << s;
  }
}

TEST(NoiseTest, ConditionalInputsAreTheNoiseThenTheClass) {
  proto::Experiment e = ParseExperiment("noise_dim: 3 noise { uniform { low: 0 high: 1 } } conditioning { classes: 4 }", "test").value();
  EXPECT_EQ(GeneratorInputDim(e), 7);
  proto::Experiment plain = e;
  plain.clear_conditioning();
  Rng a(5), b(5), c(5);
  const std::vector<float> z = DrawNoise(plain, a, 6);
  const std::vector<float> cycled = DrawNoise(e, b, 6), given = DrawNoise(e, c, 6, {3, 1});
  ASSERT_EQ(z.size(), 18u);
  ASSERT_EQ(cycled.size(), 42u);
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 3; ++j) {
      EXPECT_EQ(cycled[i * 7 + j], z[i * 3 + j]) << "the unconditional draws";
      EXPECT_EQ(given[i * 7 + j], z[i * 3 + j]);
    }
    for (int k = 0; k < 4; ++k) {
      EXPECT_EQ(cycled[i * 7 + 3 + k], k == i % 4 ? 1.0f : 0.0f) << "row " << i << ": classes in turn";
      EXPECT_EQ(given[i * 7 + 3 + k], k == (i % 2 == 0 ? 3 : 1) ? 1.0f : 0.0f) << "row " << i << ": the labels given, in turn";
    }
  }
}

TEST(NoiseTest, Description) {
  EXPECT_EQ(DescribeNoise(Parse("uniform { low: -1.7320508075688772 high: 1.7320508075688772 }")),
            "uniform on [-1.7320508075688772, 1.7320508075688772]");
  EXPECT_EQ(NoiseKind(Parse("normal { mean: 0 stddev: 1 }")), "normal");
}

// Every text form reads back the distribution it was written from, to the bit.
TEST(NoiseTest, TextFormsReadBackWhatTheyWrite) {
  for (const char* text : {"uniform { low: -1.7320508075688772 high: 1.7320508075688772 }", "normal { mean: 0.25 stddev: 3 }"}) {
    const proto::Noise noise = Parse(text);
    std::map<std::string, std::string> metadata;
    for (const auto& [key, value] : NoiseMetadata(noise)) metadata[key] = value;
    EXPECT_EQ(metadata["noise_description"], DescribeNoise(noise));
    absl::StatusOr<proto::Noise> read = NoiseFromMetadata(metadata);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->SerializeAsString(), noise.SerializeAsString()) << text;
  }
  absl::StatusOr<proto::Noise> flag = ParseNoiseText("uniform:-1.7320508075688772,1.7320508075688772", "--noise");
  ASSERT_TRUE(flag.ok()) << flag.status();
  EXPECT_EQ(flag->SerializeAsString(), Parse("uniform { low: -1.7320508075688772 high: 1.7320508075688772 }").SerializeAsString());
  flag = ParseNoiseText("normal:0.25,3", "--noise");
  ASSERT_TRUE(flag.ok()) << flag.status();
  EXPECT_EQ(flag->SerializeAsString(), Parse("normal { mean: 0.25 stddev: 3 }").SerializeAsString());
}

TEST(NoiseTest, TextFormErrorsSayWhatIsWrong) {
  const struct {
    std::string text, message;
  } bad[] = {
      {"gaussian:0,1", "--noise must be uniform:LOW,HIGH or normal:MEAN,STDDEV, not 'gaussian:0,1'"},
      {"uniform:1", "--noise must be"},
      {"uniform:a,b", "--noise must be"},
      {"uniform:1,1", "--noise: experiment: noise.uniform"},
      {"normal:0,-1", "--noise: experiment: noise.normal"},
  };
  for (const auto& [text, message] : bad) {
    const absl::StatusOr<proto::Noise> noise = ParseNoiseText(text, "--noise");
    ASSERT_FALSE(noise.ok()) << text;
    EXPECT_NE(noise.status().message().find(message), std::string::npos) << text << ": " << noise.status();
  }
  EXPECT_EQ(NoiseFromMetadata({}).status().code(), absl::StatusCode::kNotFound);
  const absl::Status unknown = NoiseFromMetadata({{"noise_distribution", "cauchy"}}).status();
  EXPECT_NE(unknown.message().find("'cauchy', not uniform or normal"), std::string::npos) << unknown;
  const absl::Status missing = NoiseFromMetadata({{"noise_distribution", "normal"}, {"noise_mean", "0"}}).status();
  EXPECT_NE(missing.message().find("metadata 'noise_stddev' is missing or not a number"), std::string::npos) << missing;
}

}  // namespace
}  // namespace gan
