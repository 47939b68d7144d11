#ifndef EVAL_TABLE1_H_
#define EVAL_TABLE1_H_

// The paper's Table 1 protocol over a data set's splits, for the programs that
// report it (//tools:evaluate, and //tools:train during and after a run):
//
//   model row       a generator's samples as the Parzen window's centres
//   training_set    the first n training images as the "samples"
//   held_out        the validation images that do not choose sigma (real
//                   data the models never saw)
//   kmeans          n k-means centroids of the training set
//
// A row may also carry figures beyond the Parzen window (RowFigureSource,
// e.g. eval/feature_figures.h), computed from the same images.
//
// sigma is chosen on the first `sigma_images` validation images (the paper:
// 1,000) among PaperSigmaGrid(); the row is the test set's mean log-likelihood
// and its standard error.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "data/dataset.h"
#include "data/mnist.h"  // Splits
#include "eval/parzen.h"

namespace gan::eval {

inline constexpr int64_t kPaperSigmaImages = 1000;

// A figure of a row beyond the Parzen window: its name (a JSON member name) and value.
using NamedFigure = std::pair<std::string, double>;

struct Table1Row {
  std::string name;         // model, training_set, held_out, kmeans
  std::string description;  // what the centres are
  ParzenReport report;
  double seconds = 0;         // to score the row (a cached row: to read it)
  double parzen_seconds = 0;  // of those, the Parzen protocol's (a cached row: 0)
  std::vector<NamedFigure> figures;  // empty unless a RowFigureSource scored the row
};

// What computes a row's other figures from its images [n, dim]; `key` names
// it (which classifier, which settings) in the reference rows' cache key.
struct RowFigureSource {
  std::string key;
  std::function<std::vector<NamedFigure>(const float* images, int64_t n)> score;
};

// One row: `centres` [n, splits.train.dim()] scored by the protocol, and by
// `figures` when given. Needs a validation split and at least 2 test images.
absl::StatusOr<Table1Row> ScoreRow(const std::string& name, const std::string& description, const float* centres,
                                   int64_t n, const data::Splits& splits, int64_t sigma_images = kPaperSigmaImages,
                                   const RowFigureSource* figures = nullptr);

// The training-set row; the held-out row, when the validation split has at
// least 2 images beyond the sigma_images that choose sigma (at most n of
// them); and, if kmeans_iterations > 0, the k-means row (Lloyd, seed 1). The
// training-set and k-means rows have n centres (at most the training set's
// size). Each is also scored by `figures` when given. They depend only on
// the data, the protocol and the figures' source, so with a `cache_dir` they
// are kept in a file there named by a hash of everything that determines them
// (the splits' pixels, n, the iterations, sigma_images, the sigma grid, the
// source's key) and read back on the next call; a missing, unreadable or
// damaged file is recomputed and rewritten, and a cache that cannot be
// written only costs the next call the same time.
absl::StatusOr<std::vector<Table1Row>> ReferenceRows(const data::Splits& splits, int64_t n, int kmeans_iterations,
                                                     int64_t sigma_images = kPaperSigmaImages,
                                                     const std::string& cache_dir = "",
                                                     const RowFigureSource* figures = nullptr);

// The per-user cache of reference rows ($XDG_CACHE_HOME/gan/reference_rows, else ~/.cache/gan/...).
std::string ReferenceRowsCacheDir();

// What a training run monitors (never the test set for choosing): sigma chosen
// as the protocol does, then `selection` = the mean log-likelihood of the
// validation images after the first sigma_images at that sigma (MNIST: images
// 1,000-9,999), beside the test row for the record.
struct MonitorFigures {
  ParzenReport protocol;  // sigma and the test row
  double selection_mean = 0;
  double selection_std_error = 0;
};
absl::StatusOr<MonitorFigures> MonitorGenerator(const float* samples, int64_t n, const data::Splits& splits,
                                                int64_t sigma_images = kPaperSigmaImages);

// The model's figure over several draws of its samples (the spread that the
// test row's standard error, over test images, does not show): each draw's
// report, and the mean, the sample standard deviation (over n - 1), the least
// and the greatest of their test means. Needs at least 2 draws.
struct DrawSpread {
  std::vector<ParzenReport> draws;
  double mean = 0;
  double sd = 0;
  double min = 0;
  double max = 0;
};
absl::StatusOr<DrawSpread> SpreadOverDraws(std::vector<ParzenReport> draws);

// The rows as a text table, one row a line, under a header; a column per
// figure of the first row that has any.
std::string FormatTable1(const std::vector<Table1Row>& rows);

// The rows as a JSON array, one row an object on its own line: name,
// description, sigma, test_mean, test_std_error, valid_means (one per sigma of
// the grid), seconds, parzen_seconds, then each of its figures by name.
std::string Table1Json(const std::vector<Table1Row>& rows);

}  // namespace gan::eval

#endif  // EVAL_TABLE1_H_
