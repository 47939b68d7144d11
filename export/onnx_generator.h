#ifndef EXPORT_ONNX_GENERATOR_H_
#define EXPORT_ONNX_GENERATOR_H_

// A generator read from an ONNX file and run in ONNX Runtime
// (export/onnxruntime_runner.h), so that a generator trained in any framework
// and exported by it is scored by //tools:evaluate's protocol.
//
// The graph takes one float input, the noise, as [batch, noise_dim] or
// [batch, noise_dim, 1, 1] (DCGAN-style generators), and gives one float
// output whose first dimension is the batch: an image per row, as
// [batch, C*H*W] or [batch, C, H, W]. A batch dimension fixed in the file is
// honoured (rows run in slices of that size, the last one filled up).
//
// A conditional generator takes a second input, the class one-hot as
// [batch, classes]: the input named "y" (this project's exporter's name), or
// else the second of the graph's inputs.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gan/spec/experiment.pb.h"

namespace gan::exporter {

// The interval a generator's outputs span, which evaluation maps to [0, 1].
struct OutputRange {
  double low = 0, high = 1;
};

// "LOW,HIGH" with LOW < HIGH, e.g. "-1,1" for a generator ending in Tanh;
// errors name `what` (the flag or the metadata field) and the text.
absl::StatusOr<OutputRange> ParseOutputRange(const std::string& text, const std::string& what);

class OnnxGenerator {
 public:
  // Reads `path`, checks it with onnx::checker and checks its input and
  // output as above. Errors name the file and what does not fit.
  static absl::StatusOr<std::unique_ptr<OnnxGenerator>> Load(const std::string& path);

  int64_t noise_dim() const { return noise_dim_; }
  int64_t classes() const { return classes_; }  // 0 for an unconditional generator
  // The model's metadata_props (this project's exporter writes the
  // experiment, the image shape and the noise).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // The noise its metadata names (noise_distribution "uniform" with
  // noise_low and noise_high, or "normal" with noise_mean and noise_stddev);
  // NotFound when it names none, InvalidArgument naming the field when
  // malformed.
  absl::StatusOr<proto::Noise> NoiseFromMetadata() const;
  // Metadata output_range ("LOW,HIGH") when present, else [0, 1].
  absl::StatusOr<OutputRange> OutputRangeFromMetadata() const;

  // The outputs [rows, values per row] for G's input rows [rows, noise_dim +
  // classes] (the noise followed by the one-hot class, as gan::DrawNoise
  // makes them), each value mapped from `range` to [0, 1] (values outside it
  // are not clipped). Errors carry ONNX Runtime's message.
  absl::StatusOr<std::vector<float>> Run(const float* z, int64_t rows, const OutputRange& range = {}) const;

 private:
  OnnxGenerator() = default;

  std::string path_;
  std::string input_name_, class_input_name_, output_name_;
  int64_t noise_dim_ = 0;
  int64_t classes_ = 0;
  bool noise_as_image_ = false;  // input [batch, noise_dim, 1, 1]
  int64_t fixed_batch_ = 0;      // the file's batch dimension, when it fixes one
  std::map<std::string, std::string> metadata_;
};

}  // namespace gan::exporter

#endif  // EXPORT_ONNX_GENERATOR_H_
