#include "distributed/group.h"

namespace gan::distributed {
namespace {

class SoloGroup : public Group {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void StartSum(float*, int64_t) override {}
  absl::Status FinishSums() override { return absl::OkStatus(); }
  absl::Status SumDoubles(double*, int) override { return absl::OkStatus(); }
  absl::Status Broadcast(std::string&) override { return absl::OkStatus(); }
  absl::StatusOr<std::vector<uint64_t>> AllGather(uint64_t value) override { return std::vector<uint64_t>{value}; }
  absl::Status Barrier() override { return absl::OkStatus(); }
};

}  // namespace

Group& Solo() {
  static SoloGroup* const solo = new SoloGroup;
  return *solo;
}

}  // namespace gan::distributed
