#include "eval/table1.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "data/data_dir.h"
#include "base/content_hash.h"
#include "base/file_bytes.h"
#include "eval/distances.h"
#include "nlohmann/json.hpp"

namespace gan::eval {
namespace {

absl::Status CheckSplits(const data::Splits& splits, int64_t sigma_images) {
  if (splits.valid.rows() == 0 || splits.test.rows() < 2) {
    return absl::FailedPreconditionError("the data set has no validation or test split to evaluate on");
  }
  if (sigma_images <= 0) return absl::InvalidArgumentError("the protocol needs at least one validation image to choose sigma");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Table1Row> ScoreRow(const std::string& name, const std::string& description, const float* centres,
                                   int64_t n, const data::Splits& splits, int64_t sigma_images,
                                   const RowFigureSource* figures) {
  GAN_RETURN_IF_ERROR(CheckSplits(splits, sigma_images));
  const auto start = std::chrono::steady_clock::now();
  const ParzenWindow window(centres, n, splits.train.dim());
  absl::StatusOr<ParzenReport> report =
      ParzenProtocol(window, splits.valid.pixels.data(), std::min(sigma_images, splits.valid.rows()),
                     splits.test.pixels.data(), splits.test.rows(), PaperSigmaGrid());
  if (!report.ok()) return report.status();
  const auto since_start = [start] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  Table1Row row{name, description, *std::move(report), 0, since_start(), {}};
  if (figures != nullptr) row.figures = figures->score(centres, n);
  row.seconds = since_start();
  return row;
}

namespace {

using base::Fnv1a;

std::string CacheKey(const data::Splits& splits, int64_t n, int kmeans_iterations, int64_t sigma_images,
                     const RowFigureSource* figures) {
  uint64_t hash = Fnv1a("reference rows v2", 17);
  for (const data::Dataset* split : {&splits.train, &splits.valid, &splits.test}) {
    const int64_t shape[3] = {split->rows(), split->dim(), 0};
    hash = Fnv1a(shape, sizeof(shape), hash);
    hash = Fnv1a(split->pixels.data(), split->pixels.size() * sizeof(float), hash);
  }
  const int64_t parameters[3] = {n, kmeans_iterations, sigma_images};
  hash = Fnv1a(parameters, sizeof(parameters), hash);
  const std::vector<double> grid = PaperSigmaGrid();
  hash = Fnv1a(grid.data(), grid.size() * sizeof(double), hash);
  if (figures != nullptr) hash = Fnv1a(figures->key.data(), figures->key.size(), hash);
  return absl::StrFormat("%016x", hash);
}

// One row a line: name, sigma, test mean, test standard error, the validation
// means (comma-separated), description, the figures (name=value, comma-
// separated); tab-separated, doubles in %.17g.
std::string SerializeRows(const std::vector<Table1Row>& rows) {
  std::string text;
  for (const Table1Row& row : rows) {
    std::vector<std::string> means, figures;
    for (double v : row.report.valid_means) means.push_back(absl::StrFormat("%.17g", v));
    for (const auto& [name, value] : row.figures) figures.push_back(absl::StrFormat("%s=%.17g", name, value));
    absl::StrAppendFormat(&text, "%s\t%.17g\t%.17g\t%.17g\t%s\t%s\t%s\n", row.name, row.report.sigma, row.report.test_mean,
                          row.report.test_std_error, absl::StrJoin(means, ","), row.description, absl::StrJoin(figures, ","));
  }
  return text;
}

// The rows SerializeRows wrote, if there are `expected_rows` of them, each
// with figures when `with_figures`; nullopt for anything else.
std::optional<std::vector<Table1Row>> ParseRows(const std::string& text, size_t expected_rows, bool with_figures) {
  std::vector<Table1Row> rows;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    const std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() != 7) return std::nullopt;
    Table1Row row;
    row.name = fields[0];
    row.description = fields[5];
    row.report.sigmas = PaperSigmaGrid();
    if (!absl::SimpleAtod(fields[1], &row.report.sigma) || !absl::SimpleAtod(fields[2], &row.report.test_mean) ||
        !absl::SimpleAtod(fields[3], &row.report.test_std_error)) {
      return std::nullopt;
    }
    for (absl::string_view v : absl::StrSplit(fields[4], ',')) {
      double mean;
      if (!absl::SimpleAtod(v, &mean)) return std::nullopt;
      row.report.valid_means.push_back(mean);
    }
    if (row.report.valid_means.size() != row.report.sigmas.size()) return std::nullopt;
    for (absl::string_view figure : absl::StrSplit(fields[6], ',', absl::SkipEmpty())) {
      const std::vector<std::string> parts = absl::StrSplit(figure, '=');
      double value;
      if (parts.size() != 2 || !absl::SimpleAtod(parts[1], &value)) return std::nullopt;
      row.figures.emplace_back(parts[0], value);
    }
    if (row.figures.empty() == with_figures) return std::nullopt;
    rows.push_back(std::move(row));
  }
  if (rows.size() != expected_rows) return std::nullopt;
  return rows;
}

}  // namespace

std::string ReferenceRowsCacheDir() { return data::UserCacheDir("reference_rows"); }

absl::StatusOr<std::vector<Table1Row>> ReferenceRows(const data::Splits& splits, int64_t n, int kmeans_iterations,
                                                     int64_t sigma_images, const std::string& cache_dir,
                                                     const RowFigureSource* figures) {
  const data::Dataset& train = splits.train;
  n = std::min(n, train.rows());
  // The validation images after those that choose sigma: real data no model trained on.
  const int64_t held_out = std::min(n, splits.valid.rows() - std::min(sigma_images, splits.valid.rows()));
  const size_t expected_rows = 1 + (held_out >= 2 ? 1 : 0) + (kmeans_iterations > 0 ? 1 : 0);
  std::string cache_path;
  if (!cache_dir.empty()) {
    const auto start = std::chrono::steady_clock::now();
    cache_path = absl::StrCat(cache_dir, "/", CacheKey(splits, n, kmeans_iterations, sigma_images, figures), ".tsv");
    if (absl::StatusOr<std::string> text = base::ReadFileBytes(cache_path); text.ok()) {
      if (std::optional<std::vector<Table1Row>> rows = ParseRows(*text, expected_rows, figures != nullptr)) {
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        for (Table1Row& row : *rows) row.seconds = seconds;
        return *std::move(rows);
      }
    }
  }
  std::vector<Table1Row> rows;
  absl::StatusOr<Table1Row> real = ScoreRow("training_set", absl::StrCat("the first ", n, " training images"),
                                            train.pixels.data(), n, splits, sigma_images, figures);
  if (!real.ok()) return real.status();
  rows.push_back(*std::move(real));
  if (held_out >= 2) {
    absl::StatusOr<Table1Row> unseen =
        ScoreRow("held_out", absl::StrCat("validation images ", sigma_images, "-", sigma_images + held_out - 1, " (", held_out, ")"),
                 splits.valid.Row(sigma_images), held_out, splits, sigma_images, figures);
    if (!unseen.ok()) return unseen.status();
    rows.push_back(*std::move(unseen));
  }
  if (kmeans_iterations > 0) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<float> centroids = KMeansCentroids(train.pixels.data(), train.rows(), train.dim(), n, kmeans_iterations, 1);
    const double kmeans_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    absl::StatusOr<Table1Row> kmeans = ScoreRow(
        "kmeans", absl::StrCat(n, " k-means centroids of the ", train.rows(), " training images (", kmeans_iterations, " Lloyd iterations)"),
        centroids.data(), n, splits, sigma_images, figures);
    if (!kmeans.ok()) return kmeans.status();
    kmeans->seconds += kmeans_seconds;  // the Lloyd iterations count with the row, not with its Parzen figure
    rows.push_back(*std::move(kmeans));
  }
  if (!cache_path.empty()) {
    absl::Status s = base::MakeDirs(cache_dir);
    if (s.ok()) s = base::WriteFileAtomically(cache_path, SerializeRows(rows));
    if (!s.ok()) {
      std::fprintf(stderr, "note: reference rows not cached: %s\n", std::string(s.message()).c_str());
    }
  }
  return rows;
}

