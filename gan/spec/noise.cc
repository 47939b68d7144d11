#include "gan/spec/noise.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace gan {

absl::Status ValidateNoise(const proto::Noise& noise) {
  switch (noise.distribution_case()) {
    case proto::Noise::kNormal:
      if (!std::isfinite(noise.normal().mean()) || !(noise.normal().stddev() > 0) || !std::isfinite(noise.normal().stddev())) {
        return absl::InvalidArgumentError(absl::StrCat("experiment: noise.normal needs a finite mean and a finite stddev > 0 (got mean ",
                                                       noise.normal().mean(), ", stddev ", noise.normal().stddev(), ")"));
      }
      return absl::OkStatus();
    case proto::Noise::kUniform:
      if (!std::isfinite(noise.uniform().low()) || !std::isfinite(noise.uniform().high()) ||
          !(noise.uniform().low() < noise.uniform().high())) {
        return absl::InvalidArgumentError(absl::StrCat("experiment: noise.uniform needs finite low < high (got low ",
                                                       noise.uniform().low(), ", high ", noise.uniform().high(), ")"));
      }
      return absl::OkStatus();
    case proto::Noise::DISTRIBUTION_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "experiment: noise is not set; name the distribution, e.g. noise { normal { mean: 0 stddev: 1 } } or "
      "noise { uniform { low: -1.7320508075688772 high: 1.7320508075688772 } }");
}

void FillNoise(const proto::Noise& noise, Rng& rng, float* z, int64_t n) {
  if (noise.has_uniform()) {
    rng.FillUniform(z, n, static_cast<float>(noise.uniform().low()), static_cast<float>(noise.uniform().high()));
    return;
  }
  rng.FillNormal(z, n);
  const float mean = noise.normal().mean(), stddev = noise.normal().stddev();
  if (mean != 0.0f || stddev != 1.0f) {
    for (int64_t i = 0; i < n; ++i) z[i] = mean + stddev * z[i];
  }
}

double NoiseVariance(const proto::Noise& noise) {
  if (noise.has_uniform()) {
    const double width = noise.uniform().high() - noise.uniform().low();
    return width * width / 12.0;
  }
  const double stddev = noise.normal().stddev();
  return stddev * stddev;
}

std::vector<float> DrawNoise(const proto::Experiment& experiment, Rng& rng, int64_t count, const std::vector<int32_t>& labels) {
  const int64_t noise_dim = experiment.noise_dim(), classes = ConditionClasses(experiment);
  std::vector<float> z(count * noise_dim);
  FillNoise(experiment.noise(), rng, z.data(), static_cast<int64_t>(z.size()));
  if (classes == 0) return z;
  const int64_t width = noise_dim + classes;
  std::vector<float> input(count * width, 0.0f);
  for (int64_t i = 0; i < count; ++i) {
    std::copy(z.begin() + i * noise_dim, z.begin() + (i + 1) * noise_dim, input.begin() + i * width);
    const int64_t label = labels.empty() ? i % classes : labels[i % labels.size()];
    input[i * width + noise_dim + label] = 1.0f;
  }
  return input;
}

std::string NoiseKind(const proto::Noise& noise) { return noise.has_uniform() ? "uniform" : "normal"; }

std::string DescribeNoise(const proto::Noise& noise) {
  if (noise.has_uniform()) return absl::StrFormat("uniform on [%.17g, %.17g]", noise.uniform().low(), noise.uniform().high());
  return absl::StrFormat("normal with mean %.9g and stddev %.9g", noise.normal().mean(), noise.normal().stddev());
}

absl::StatusOr<proto::Noise> ParseNoiseText(const std::string& text, const std::string& source) {
  const std::vector<std::string> kind_values = absl::StrSplit(text, ':');
  const std::vector<std::string> values =
      kind_values.size() == 2 ? absl::StrSplit(kind_values[1], ',') : std::vector<std::string>{};
  double a, b;
  if (values.size() != 2 || !absl::SimpleAtod(values[0], &a) || !absl::SimpleAtod(values[1], &b) ||
      (kind_values[0] != "uniform" && kind_values[0] != "normal")) {
    return absl::InvalidArgumentError(absl::StrCat(source, " must be uniform:LOW,HIGH or normal:MEAN,STDDEV, not '", text, "'"));
  }
  proto::Noise noise;
  if (kind_values[0] == "uniform") {
    noise.mutable_uniform()->set_low(a);
    noise.mutable_uniform()->set_high(b);
  } else {
    noise.mutable_normal()->set_mean(static_cast<float>(a));
    noise.mutable_normal()->set_stddev(static_cast<float>(b));
  }
  if (absl::Status valid = ValidateNoise(noise); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", valid.message()));
  }
  return noise;
}

std::vector<std::pair<std::string, std::string>> NoiseMetadata(const proto::Noise& noise) {
  const bool uniform = noise.has_uniform();
  return {
      {"noise_distribution", NoiseKind(noise)},
      {"noise_description", DescribeNoise(noise)},
      {uniform ? "noise_low" : "noise_mean", absl::StrFormat("%.17g", uniform ? noise.uniform().low() : noise.normal().mean())},
      {uniform ? "noise_high" : "noise_stddev", absl::StrFormat("%.17g", uniform ? noise.uniform().high() : noise.normal().stddev())},
  };
}

absl::StatusOr<proto::Noise> NoiseFromMetadata(const std::map<std::string, std::string>& metadata) {
  const auto kind = metadata.find("noise_distribution");
  if (kind == metadata.end()) return absl::NotFoundError("its metadata names no noise (noise_distribution)");
  if (kind->second != "uniform" && kind->second != "normal") {
    return absl::InvalidArgumentError(absl::StrCat("metadata noise_distribution is '", kind->second, "', not uniform or normal"));
  }
  const bool uniform = kind->second == "uniform";
  double values[2];
  const char* keys[2] = {uniform ? "noise_low" : "noise_mean", uniform ? "noise_high" : "noise_stddev"};
  for (int i = 0; i < 2; ++i) {
    const auto it = metadata.find(keys[i]);
    if (it == metadata.end() || !absl::SimpleAtod(it->second, &values[i])) {
      return absl::InvalidArgumentError(absl::StrCat("metadata '", keys[i], "' is missing or not a number"));
    }
  }
  proto::Noise noise;
  if (uniform) {
    noise.mutable_uniform()->set_low(values[0]);
    noise.mutable_uniform()->set_high(values[1]);
  } else {
    noise.mutable_normal()->set_mean(static_cast<float>(values[0]));
    noise.mutable_normal()->set_stddev(static_cast<float>(values[1]));
  }
  return noise;
}

}  // namespace gan
