#ifndef GAN_SPEC_NOISE_H_
#define GAN_SPEC_NOISE_H_

// The generator's noise z ~ p_z, as an experiment names it (proto::Noise):
// every component drawn independently, from a normal distribution with its mean
// and standard deviation, or uniformly on [low, high]. The one place noise is
// drawn, for training, sampling, evaluation and figures alike.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gan/spec/experiment.pb.h"
#include "base/random.h"

namespace gan {

// OK when `noise` names a distribution with finite parameters (stddev > 0,
// low < high); otherwise an error naming the field.
absl::Status ValidateNoise(const proto::Noise& noise);

// Fills z[0, n) with draws from a valid `noise`.
void FillNoise(const proto::Noise& noise, Rng& rng, float* z, int64_t n);

// The variance of one component of z drawn from a valid `noise`.
double NoiseVariance(const proto::Noise& noise);

// The seed of the noise whose samples measure a generator (//tools:evaluate's
// default, the trainer's reports), so both give the same figure.
inline constexpr uint64_t kEvaluationNoiseSeed = 1;

// The classes of a conditional experiment (Experiment.conditioning); 0 for
// an unconditional one.
inline int64_t ConditionClasses(const proto::Experiment& experiment) { return experiment.conditioning().classes(); }
// Values per image of an inpainting experiment (Experiment.inpainting:
// height * width); 0 for any other.
inline int64_t InpaintingImageDim(const proto::Experiment& experiment) {
  return static_cast<int64_t>(experiment.inpainting().height()) * experiment.inpainting().width();
}
// Values per row of the condition after z in G's input and after the image
// in D's: a conditional experiment's classes, an inpainting experiment's
// observed image and mask (gan/spec/inpainting.h), or none.
inline int64_t ConditionDim(const proto::Experiment& experiment) {
  return ConditionClasses(experiment) + 2 * InpaintingImageDim(experiment);
}
// Values per row of G's input: noise_dim, then the condition.
inline int64_t GeneratorInputDim(const proto::Experiment& experiment) {
  return experiment.noise_dim() + ConditionDim(experiment);
}

// `count` inputs of G [count, GeneratorInputDim(experiment)]: noise vectors
// (the draws of an unconditional experiment), then in a conditional one the
// class of row i as one-hot columns: labels[i % labels.size()], or
// i % classes when `labels` is empty. Each label must be in [0, classes).
std::vector<float> DrawNoise(const proto::Experiment& experiment, Rng& rng, int64_t count, const std::vector<int32_t>& labels = {});

// The noise's text forms, all here:
// For people: "uniform" or "normal", and with its parameters, e.g.
// "uniform on [-1.7320508075688772, 1.7320508075688772]".
std::string NoiseKind(const proto::Noise& noise);
std::string DescribeNoise(const proto::Noise& noise);
// As a flag's value: "uniform:LOW,HIGH" or "normal:MEAN,STDDEV". Errors start
// with `source` (e.g. "--noise") and say what the text should be, or what is
// wrong with the distribution.
absl::StatusOr<proto::Noise> ParseNoiseText(const std::string& text, const std::string& source);
// As an exported model's metadata: noise_distribution ("uniform" or
// "normal"), noise_description (DescribeNoise), then noise_low and noise_high,
// or noise_mean and noise_stddev, each at full precision.
std::vector<std::pair<std::string, std::string>> NoiseMetadata(const proto::Noise& noise);
// Reads NoiseMetadata's entries back; NotFound when there is no
// noise_distribution, InvalidArgument naming the entry that is wrong.
absl::StatusOr<proto::Noise> NoiseFromMetadata(const std::map<std::string, std::string>& metadata);

}  // namespace gan

#endif  // GAN_SPEC_NOISE_H_
