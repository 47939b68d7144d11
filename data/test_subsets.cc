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

}  // namespace gan::data
