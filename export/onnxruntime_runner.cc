#include "export/onnxruntime_runner.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/file_bytes.h"

namespace gan::exporter {
namespace {

// A file of this program's runfiles: relative to the working directory
// (bazel run and bazel test start in the runfiles tree), else in the tree
// beside the executable (a binary started by hand).
std::string RunfilePath(const std::string& relative) {
  if (std::filesystem::exists(relative)) return std::filesystem::absolute(relative).string();
  std::error_code error;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
  return absl::StrCat(exe.string(), ".runfiles/gan/", relative);
}

// `text` as one word of a shell command.
std::string ShellQuoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// A directory of its own for one run's files, removed when it goes out of scope.
class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("TEST_TMPDIR");
    std::string pattern = absl::StrCat(base != nullptr ? base : std::filesystem::temp_directory_path().string(), "/onnxruntime.XXXXXX");
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

absl::Status WriteFloats(const std::string& path, const std::vector<float>& values) {
  return base::WriteFileAtomically(path, std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
}

}  // namespace

absl::StatusOr<RuntimeResult> RunInOnnxRuntime(const std::string& model_path, const std::vector<RuntimeInput>& inputs,
                                               const std::string& output_name, const std::vector<float>* expected,
                                               const RuntimeOptions& options) {
  ScratchDir scratch;
  if (scratch.path().empty()) return absl::InternalError("cannot make a temporary directory for ONNX Runtime's input and output");
  const std::string output_path = scratch.path() + "/output.f32";
  if (expected != nullptr) {
    if (absl::Status written = WriteFloats(output_path, *expected); !written.ok()) return written;
  }
  std::string command = absl::StrCat(
      "node ", ShellQuoted(RunfilePath("export/run_onnxruntime.js")), " ",
      ShellQuoted(RunfilePath("third_party/onnxruntime/node_modules/onnxruntime-node")), " ", ShellQuoted(model_path), " ",
      ShellQuoted(output_name), " ", ShellQuoted(expected != nullptr ? output_path : "write:" + output_path), " --repeats=", options.repeats,
      " --batch=", options.batch, options.pad ? " --pad" : "");
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string input_path = absl::StrCat(scratch.path(), "/input", i, ".f32");
    if (absl::Status written = WriteFloats(input_path, inputs[i].values); !written.ok()) return written;
    absl::StrAppend(&command, " --input ", ShellQuoted(inputs[i].name), " ", ShellQuoted(input_path), " ", absl::StrJoin(inputs[i].dims, ","));
  }
  std::FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return absl::InternalError(absl::StrCat("cannot run: ", command));
  std::string printed;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) printed += buffer;
  const int exit_status = pclose(pipe);
  RuntimeResult result;
  bool parsed = false;
  for (absl::string_view line : absl::StrSplit(printed, '\n')) {
    const std::string text(line);
    double written = -1;
    char dims[256] = {0};
    if (expected != nullptr) {
      parsed |= std::sscanf(text.c_str(), "max_abs_diff %lf mean_ms %lf", &result.max_abs_diff, &result.mean_ms) == 2;
    } else if (std::sscanf(text.c_str(), "wrote %lf dims %255s mean_ms %lf", &written, dims, &result.mean_ms) == 3) {
      parsed = true;
      for (absl::string_view d : absl::StrSplit(dims, ',')) result.output_dims.push_back(std::atoll(std::string(d).c_str()));
    }
  }
  if (!parsed || exit_status != 0) {
    return absl::InternalError(absl::StrCat("ONNX Runtime gave no result (exit status ", exit_status, "): ", printed,
                                            "the command was: ", command, " (is onnxruntime-node installed? run setup.sh)"));
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
