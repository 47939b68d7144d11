#include "gan/spec/noise.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

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

std::vector<float> DrawNoise(const proto::Experiment& experiment, Rng& rng, int64_t count) {
  std::vector<float> z(count * experiment.noise_dim());
  FillNoise(experiment.noise(), rng, z.data(), static_cast<int64_t>(z.size()));
  return z;
}

std::string NoiseKind(const proto::Noise& noise) { return noise.has_uniform() ? "uniform" : "normal"; }

std::string DescribeNoise(const proto::Noise& noise) {
  if (noise.has_uniform()) return absl::StrFormat("uniform on [%.17g, %.17g]", noise.uniform().low(), noise.uniform().high());
  return absl::StrFormat("normal with mean %.9g and stddev %.9g", noise.normal().mean(), noise.normal().stddev());
}

}  // namespace gan
