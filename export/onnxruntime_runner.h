#ifndef EXPORT_ONNXRUNTIME_RUNNER_H_
#define EXPORT_ONNXRUNTIME_RUNNER_H_

// Runs an ONNX model in ONNX Runtime: its Node.js binding (onnxruntime-node,
// which setup.sh installs into third_party/onnxruntime) driven by
// export/run_onnxruntime.js, both in the runfiles of whatever depends on this
// library, on float32 inputs.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace gan::exporter {

struct RuntimeResult {
  double max_abs_diff = -1;           // against `expected`, when given
  double mean_ms = -1;                // per run, over `repeats` runs after a warm-up
  std::vector<float> output;          // the output's values, when no `expected` is given
  std::vector<int64_t> output_dims;   // and its shape, rows first
};

struct RuntimeOptions {
  int repeats = 1;       // timed runs after the warm-up
  int64_t batch = 0;     // rows per run (0: all at once)
  bool pad = false;      // fill the last run up to `batch` rows (a model with a fixed batch dimension)
};

// One of the graph's inputs: its name, values and shape (rows first).
struct RuntimeInput {
  std::string name;
  std::vector<float> values;
  std::vector<int64_t> dims;
};

// Runs the model at `model_path` on `inputs` (each with the same number of
// rows). Compares output `output_name` with `expected` if it is not null;
// else returns the output's values and shape. Errors carry the command and
// what it printed.
absl::StatusOr<RuntimeResult> RunInOnnxRuntime(const std::string& model_path, const std::vector<RuntimeInput>& inputs,
                                               const std::string& output_name, const std::vector<float>* expected,
                                               const RuntimeOptions& options = {});

}  // namespace gan::exporter

#endif  // EXPORT_ONNXRUNTIME_RUNNER_H_
