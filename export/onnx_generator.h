#ifndef EXPORT_ONNX_GENERATOR_H_
#define EXPORT_ONNX_GENERATOR_H_

// A generator read from an ONNX file and run here, so that a generator
// trained in any framework is scored by //tools:evaluate's protocol. A small
// interpreter runs the graph node by node on float tensors; it knows the
// operators this project's exporter writes for a generator: Gemm, MatMul,
// Add, Relu, Sigmoid, Flatten, Reshape, Identity and ConvTranspose (2-D, one
// group).
// The graph must take one float input [batch, noise_dim] and give one output
// whose values per row are an image's.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gan/spec/experiment.pb.h"

namespace gan::exporter {

class OnnxGenerator {
 public:
  // Reads `path` and checks it with onnx::checker and against the operators
  // above. Errors name the file, and for an operator outside the list its
  // name and the node that uses it.
  static absl::StatusOr<std::unique_ptr<OnnxGenerator>> Load(const std::string& path);
  ~OnnxGenerator();

  int64_t noise_dim() const { return noise_dim_; }
  // The model's metadata_props (this project's exporter writes the
  // experiment, the image shape and the noise).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // The noise its metadata names (noise_distribution "uniform" with
  // noise_low and noise_high, or "normal" with noise_mean and noise_stddev);
  // NotFound when it names none, InvalidArgument naming the field when
  // malformed.
  absl::StatusOr<proto::Noise> NoiseFromMetadata() const;

  // The outputs [rows, values per row] of noise z [rows, noise_dim], in
  // batches of at most 500 rows. Errors name the node whose inputs do not fit
  // its operator.
  absl::StatusOr<std::vector<float>> Run(const float* z, int64_t rows) const;

 private:
  struct Graph;
  OnnxGenerator(std::string path, std::unique_ptr<Graph> graph, int64_t noise_dim, std::map<std::string, std::string> metadata);

  std::string path_;
  std::unique_ptr<Graph> graph_;
  int64_t noise_dim_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace gan::exporter

#endif  // EXPORT_ONNX_GENERATOR_H_
