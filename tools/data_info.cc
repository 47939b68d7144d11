// Loads one data set the way the trainer does and prints what it found: each
// split's size, image shape, label counts and mean pixel, and the load time.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "data/cifar10.h"
#include "data/dataset.h"
#include "data/download.h"
#include "data/faces.h"
#include "data/load.h"
#include "data/mnist.h"

ABSL_FLAG(std::string, dataset, "mnist", "mnist, fashion_mnist, cifar10, faces or tfd");
ABSL_FLAG(std::string, data_dir, "", "directory holding the data set's files (or its <dataset>/ subdirectory)");
ABSL_FLAG(int, tfd_fold, 0, "TFD fold (0..4)");
ABSL_FLAG(bool, download, false, "download the data set (mnist, cifar10) into the per-user cache if it is missing");

namespace {

void Print(const gan::data::Dataset& d) {
  std::vector<int64_t> counts(10, 0);
  double sum = 0;
  for (int32_t label : d.labels) {
    if (label >= 0 && label < 10) ++counts[label];
  }
  for (float p : d.pixels) sum += p;
  std::printf("  %-9s %6lld x %lld (%lldx%lldx%lld)  mean pixel %.4f  labels 0-9:", gan::data::SplitName(d.split),
              static_cast<long long>(d.rows()), static_cast<long long>(d.dim()), static_cast<long long>(d.shape.channels),
              static_cast<long long>(d.shape.height), static_cast<long long>(d.shape.width),
              d.pixels.empty() ? 0.0 : sum / d.pixels.size());
  for (int64_t c : counts) std::printf(" %lld", static_cast<long long>(c));
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string name = absl::GetFlag(FLAGS_dataset), dir = absl::GetFlag(FLAGS_data_dir);
  const auto start = std::chrono::steady_clock::now();
  std::vector<gan::data::Dataset> splits;
  absl::Status status;
  if (name == "mnist" || name == "fashion_mnist" || name == "cifar10") {
    absl::StatusOr<gan::data::Splits> s = gan::data::LoadSplits(name, dir);
    if (!s.ok() && s.status().code() == absl::StatusCode::kNotFound && absl::GetFlag(FLAGS_download)) {
      if (absl::Status d = gan::data::DownloadDataset(name); !d.ok()) {
        std::fprintf(stderr, "%s\n", std::string(d.message()).c_str());
        return 1;
      }
      s = gan::data::LoadSplits(name, dir);
    }
    status = s.status();
    if (s.ok()) splits = {s->train, s->valid, s->test};
  } else if (name == "faces") {
    absl::StatusOr<gan::data::Dataset> s = gan::data::LoadOlivetti(dir);
    status = s.status();
    if (s.ok()) splits = {*s};
  } else if (name == "tfd") {
    absl::StatusOr<gan::data::TfdFold> s = gan::data::LoadTfd(dir, absl::GetFlag(FLAGS_tfd_fold));
    status = s.status();
    if (s.ok()) splits = {s->unlabeled, s->train, s->valid, s->test};
  } else {
    status = absl::InvalidArgumentError("--dataset must be mnist, fashion_mnist, cifar10, faces or tfd, not '" + name + "'");
  }
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
    return 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: loaded in %.2f s\n", name.c_str(), seconds);
  for (const auto& split : splits) Print(split);
  return 0;
}
