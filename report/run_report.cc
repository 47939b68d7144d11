#include "report/run_report.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "base/file_bytes.h"
#include "gan/spec/experiment.h"
#include "report/page_assets.h"

namespace gan::report {
namespace {

using Json = nlohmann::ordered_json;

// The lines of metrics.jsonl, parsed, in file order. An unfinished last line
// (no newline: the write was cut off) is left out with a note.
absl::StatusOr<std::vector<Json>> ReadMetricsLines(const std::string& path, std::vector<std::string>& notes) {
  absl::StatusOr<std::string> text = base::ReadFileBytes(path);
  if (!text.ok()) return text.status();
  std::vector<absl::string_view> lines = absl::StrSplit(*text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();  // the newline ending the last line
  else if (!lines.empty()) {
    notes.push_back(absl::StrCat(path, ": its last line (", lines.size(), ") is unfinished and is left out"));
    lines.pop_back();
  }
  std::vector<Json> parsed;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string where = absl::StrCat(path, " line ", i + 1, ": ");
    Json line = Json::parse(lines[i].begin(), lines[i].end(), nullptr, /*allow_exceptions=*/false);
    if (line.is_discarded() || !line.is_object()) return absl::DataLossError(where + "not a JSON object");
    if (!line.contains("epoch") || !line["epoch"].is_number_integer() || line["epoch"].get<int64_t>() < 1) {
      return absl::DataLossError(where + "no positive integer \"epoch\"");
    }
    parsed.push_back(std::move(line));
  }
  return parsed;
}

// The lines as columns, one entry per epoch (RunRecord::columns).
Json Columns(const std::vector<Json>& lines) {
  // Training hours at each line: `seconds` counts from its process's
  // `started_at`; a new process adds the previous one's last figure. (Older
  // runs without `started_at`: a process starts where `seconds` goes down.)
  std::map<int64_t, const Json*> by_epoch;
  std::map<int64_t, double> hours_by_epoch;
  double offset = 0, previous_seconds = 0;
  const Json* previous = nullptr;
  for (const Json& line : lines) {
    const double seconds = line.value("seconds", 0.0);
    if (previous != nullptr) {
      const bool new_process = line.contains("started_at") ? line["started_at"] != (*previous)["started_at"]
                                                           : seconds < previous_seconds;
      if (new_process) offset += previous_seconds;
    }
    const int64_t epoch = line["epoch"].get<int64_t>();
    by_epoch[epoch] = &line;
    hours_by_epoch[epoch] = (offset + seconds) / 3600;
    previous = &line;
    previous_seconds = seconds;
  }
  // Every numeric member, in the order the lines first name them.
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const Json& line : lines) {
    for (const auto& [name, value] : line.items()) {
      if (value.is_number() && seen.insert(name).second) names.push_back(name);
    }
  }
  Json columns = Json::object();
  for (const std::string& name : names) columns[name] = Json::array();
  columns["hours"] = Json::array();
  for (const auto& [epoch, line] : by_epoch) {
    for (const std::string& name : names) {
      const auto member = line->find(name);
      columns[name].push_back(member != line->end() && member->is_number() ? *member : Json(nullptr));
    }
    columns["hours"].push_back(hours_by_epoch[epoch]);
  }
  return columns;
}

// samples/epoch_NNNN.png of the run, by epoch.
absl::StatusOr<std::map<int64_t, std::string>> GridFiles(const std::string& dir) {
  std::map<int64_t, std::string> files;
  const std::filesystem::path samples = std::filesystem::path(dir) / "samples";
  std::error_code error;
  if (!std::filesystem::is_directory(samples, error)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(samples, error)) {
    const std::string name = entry.path().filename().string();
    int64_t epoch = 0;
    if (name.size() > 10 && name.rfind("epoch_", 0) == 0 && name.substr(name.size() - 4) == ".png" &&
        absl::SimpleAtoi(name.substr(6, name.size() - 10), &epoch)) {
      files[epoch] = entry.path().string();
    }
  }
  if (error) return absl::UnavailableError(absl::StrCat(samples.string(), ": cannot list: ", error.message()));
  return files;
}

std::string Basename(const std::string& dir) {
  std::string trimmed = dir;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  const size_t slash = trimmed.rfind('/');
  return slash == std::string::npos ? trimmed : trimmed.substr(slash + 1);
}

}  // namespace