absl::StatusOr<MonitorFigures> MonitorGenerator(const float* samples, int64_t n, const data::Splits& splits,
                                                int64_t sigma_images) {
  GAN_RETURN_IF_ERROR(CheckSplits(splits, sigma_images));
  if (splits.valid.rows() < sigma_images + 2) {
    return absl::FailedPreconditionError(absl::StrCat("model selection needs more than ", sigma_images,
                                                      " validation images (", sigma_images, " choose sigma, the rest select); the data set has ",
                                                      splits.valid.rows()));
  }
  const ParzenWindow window(samples, n, splits.train.dim());
  absl::StatusOr<ParzenReport> protocol = ParzenProtocol(window, splits.valid.pixels.data(), sigma_images,
                                                         splits.test.pixels.data(), splits.test.rows(), PaperSigmaGrid());
  if (!protocol.ok()) return protocol.status();
  const int64_t held = splits.valid.rows() - sigma_images;
  const MeanAndError selection = MeanLogLikelihood(window, splits.valid.Row(sigma_images), held, protocol->sigma);
  return MonitorFigures{*std::move(protocol), selection.mean, selection.std_error};
}

std::string FormatTable1(const std::vector<Table1Row>& rows) {
  const auto with_figures = std::find_if(rows.begin(), rows.end(), [](const Table1Row& row) { return !row.figures.empty(); });
  std::string text = absl::StrFormat("%-14s %-8s %-16s", "row", "sigma", "test Parzen");
  if (with_figures != rows.end()) {
    for (const auto& [name, value] : with_figures->figures) absl::StrAppendFormat(&text, " %16s", name);
  }
  absl::StrAppend(&text, "  centres\n");
  for (const Table1Row& row : rows) {
    absl::StrAppendFormat(&text, "%-14s %-8.4f %-16s", row.name, row.report.sigma,
                          absl::StrFormat("%.1f +- %.1f", row.report.test_mean, row.report.test_std_error));
    if (with_figures != rows.end()) {
      for (size_t f = 0; f < with_figures->figures.size(); ++f) {
        absl::StrAppend(&text, f < row.figures.size() ? absl::StrFormat(" %16.4g", row.figures[f].second) : absl::StrFormat(" %16s", "-"));
      }
    }
    absl::StrAppendFormat(&text, "  %s\n", row.description);
  }
  return text;
}


