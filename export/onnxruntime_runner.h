#ifndef EXPORT_ONNXRUNTIME_RUNNER_H_
#define EXPORT_ONNXRUNTIME_RUNNER_H_

// For tests: runs an ONNX model in ONNX Runtime (Node.js; export/run_onnxruntime.js,
// with onnxruntime-node from third_party/onnxruntime, both in the test's runfiles)
// on one float32 input [rows, columns].

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace gan::exporter {

struct RuntimeResult {
  double max_abs_diff = -1;   // against `expected`, when given
  double mean_ms = -1;        // per run, over `repeats` runs after a warm-up
  std::vector<float> output;  // the output's values, when no `expected` is given
};

// Compares output `output_name` with `expected` if it is not null; else
// returns the output's values. Errors carry the command and what it printed.
absl::StatusOr<RuntimeResult> RunInOnnxRuntime(const std::string& model_path, const std::string& input_name,
                                               const std::vector<float>& input, int64_t rows, int64_t columns,
                                               const std::string& output_name, const std::vector<float>* expected,
                                               int repeats = 1);

}  // namespace gan::exporter

#endif  // EXPORT_ONNXRUNTIME_RUNNER_H_
