#include "data/cifar10.h"

#include "absl/strings/str_cat.h"
#include "data/data_dir.h"
#include "data/file_bytes.h"

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
  Dataset train_file, test_file;
  train_file.name = test_file.name = "cifar10";
  for (size_t i = 0; i < files->size(); ++i) {
    absl::StatusOr<std::string> bytes = ReadFileBytes((*files)[i]);
    if (!bytes.ok()) return bytes.status();
    absl::Status appended = AppendCifar10Records(*bytes, (*files)[i], i < 5 ? train_file : test_file);
    if (!appended.ok()) return appended;
  }
  if (train_file.rows() < kTrainRows + kValidRows) {
    return absl::InvalidArgumentError(absl::StrCat("cifar10: ", train_file.rows(), " training images; the split needs ",
                                                   kTrainRows + kValidRows));
  }
  Splits splits;
  splits.train = train_file.Slice(0, kTrainRows, Split::kTrain);
  splits.valid = train_file.Slice(kTrainRows, kTrainRows + kValidRows, Split::kValid);
  splits.test = std::move(test_file);
  splits.test.split = Split::kTest;
  return splits;
}

}  // namespace gan::data
