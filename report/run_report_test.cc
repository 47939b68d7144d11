#include "report/run_report.h"

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/file_bytes.h"
#include "gtest/gtest.h"

namespace gan::report {
namespace {

// A fresh run directory holding experiment.pbtxt (2 epochs, then a 3-epoch phase).
std::string MakeRunDir(const std::string& name) {
  const std::string dir = testing::TempDir() + "/" + name;
  std::filesystem::remove_all(dir);
  EXPECT_TRUE(base::MakeDirs(dir).ok());
  EXPECT_TRUE(base::WriteFileAtomically(dir + "/experiment.pbtxt",
                                        "# a comment with </script> in it\n"
                                        "name: \"tiny\" epochs: 2 phases { epochs: 3 } data { dataset: \"fashion_mnist\" }\n")
                  .ok());
  return dir;
}

void Write(const std::string& path, const std::string& text) { ASSERT_TRUE(base::WriteFileAtomically(path, text).ok()); }

TEST(ReadRun, ColumnsPerEpochWithWallTimeAcrossProcesses) {
  const std::string dir = MakeRunDir("columns");
  // Process 1 (started 100) ran epochs 1 and 2; process 2 (started 500)
  // redid epoch 2 (stopped before its checkpoint) and ran epoch 3.
  Write(dir + "/metrics.jsonl",
        "{\"epoch\": 1, \"d_loss\": 0.5, \"update_mode\": \"simultaneous\", \"started_at\": 100, \"seconds\": 10}\n"
        "{\"epoch\": 2, \"d_loss\": 0.4, \"started_at\": 100, \"seconds\": 20}\n"
        "{\"epoch\": 2, \"d_loss\": 0.3, \"parzen_valid\": 12.5, \"started_at\": 500, \"seconds\": 5}\n"
        "{\"epoch\": 3, \"d_loss\": 0.2, \"started_at\": 500, \"seconds\": 15}\n");
  absl::StatusOr<RunRecord> run = ReadRun(dir);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->label, "columns");
  EXPECT_EQ(run->experiment_name, "tiny");
  EXPECT_EQ(run->dataset, "fashion_mnist");
  EXPECT_EQ(run->total_epochs, 5);
  const nlohmann::ordered_json& c = run->columns;
  EXPECT_EQ(c["epoch"], nlohmann::ordered_json({1, 2, 3}));
  EXPECT_EQ(c["d_loss"], nlohmann::ordered_json({0.5, 0.3, 0.2}));  // epoch 2's last line
  EXPECT_EQ(c["parzen_valid"], nlohmann::ordered_json({nullptr, 12.5, nullptr}));
  ASSERT_EQ(c["hours"].size(), 3u);
  EXPECT_DOUBLE_EQ(c["hours"][0].get<double>(), 10.0 / 3600);
  EXPECT_DOUBLE_EQ(c["hours"][1].get<double>(), 25.0 / 3600);  // 20 s of process 1, then 5 s
  EXPECT_DOUBLE_EQ(c["hours"][2].get<double>(), 35.0 / 3600);
  EXPECT_FALSE(c.contains("update_mode"));  // not a number
  EXPECT_TRUE(run->notes.empty());
  EXPECT_TRUE(run->table1.is_null());
}

TEST(ReadRun, OlderLinesWithoutStartedAtStartAProcessWhereSecondsGoDown) {
  const std::string dir = MakeRunDir("older");
  Write(dir + "/metrics.jsonl",
        "{\"epoch\": 1, \"seconds\": 10}\n{\"epoch\": 2, \"seconds\": 20}\n{\"epoch\": 3, \"seconds\": 8}\n");
  absl::StatusOr<RunRecord> run = ReadRun(dir);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_DOUBLE_EQ(run->columns["hours"][2].get<double>(), 28.0 / 3600);
}

TEST(ReadRun, UnfinishedLastLineIsLeftOutWithANote) {
  const std::string dir = MakeRunDir("unfinished");
  Write(dir + "/metrics.jsonl", "{\"epoch\": 1, \"seconds\": 10}\n{\"epoch\": 2, \"seco");
  absl::StatusOr<RunRecord> run = ReadRun(dir);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->columns["epoch"], nlohmann::ordered_json({1}));
  ASSERT_EQ(run->notes.size(), 1u);
  EXPECT_NE(run->notes[0].find("metrics.jsonl: its last line (2) is unfinished"), std::string::npos) << run->notes[0];
}

