// Writes the training report page of one run directory, or one page that
// overlays several runs (seeds, recipes) for comparison. //tools:train
// already rewrites <run>/report.html after every epoch; this rebuilds it, or
// makes a comparison:
//
//   bazel run //tools:report -- runs/mnist-20261129-101500
//   bazel run //tools:report -- --output=compare.html runs/seed1 runs/seed2
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "report/run_report.h"
#include "tools/fail.h"
#include "tools/user_path.h"

ABSL_FLAG(std::string, output, "",
          "the page to write; default <run>/report.html for one run (several runs need --output)");

namespace {
constexpr char kProgram[] = "report";
}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("report [--output=PAGE.html] RUN_DIR [RUN_DIR...]: the training report of runs of //tools:train");
  const std::vector<char*> arguments = absl::ParseCommandLine(argc, argv);
  std::vector<std::string> run_dirs;
  for (size_t i = 1; i < arguments.size(); ++i) run_dirs.push_back(gan::tools::UserPath(arguments[i]));
  if (run_dirs.empty()) {
    return gan::tools::Fail(kProgram, absl::InvalidArgumentError("name one or more run directories (report --help)"));
  }
  std::string output = gan::tools::UserPath(absl::GetFlag(FLAGS_output));
  if (output.empty()) {
    if (run_dirs.size() > 1) {
      return gan::tools::Fail(kProgram, absl::InvalidArgumentError("a page of several runs needs --output=PAGE.html"));
    }
    output = run_dirs[0] + "/report.html";
  }
  if (absl::Status written = gan::report::WriteReport(run_dirs, output); !written.ok()) {
    return gan::tools::Fail(kProgram, written);
  }
  std::fprintf(stderr, "report: wrote %s (%zu run%s)\n", output.c_str(), run_dirs.size(), run_dirs.size() == 1 ? "" : "s");
  return 0;
}
