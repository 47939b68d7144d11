#ifndef EVAL_TABLE1_H_
#define EVAL_TABLE1_H_

// The paper's Table 1 protocol over a data set's splits, for the programs that
// report it (//tools:evaluate, and //tools:train during and after a run):
//
//   model row       a generator's samples as the Parzen window's centres
//   training_set    the first n training images as the "samples"
//   kmeans          n k-means centroids of the training set
//
// sigma is chosen on the first `sigma_images` validation images (the paper:
// 1,000) among PaperSigmaGrid(); the row is the test set's mean log-likelihood
// and its standard error.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/dataset.h"
#include "data/mnist.h"  // Splits
#include "eval/parzen.h"

namespace gan::eval {

inline constexpr int64_t kPaperSigmaImages = 1000;

struct Table1Row {
  std::string name;         // model, training_set, kmeans
  std::string description;  // what the centres are
  ParzenReport report;
  double seconds = 0;
};

// One row: `centres` [n, splits.train.dim()] scored by the protocol. Needs a
// validation split and at least 2 test images.
absl::StatusOr<Table1Row> ScoreRow(const std::string& name, const std::string& description, const float* centres,
                                   int64_t n, const data::Splits& splits, int64_t sigma_images = kPaperSigmaImages);

// The training-set row and, if kmeans_iterations > 0, the k-means row (Lloyd,
// seed 1), each with n centres (at most the training set's size). They depend
// only on the data and the protocol, so with a `cache_dir` they are kept in a
// file there named by a hash of everything that determines them (the splits'
// pixels, n, the iterations, sigma_images, the sigma grid) and read back on the
// next call; a missing, unreadable or damaged file is recomputed and rewritten,
// and a cache that cannot be written only costs the next call the same time.
absl::StatusOr<std::vector<Table1Row>> ReferenceRows(const data::Splits& splits, int64_t n, int kmeans_iterations,
                                                     int64_t sigma_images = kPaperSigmaImages,
                                                     const std::string& cache_dir = "");

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

// The rows as a text table, one row a line, under a header.
std::string FormatTable1(const std::vector<Table1Row>& rows);

// The rows as a JSON array, one row an object on its own line: name,
// description, sigma, test_mean, test_std_error, valid_means (one per sigma of
// the grid), seconds.
std::string Table1Json(const std::vector<Table1Row>& rows);

}  // namespace gan::eval

#endif  // EVAL_TABLE1_H_
