#ifndef DATA_FACES_H_
#define DATA_FACES_H_

// Face data sets stored as MATLAB files.
//
// TFD (Toronto Face Database, TFD_48x48.mat; licensed, not public): `images`
// N x 48 x 48 uint8, `folds` N x 5 (per fold: 0 unlabeled, 1 train, 2 valid,
// 3 test), `labs_ex` expression label (-1 if none). The authors trained on the
// unlabeled examples; the Parzen protocol uses each fold's valid and test sets.
//
// Olivetti faces (olivettifaces.mat, a public stand-in): `faces` 4096 x 400,
// one 64x64 image per column, each stored column-major.

#include <string>

#include "absl/status/statusor.h"
#include "data/dataset.h"

namespace gan::data {

struct TfdFold {
  Dataset unlabeled, train, valid, test;
};

// Fold `fold` (0..4) of the TFD file at `path`.
absl::StatusOr<TfdFold> LoadTfdFile(const std::string& path, int fold);
// TFD_48x48.mat found as data/data_dir.h says (data set name "tfd").
absl::StatusOr<TfdFold> LoadTfd(const std::string& flag_dir, int fold);

// The 400 Olivetti faces, upright, 64x64, scaled by 1/255; labels = person.
absl::StatusOr<Dataset> LoadOlivettiFile(const std::string& path);
absl::StatusOr<Dataset> LoadOlivetti(const std::string& flag_dir);  // data set name "faces"

}  // namespace gan::data

#endif  // DATA_FACES_H_
