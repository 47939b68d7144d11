#ifndef DATA_TEST_SUBSETS_H_
#define DATA_TEST_SUBSETS_H_

// Small real data sets for tests that train (testonly).

#include "data/dataset.h"

namespace gan::data {

// The first 1,000 Fashion-MNIST training images (which setup.sh installs from
// Debian), loaded once per test binary from $GAN_DATA_DIR or the cache. On a
// load error it records a test failure and returns an empty data set.
const Dataset& FashionMnistTrainingSubset();

// `rows` 4 x 4 images of values uniform in [0, 1] drawn from Rng(seed),
// labelled i % classes (or -1 with classes 0): small nets' gradient checks.
Dataset RandomImages(int64_t rows, uint64_t seed, int32_t classes = 0);

}  // namespace gan::data

#endif  // DATA_TEST_SUBSETS_H_
