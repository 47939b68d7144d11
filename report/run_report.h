#ifndef REPORT_RUN_REPORT_H_
#define REPORT_RUN_REPORT_H_

// The training report: report.html, one self-contained page (it opens from
// disk with no network) of one run directory written by //tools:train, or of
// several overlaid for comparison. It shows, against epoch or wall time, the
// losses, mean D(x) and D(G(z)), each optimiser's learning rate and momentum,
// the Parzen figures and any other figure a run's metrics carry; the sample
// grid of every epoch with a control to step through them; the experiment as
// run; and the run's final Table 1 rows (table1.json) once it has them.
// Charts are drawn by uPlot (npm), whose script the build inlines
// (report/page_assets.h); grids are inlined as PNG data.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace gan::report {

// At most this many sample grids are inlined per run, and at most as many
// as fit kMaxGridBytes at the grids' mean size (a page rewritten after every
// epoch must not grow with large grids: 400 grids of 64 x 64 faces are about
// 100 MB), evenly spaced over the epochs that have one, the first and last
// always included.
inline constexpr int64_t kMaxGrids = 400;
inline constexpr int64_t kMaxGridBytes = 16 << 20;

// What the page shows of one run directory.
struct RunRecord {
  std::string dir;               // as given
  std::string label;             // the directory's own name
  std::string experiment_text;   // experiment.pbtxt as written
  std::string experiment_name;
  std::string dataset;
  int64_t total_epochs = 0;      // of the whole schedule (epochs and phases)
  // metrics.jsonl by column: "epoch", every numeric member of its lines, and
  // "hours": training wall time up to the end of the epoch, summed over the
  // processes that ran the run (a resumed run's `started_at` differs). One
  // entry per epoch in order (of an epoch written twice, as after a stop
  // between its metrics line and its checkpoint, the last), null where a line
  // lacks the member.
  nlohmann::ordered_json columns = nlohmann::ordered_json::object();
  struct Grid {
    int64_t epoch;
    std::string png;  // the file's bytes
  };
  std::vector<Grid> grids;  // samples/epoch_NNNN.png, within kMaxGrids and kMaxGridBytes
  int64_t grids_found = 0;  // how many the run has
  nlohmann::json table1;    // the rows of table1.json, or null if there is none yet
  std::vector<std::string> notes;  // what the page says of the files (an unfinished last line)
};

// Reads a run directory. Errors name the file and what is wrong: not a run
// directory (no experiment.pbtxt), an experiment that does not parse, a
// metrics line that is not a JSON object with an integer "epoch" (its line
// number), an unreadable grid or table1.json. A last metrics line without its
// newline (a write cut off) is left out with a note. A run with no epochs yet
// has empty columns.
absl::StatusOr<RunRecord> ReadRun(const std::string& dir);

// The page of `runs`: one run, or several overlaid (one series per run and
// figure, a grid viewer per run).
std::string RenderPage(const std::vector<RunRecord>& runs);

// ReadRun of each directory, then RenderPage written to `html_path` (atomically:
// a reader sees the old page or the whole new one).
absl::Status WriteReport(const std::vector<std::string>& run_dirs, const std::string& html_path);

}  // namespace gan::report

#endif  // REPORT_RUN_REPORT_H_