absl::StatusOr<DrawSpread> SpreadOverDraws(std::vector<ParzenReport> draws) {
  if (draws.size() < 2) return absl::InvalidArgumentError(absl::StrCat("a spread over draws needs at least 2 draws, not ", draws.size()));
  DrawSpread spread;
  spread.draws = std::move(draws);
  const double n = static_cast<double>(spread.draws.size());
  spread.min = spread.max = spread.draws[0].test_mean;
  for (const ParzenReport& draw : spread.draws) {
    spread.mean += draw.test_mean / n;
    spread.min = std::min(spread.min, draw.test_mean);
    spread.max = std::max(spread.max, draw.test_mean);
  }
  double squares = 0;
  for (const ParzenReport& draw : spread.draws) squares += (draw.test_mean - spread.mean) * (draw.test_mean - spread.mean);
  spread.sd = std::sqrt(squares / (n - 1));
  return spread;
}

std::string Table1Json(const std::vector<Table1Row>& rows) {
  // Strings escaped by the JSON library; numbers as absl prints them.
  auto quoted = [](const std::string& s) { return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); };
  std::string text = "[";
  for (size_t i = 0; i < rows.size(); ++i) {
    const Table1Row& row = rows[i];
    absl::StrAppend(&text, i ? "," : "", "\n  {\"name\": ", quoted(row.name), ", \"description\": ", quoted(row.description),
                    ", \"sigma\": ", row.report.sigma, ", \"test_mean\": ", row.report.test_mean,
                    ", \"test_std_error\": ", row.report.test_std_error, ", \"valid_means\": [",
                    absl::StrJoin(row.report.valid_means, ", "), "], \"seconds\": ", row.seconds,
                    ", \"parzen_seconds\": ", row.parzen_seconds);
    for (const auto& [name, value] : row.figures) absl::StrAppend(&text, ", ", quoted(name), ": ", value);
    absl::StrAppend(&text, "}");
  }
  return text + "\n]";
}

}  // namespace gan::eval