absl::StatusOr<RunRecord> ReadRun(const std::string& dir) {
  RunRecord run;
  run.dir = dir;
  run.label = Basename(dir);
  const std::string experiment_path = dir + "/experiment.pbtxt";
  absl::StatusOr<std::string> experiment_text = base::ReadFileBytes(experiment_path);
  if (!experiment_text.ok()) {
    return absl::NotFoundError(absl::StrCat(dir, ": not a run directory of //tools:train (", experiment_text.status().message(), ")"));
  }
  run.experiment_text = *std::move(experiment_text);
  absl::StatusOr<proto::Experiment> experiment = ParseExperiment(run.experiment_text, experiment_path);
  if (!experiment.ok()) return experiment.status();
  run.experiment_name = experiment->name();
  run.dataset = experiment->data().dataset();
  run.total_epochs = experiment->epochs();
  for (const proto::Phase& phase : experiment->phases()) run.total_epochs += phase.epochs();

  // metrics.jsonl appears with the first epoch's line.
  const std::string metrics_path = dir + "/metrics.jsonl";
  if (std::error_code error; std::filesystem::exists(metrics_path, error)) {
    absl::StatusOr<std::vector<Json>> lines = ReadMetricsLines(metrics_path, run.notes);
    if (!lines.ok()) return lines.status();
    run.columns = Columns(*lines);
  }

  absl::StatusOr<std::map<int64_t, std::string>> grid_files = GridFiles(dir);
  if (!grid_files.ok()) return grid_files.status();
  run.grids_found = static_cast<int64_t>(grid_files->size());
  std::vector<std::pair<int64_t, std::string>> chosen(grid_files->begin(), grid_files->end());
  int64_t total_bytes = 0;
  for (const auto& [epoch, path] : chosen) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    if (!error) total_bytes += static_cast<int64_t>(size);
  }
  const int64_t fit = run.grids_found == 0 ? 0 : kMaxGridBytes / std::max<int64_t>(total_bytes / run.grids_found, 1);
  const int64_t limit = std::max<int64_t>(std::min(kMaxGrids, fit), 2);
  if (run.grids_found > limit) {
    // Evenly spaced, first and last included.
    std::vector<std::pair<int64_t, std::string>> spaced;
    for (int64_t i = 0; i < limit; ++i) spaced.push_back(chosen[i * (run.grids_found - 1) / (limit - 1)]);
    chosen = std::move(spaced);
    run.notes.push_back(absl::StrCat("samples/: ", limit, " of the run's ", run.grids_found, " grids are shown, evenly spaced (at most ",
                                     kMaxGrids, ", and ", kMaxGridBytes >> 20, " MB)"));
  }
  for (const auto& [epoch, path] : chosen) {
    absl::StatusOr<std::string> png = base::ReadFileBytes(path);
    if (!png.ok()) return png.status();
    run.grids.push_back({epoch, *std::move(png)});
  }

  const std::string table1_path = dir + "/table1.json";
  if (std::error_code error; std::filesystem::exists(table1_path, error)) {
    absl::StatusOr<std::string> text = base::ReadFileBytes(table1_path);
    if (!text.ok()) return text.status();
    run.table1 = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (run.table1.is_discarded() || !run.table1.is_array()) {
      return absl::DataLossError(absl::StrCat(table1_path, ": not a JSON array of Table 1 rows"));
    }
  }
  return run;
}

std::string RenderPage(const std::vector<RunRecord>& runs) {
  char generated[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(generated, sizeof(generated), "%Y-%m-%d %H:%M:%S %Z", std::localtime(&now));
  Json data = {{"generated", generated}, {"runs", Json::array()}};
  for (const RunRecord& run : runs) {
    Json grids = Json::array();
    for (const RunRecord::Grid& grid : run.grids) {
      grids.push_back({{"epoch", grid.epoch}, {"src", "data:image/png;base64," + absl::Base64Escape(grid.png)}});
    }
    data["runs"].push_back({{"label", run.label},
                            {"dir", run.dir},
                            {"experiment_name", run.experiment_name},
                            {"dataset", run.dataset},
                            {"total_epochs", run.total_epochs},
                            {"experiment_text", run.experiment_text},
                            {"columns", run.columns},
                            {"grids", std::move(grids)},
                            {"grids_found", run.grids_found},
                            {"table1", run.table1},
                            {"notes", run.notes}});
  }
  // In a <script> element, "</" could end it early; JSON may escape the slash.
  const std::string json =
      absl::StrReplaceAll(data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {{"</", "<\\/"}});
  std::string title = runs.size() == 1 ? runs[0].label : absl::StrCat(runs.size(), " runs");
  title = absl::StrReplaceAll(title, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}});
  // One pass over the template: a placeholder inside inserted text stays as it is.
  return absl::StrReplaceAll(kPageTemplate, {{"/*UPLOT_STYLE*/", kUplotStyle},
                                             {"/*UPLOT_SCRIPT*/", kUplotScript},
                                             {"/*REPORT_DATA*/", json},
                                             {"REPORT_TITLE", title}});
}

absl::Status WriteReport(const std::vector<std::string>& run_dirs, const std::string& html_path) {
  if (run_dirs.empty()) return absl::InvalidArgumentError("a report needs at least one run directory");
  std::vector<RunRecord> runs;
  for (const std::string& dir : run_dirs) {
    absl::StatusOr<RunRecord> run = ReadRun(dir);
    if (!run.ok()) return run.status();
    runs.push_back(*std::move(run));
  }
  return base::WriteFileAtomically(html_path, RenderPage(runs));
}

}  // namespace gan::report
