#include "data/dataset.h"

#include <algorithm>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace gan::data {
namespace {

// Row i of this dataset is filled with the value i, so a batch shows which rows it holds.
Dataset Numbered(int64_t rows) {
  Dataset dataset;
  dataset.shape = {1, 2, 3};
  for (int64_t i = 0; i < rows; ++i) {
    dataset.labels.push_back(static_cast<int32_t>(i % 10));
    for (int j = 0; j < 6; ++j) dataset.pixels.push_back(static_cast<float>(i));
  }
  return dataset;
}

TEST(BatcherTest, EachEpochIsAPermutationCutIntoFullBatches) {
  const Dataset dataset = Numbered(23);
  Batcher batcher(dataset, 5, 1);
  EXPECT_EQ(batcher.batches_per_epoch(), 4);  // 3 rows of each permutation unused
  std::vector<std::vector<float>> epochs(2);
  for (int e = 0; e < 2; ++e) {
    std::set<float> seen;
    for (int b = 0; b < 4; ++b) {
      const float* batch = batcher.Next();
      for (int r = 0; r < 5; ++r) {
        for (int j = 1; j < 6; ++j) ASSERT_EQ(batch[r * 6 + j], batch[r * 6]) << "a row was torn";
        EXPECT_EQ(static_cast<float>(batcher.last_rows()[r]), batch[r * 6]) << "last_rows names the rows of the batch";
        EXPECT_TRUE(seen.insert(batch[r * 6]).second) << "row " << batch[r * 6] << " twice in one epoch";
        epochs[e].push_back(batch[r * 6]);
      }
    }
    EXPECT_EQ(batcher.epoch(), e);
  }
  EXPECT_NE(epochs[0], epochs[1]) << "each epoch is a fresh permutation";
  batcher.Next();
  EXPECT_EQ(batcher.epoch(), 2);
}

TEST(BatcherTest, OneHotClassesFollowEachRowsPixels) {
  const Dataset dataset = Numbered(23);
  Batcher plain(dataset, 5, 1), joined(dataset, 5, 1, /*one_hot_classes=*/10);
  for (int b = 0; b < 6; ++b) {  // past an epoch's end
    const float* p = plain.Next();
    const float* j = joined.Next();
    for (int r = 0; r < 5; ++r) {
      for (int c = 0; c < 6; ++c) EXPECT_EQ(j[r * 16 + c], p[r * 6 + c]) << "the same rows, in the same order";
      const int label = static_cast<int>(j[r * 16]) % 10;  // row i has label i % 10
      for (int c = 0; c < 10; ++c) EXPECT_EQ(j[r * 16 + 6 + c], c == label ? 1.0f : 0.0f) << "row " << j[r * 16] << ", column " << c;
    }
  }
}

TEST(BatcherTest, SameSeedSameBatchesAndStateResumes) {
  const Dataset dataset = Numbered(50);
  Batcher a(dataset, 7, 3), b(dataset, 7, 3);
  for (int i = 0; i < 10; ++i) a.Next();
  const Batcher::State saved = a.state();
  std::vector<float> expected;
  for (int i = 0; i < 12; ++i) expected.push_back(a.Next()[0]);
  b.set_state(saved);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(b.Next()[0], expected[i]) << i;
}

TEST(DatasetTest, SliceAndPixelMean) {
  const Dataset dataset = Numbered(4);
  const Dataset slice = dataset.Slice(1, 3, Split::kValid);
  EXPECT_EQ(slice.rows(), 2);
  EXPECT_EQ(slice.Row(0)[0], 1.0f);
  EXPECT_EQ(slice.split, Split::kValid);
  const std::vector<float> mean = dataset.PixelMean();
  ASSERT_EQ(mean.size(), 6u);
  for (float m : mean) EXPECT_FLOAT_EQ(m, 1.5f);
}

TEST(DatasetTest, RowsOfClassAreExactlyThatClassInOrder) {
  Dataset dataset = Numbered(25);  // labels i % 10
  dataset.split = Split::kTest;
  std::vector<int64_t> indices;
  const Dataset threes = dataset.RowsOfClass(3, &indices);
  EXPECT_EQ(indices, (std::vector<int64_t>{3, 13, 23}));
  ASSERT_EQ(threes.rows(), 3);
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(threes.labels[i], 3);
    EXPECT_EQ(threes.Row(i)[5], static_cast<float>(indices[i]));
  }
  EXPECT_EQ(threes.split, Split::kTest);
  EXPECT_EQ(dataset.RowsOfClass(11).rows(), 0);
}

// The few labelled images of semi-supervised learning: as many of each class,
// distinct rows, the same for a seed and others for another, every row its own.
TEST(DatasetTest, BalancedSubsetIsBalancedDistinctAndReproducible) {
  const Dataset dataset = Numbered(1000);  // labels i % 10, 100 rows each
  std::vector<int64_t> indices, again, other;
  const Dataset subset = dataset.BalancedSubset(7, 10, 5, &indices);
  ASSERT_EQ(subset.rows(), 70);
  EXPECT_EQ(subset.split, dataset.split);
  EXPECT_EQ(subset.ClassCounts(10), std::vector<int64_t>(10, 7));
  EXPECT_EQ(std::set<int64_t>(indices.begin(), indices.end()).size(), 70u);
  for (int64_t i = 0; i < subset.rows(); ++i) {
    EXPECT_EQ(subset.labels[i], dataset.labels[indices[i]]);
    EXPECT_EQ(subset.Row(i)[5], static_cast<float>(indices[i]));
  }
  dataset.BalancedSubset(7, 10, 5, &again);
  dataset.BalancedSubset(7, 10, 6, &other);
  EXPECT_EQ(indices, again);
  EXPECT_NE(indices, other);
  // Every row of a class can be drawn: over many seeds each of class 0's 100 rows appears.
  std::set<int64_t> seen;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    std::vector<int64_t> drawn;
    dataset.BalancedSubset(3, 10, seed, &drawn);
    seen.insert(drawn.begin(), drawn.begin() + 3);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(dataset.BalancedSubset(101, 10, 1).rows(), 0);  // a class has only 100
}

}  // namespace
}  // namespace gan::data
