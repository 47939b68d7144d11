#include "export/onnxruntime_runner.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "base/file_bytes.h"

namespace gan::exporter {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir ? dir : "/tmp", "/", name);
}

void WriteFloats(const std::string& path, const std::vector<float>& values) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

}  // namespace

absl::StatusOr<RuntimeResult> RunInOnnxRuntime(const std::string& model_path, const std::string& input_name,
                                               const std::vector<float>& input, int64_t rows, int64_t columns,
                                               const std::string& output_name, const std::vector<float>* expected,
                                               int repeats) {
  const std::string input_path = TempPath(input_name + ".f32"), output_path = TempPath(output_name + ".f32");
  WriteFloats(input_path, input);
  if (expected != nullptr) WriteFloats(output_path, *expected);
  // Absolute: node resolves a relative module path against the script's directory.
  const std::string ort_dir = std::filesystem::absolute("third_party/onnxruntime/node_modules/onnxruntime-node").string();
  const std::string command = absl::StrCat("node export/run_onnxruntime.js ", ort_dir, " ", model_path, " ", input_name, " ",
                                           input_path, " ", rows, " ", columns, " ", output_name, " ",
                                           expected != nullptr ? "" : "write:", output_path, " ", repeats);
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError(absl::StrCat("cannot run: ", command));
  RuntimeResult result;
  double written = -1;
  const int parsed = expected != nullptr ? std::fscanf(pipe, "max_abs_diff %lf mean_ms %lf", &result.max_abs_diff, &result.mean_ms)
                                         : std::fscanf(pipe, "wrote %lf mean_ms %lf", &written, &result.mean_ms);
  const int exit_status = pclose(pipe);
  if (parsed != 2 || exit_status != 0) {
    return absl::InternalError(absl::StrCat("no result from: ", command, " (exit status ", exit_status,
                                            "; is onnxruntime-node installed? run setup.sh)"));
  }
  if (expected == nullptr) {
    absl::StatusOr<std::string> bytes = base::ReadFileBytes(output_path);
    if (!bytes.ok()) return bytes.status();
    result.output.resize(bytes->size() / sizeof(float));
    std::copy(bytes->data(), bytes->data() + result.output.size() * sizeof(float), reinterpret_cast<char*>(result.output.data()));
  }
  return result;
}

}  // namespace gan::exporter
