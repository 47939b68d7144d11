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
#include "data/data_dir.h"
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
                                   int64_t n, const data::Splits& splits, int64_t sigma_images) {
  if (absl::Status s = CheckSplits(splits, sigma_images); !s.ok()) return s;
  const auto start = std::chrono::steady_clock::now();
  const ParzenWindow window(centres, n, splits.train.dim());
  absl::StatusOr<ParzenReport> report =
      ParzenProtocol(window, splits.valid.pixels.data(), std::min(sigma_images, splits.valid.rows()),
                     splits.test.pixels.data(), splits.test.rows(), PaperSigmaGrid());
  if (!report.ok()) return report.status();
  return Table1Row{name, description, *std::move(report),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

namespace {

// FNV-1a, 64 bits, continued from `hash`.
uint64_t Fnv1a(const void* bytes, size_t size, uint64_t hash = 0xcbf29ce484222325ULL) {
  const unsigned char* p = static_cast<const unsigned char*>(bytes);
  for (size_t i = 0; i < size; ++i) hash = (hash ^ p[i]) * 0x100000001b3ULL;
  return hash;
}

std::string CacheKey(const data::Splits& splits, int64_t n, int kmeans_iterations, int64_t sigma_images) {
  uint64_t hash = Fnv1a("reference rows v1", 17);
  for (const data::Dataset* split : {&splits.train, &splits.valid, &splits.test}) {
    const int64_t shape[3] = {split->rows(), split->dim(), 0};
    hash = Fnv1a(shape, sizeof(shape), hash);
    hash = Fnv1a(split->pixels.data(), split->pixels.size() * sizeof(float), hash);
  }
  const int64_t parameters[3] = {n, kmeans_iterations, sigma_images};
  hash = Fnv1a(parameters, sizeof(parameters), hash);
  const std::vector<double> grid = PaperSigmaGrid();
  hash = Fnv1a(grid.data(), grid.size() * sizeof(double), hash);
  return absl::StrFormat("%016x", hash);
}

// One row a line: name, sigma, test mean, test standard error, the validation
// means (comma-separated), description; tab-separated, doubles in %.17g.
std::string SerializeRows(const std::vector<Table1Row>& rows) {
  std::string text;
  for (const Table1Row& row : rows) {
    std::vector<std::string> means;
    for (double v : row.report.valid_means) means.push_back(absl::StrFormat("%.17g", v));
    absl::StrAppendFormat(&text, "%s\t%.17g\t%.17g\t%.17g\t%s\t%s\n", row.name, row.report.sigma, row.report.test_mean,
                          row.report.test_std_error, absl::StrJoin(means, ","), row.description);
  }
  return text;
}

std::optional<std::vector<Table1Row>> ParseRows(const std::string& text, size_t expected_rows) {
  std::vector<Table1Row> rows;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    const std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() != 6) return std::nullopt;
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
    rows.push_back(std::move(row));
  }
  if (rows.size() != expected_rows) return std::nullopt;
  return rows;
}

}  // namespace

std::string ReferenceRowsCacheDir() { return data::UserCacheDir("reference_rows"); }

absl::StatusOr<std::vector<Table1Row>> ReferenceRows(const data::Splits& splits, int64_t n, int kmeans_iterations,
                                                     int64_t sigma_images, const std::string& cache_dir) {
  const data::Dataset& train = splits.train;
  n = std::min(n, train.rows());
  const size_t expected_rows = kmeans_iterations > 0 ? 2 : 1;
  std::string cache_path;
  if (!cache_dir.empty()) {
    const auto start = std::chrono::steady_clock::now();
    cache_path = absl::StrCat(cache_dir, "/", CacheKey(splits, n, kmeans_iterations, sigma_images), ".tsv");
    if (absl::StatusOr<std::string> text = base::ReadFileBytes(cache_path); text.ok()) {
      if (std::optional<std::vector<Table1Row>> rows = ParseRows(*text, expected_rows)) {
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        for (Table1Row& row : *rows) row.seconds = seconds;
        return *std::move(rows);
      }
    }
  }
  std::vector<Table1Row> rows;
  absl::StatusOr<Table1Row> real =
      ScoreRow("training_set", absl::StrCat("the first ", n, " training images"), train.pixels.data(), n, splits, sigma_images);
  if (!real.ok()) return real.status();
  rows.push_back(*std::move(real));
  if (kmeans_iterations > 0) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<float> centroids = KMeansCentroids(train.pixels.data(), train.rows(), train.dim(), n, kmeans_iterations, 1);
    const double kmeans_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    absl::StatusOr<Table1Row> kmeans = ScoreRow(
        "kmeans", absl::StrCat(n, " k-means centroids of the ", train.rows(), " training images (", kmeans_iterations, " Lloyd iterations)"),
        centroids.data(), n, splits, sigma_images);
    if (!kmeans.ok()) return kmeans.status();
    kmeans->seconds += kmeans_seconds;
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
  if (absl::Status s = CheckSplits(splits, sigma_images); !s.ok()) return s;
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
  std::string text = absl::StrFormat("%-14s %-8s %s\n", "row", "sigma", "test Parzen log-likelihood (mean +- std. error)");
  for (const Table1Row& row : rows) {
    absl::StrAppendFormat(&text, "%-14s %-8.4f %.1f +- %.1f   %s\n", row.name, row.report.sigma, row.report.test_mean,
                          row.report.test_std_error, row.description);
  }
  return text;
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
                    absl::StrJoin(row.report.valid_means, ", "), "], \"seconds\": ", row.seconds, "}");
  }
  return text + "\n]";
}

}  // namespace gan::eval