TEST(ReadRun, ErrorsNameTheFileAndTheLine) {
  const std::string dir = MakeRunDir("bad_lines");
  Write(dir + "/metrics.jsonl", "{\"epoch\": 1}\n{\"epoch\": 2,}\n");
  absl::StatusOr<RunRecord> run = ReadRun(dir);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find(dir + "/metrics.jsonl line 2: not a JSON object"), std::string::npos) << run.status();

  Write(dir + "/metrics.jsonl", "{\"epoch\": 1}\n{\"step\": 2}\n");
  run = ReadRun(dir);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("metrics.jsonl line 2: no positive integer \"epoch\""), std::string::npos) << run.status();

  Write(dir + "/metrics.jsonl", "{\"epoch\": 1}\n");
  Write(dir + "/table1.json", "{\"rows\": 1}");
  run = ReadRun(dir);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("table1.json: not a JSON array"), std::string::npos) << run.status();

  run = ReadRun(testing::TempDir() + "/no_such_run");
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(run.status().message().find("not a run directory"), std::string::npos) << run.status();

  EXPECT_FALSE(WriteReport({}, testing::TempDir() + "/none.html").ok());
}

TEST(ReadRun, GridsBeyondTheLimitAreEvenlySpacedWithFirstAndLast) {
  const std::string dir = MakeRunDir("grids");
  ASSERT_TRUE(base::MakeDirs(dir + "/samples").ok());
  const int64_t count = kMaxGrids + 101;
  for (int64_t epoch = 1; epoch <= count; ++epoch) {
    Write(absl::StrFormat("%s/samples/epoch_%04d.png", dir, epoch), absl::StrCat("png of ", epoch));
  }
  Write(dir + "/samples/notes.txt", "not a grid");
  absl::StatusOr<RunRecord> run = ReadRun(dir);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->grids_found, count);
  ASSERT_EQ(static_cast<int64_t>(run->grids.size()), kMaxGrids);
  EXPECT_EQ(run->grids.front().epoch, 1);
  EXPECT_EQ(run->grids.back().epoch, count);
  EXPECT_EQ(run->grids.back().png, absl::StrCat("png of ", count));
  for (size_t i = 1; i < run->grids.size(); ++i) {
    const int64_t gap = run->grids[i].epoch - run->grids[i - 1].epoch;
    EXPECT_TRUE(gap == 1 || gap == 2) << "between grids " << i - 1 << " and " << i;
  }
  ASSERT_EQ(run->notes.size(), 1u);
}

TEST(ReadRun, LargeGridsAreFewerSoThePageStaysWithinItsBudget) {
  const std::string dir = MakeRunDir("large_grids");
  ASSERT_TRUE(base::MakeDirs(dir + "/samples").ok());
  const int64_t count = 60, size = 1 << 20;  // 60 grids of 1 MB: 16 fit
  for (int64_t epoch = 1; epoch <= count; ++epoch) {
    Write(absl::StrFormat("%s/samples/epoch_%04d.png", dir, epoch), std::string(size, static_cast<char>(epoch)));
  }
  absl::StatusOr<RunRecord> run = ReadRun(dir);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->grids_found, count);
  ASSERT_EQ(static_cast<int64_t>(run->grids.size()), kMaxGridBytes / size);
  EXPECT_EQ(run->grids.front().epoch, 1);
  EXPECT_EQ(run->grids.back().epoch, count);
  ASSERT_EQ(run->notes.size(), 1u);
  EXPECT_NE(run->notes[0].find("16 of the run's 60 grids"), std::string::npos) << run->notes[0];
}

TEST(RenderPage, InlinesTheChartLibraryTheDataAndTheGrids) {
  const std::string dir = MakeRunDir("page");
  Write(dir + "/metrics.jsonl", "{\"epoch\": 1, \"d_loss\": 0.5, \"started_at\": 1, \"seconds\": 10}\n");
  ASSERT_TRUE(base::MakeDirs(dir + "/samples").ok());
  Write(dir + "/samples/epoch_0001.png", "abc");
  Write(dir + "/table1.json", "[{\"name\": \"model\", \"sigma\": 0.2, \"test_mean\": 1, \"test_std_error\": 2}]");
  ASSERT_TRUE(WriteReport({dir}, dir + "/report.html").ok());
  absl::StatusOr<std::string> page = base::ReadFileBytes(dir + "/report.html");
  ASSERT_TRUE(page.ok());
  EXPECT_NE(page->find("var uPlot="), std::string::npos) << "uPlot's script is not inlined";
  EXPECT_NE(page->find(".uplot"), std::string::npos) << "uPlot's style is not inlined";
  EXPECT_NE(page->find("\"data:image/png;base64,YWJj\""), std::string::npos);  // "abc"
  EXPECT_NE(page->find("\"d_loss\":[0.5]"), std::string::npos);
  EXPECT_NE(page->find("\"test_mean\":1"), std::string::npos);
  EXPECT_EQ(page->find("/*REPORT_DATA*/"), std::string::npos);
  EXPECT_EQ(page->find("REPORT_TITLE"), std::string::npos);
  // The experiment's "</script>" is escaped; only the template's own script elements close.
  size_t closings = 0;
  for (size_t at = page->find("</script>"); at != std::string::npos; at = page->find("</script>", at + 1)) ++closings;
  EXPECT_EQ(closings, 3u);
  EXPECT_NE(page->find("with <\\/script> in it"), std::string::npos);
}

}  // namespace
}  // namespace gan::report
