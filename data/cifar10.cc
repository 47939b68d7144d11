#include "data/cifar10.h"

#include "absl/strings/str_cat.h"
#include "data/data_dir.h"
#include "base/file_bytes.h"

namespace gan::data {
namespace {

constexpr int64_t kPixels = 3 * 32 * 32, kRecord = 1 + kPixels;
constexpr int64_t kTrainRows = 40000, kValidRows = 10000;

}  // namespace

absl::Status AppendCifar10Records(const std::string& bytes, const std::string& source, Dataset& dataset) {
  if (bytes.empty()) return absl::InvalidArgumentError(absl::StrCat(source, ": empty file"));
  if (bytes.size() % kRecord != 0) {
    return absl::DataLossError(absl::StrCat(source, ": ", bytes.size(), " bytes is not a whole number of ", kRecord,
                                            "-byte CIFAR-10 records (truncated, or not CIFAR-10 binary)"));
  }
  const int64_t records = static_cast<int64_t>(bytes.size()) / kRecord;
  dataset.shape = {3, 32, 32};
  const size_t first_pixel = dataset.pixels.size();
  dataset.pixels.resize(first_pixel + records * kPixels);
  for (int64_t r = 0; r < records; ++r) {
    const auto* record = reinterpret_cast<const unsigned char*>(bytes.data()) + r * kRecord;
    if (record[0] > 9) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": label ", int{record[0]}, " of record ", r, " is not in 0..9"));
    }
    dataset.labels.push_back(record[0]);
    float* row = dataset.pixels.data() + first_pixel + r * kPixels;
    for (int64_t i = 0; i < kPixels; ++i) row[i] = record[1 + i] / 255.0f;
  }
  return absl::OkStatus();
}

absl::StatusOr<Splits> LoadCifar10(const std::string& flag_dir) {
  std::vector<WantedFile> wanted;
  for (int i = 1; i <= 5; ++i) wanted.push_back({{absl::StrCat("data_batch_", i, ".bin")}});
  wanted.push_back({{"test_batch.bin"}});
  absl::StatusOr<std::vector<std::string>> files = FindDataFiles("cifar10", wanted, flag_dir);
  if (!files.ok()) return files.status();
  // Files 1-4 are exactly the first 40,000 training images, file 5 the next
  // 10,000, so each file goes straight into its split.
  Splits splits;
  Dataset* destination[6] = {&splits.train, &splits.train, &splits.train, &splits.train, &splits.valid, &splits.test};
  const Split split_of[3] = {Split::kTrain, Split::kValid, Split::kTest};
  Dataset* all[3] = {&splits.train, &splits.valid, &splits.test};
  for (int i = 0; i < 3; ++i) {
    all[i]->name = "cifar10";
    all[i]->split = split_of[i];
  }
  for (size_t i = 0; i < files->size(); ++i) {
    absl::StatusOr<std::string> bytes = base::ReadFileBytes((*files)[i]);
    if (!bytes.ok()) return bytes.status();
    absl::Status appended = AppendCifar10Records(*bytes, (*files)[i], *destination[i]);
    if (!appended.ok()) return appended;
  }
  if (splits.train.rows() != kTrainRows || splits.valid.rows() != kValidRows) {
    return absl::InvalidArgumentError(absl::StrCat("cifar10: data_batch_1..4.bin hold ", splits.train.rows(),
                                                   " images and data_batch_5.bin ", splits.valid.rows(), "; expected ",
                                                   kTrainRows, " and ", kValidRows));
  }
  return splits;
}

}  // namespace gan::data
