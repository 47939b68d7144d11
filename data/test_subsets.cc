#include "data/test_subsets.h"

#include "absl/status/statusor.h"
#include "data/load.h"
#include "gtest/gtest.h"

namespace gan::data {

const Dataset& FashionMnistTrainingSubset() {
  static const Dataset* subset = [] {
    absl::StatusOr<Splits> splits = LoadSplits("fashion_mnist", "");
    if (!splits.ok()) {
      ADD_FAILURE() << splits.status();
      return new Dataset();
    }
    return new Dataset(splits->train.Slice(0, 1000, Split::kTrain));
  }();
  return *subset;
}

Dataset RandomImages(int64_t rows, uint64_t seed, int32_t classes) {
  Dataset d;
  d.name = "random";
  d.shape = {1, 4, 4};
  d.pixels.resize(rows * 16);
  Rng rng(seed);
  rng.FillUniform(d.pixels.data(), static_cast<int64_t>(d.pixels.size()), 0.0f, 1.0f);
  for (int64_t i = 0; i < rows; ++i) d.labels.push_back(classes > 0 ? static_cast<int32_t>(i % classes) : -1);
  return d;
}

}  // namespace gan::data
