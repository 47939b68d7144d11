#include "distributed/mpi_group.h"

#include <malloc.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gan::distributed {

struct MpiGroup::Impl {
  MPI_Comm comm = MPI_COMM_NULL;
  bool owns_world = false;  // the world group ends MPI
  double timeout_seconds = 60;
  std::vector<MPI_Request> pending;  // started, not yet waited for
};

bool LaunchedByMpirun() { return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr; }

namespace {

absl::Status MpiError(int code, const char* call) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  int world = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &world);
  return absl::UnavailableError(absl::StrCat("rank ", world, ": ", call, " failed: ", std::string(text, length)));
}

}  // namespace

MpiGroup::MpiGroup(std::unique_ptr<Impl> impl, int rank, int size) : impl_(std::move(impl)), rank_(rank), size_(size) {}

MpiGroup::~MpiGroup() {
  if (impl_->owns_world) {
    MPI_Finalize();
  } else if (impl_->comm != MPI_COMM_NULL) {
    MPI_Comm_free(&impl_->comm);
  }
}

int MpiGroup::world_rank() const {
  int world = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &world);
  return world;
}

absl::StatusOr<std::unique_ptr<MpiGroup>> JoinWorld(double timeout_seconds) {
  if (timeout_seconds <= 0) return absl::InvalidArgumentError(absl::StrCat("the collective timeout must be positive, not ", timeout_seconds));
  // Open MPI's non-blocking all-reduce (coll/libnbc) allocates a temporary
  // the size of each sum on every call, and glibc hands large freed blocks
  // back to the kernel (mmap, heap trim), so each step paid a page fault per
  // 4 KB of gradients: 45 ms of a 60 ms MNIST step on 2 ranks, 1.0 of the
  // 1.1 s that summing cifar10_conv's gradients took. Freed memory stays in
  // the process instead (a rank's footprint is its peak).
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    return absl::UnavailableError("MPI_Init_thread failed");
  }
  // Errors come back as codes, which become messages naming the rank.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  auto impl = std::make_unique<MpiGroup::Impl>();
  impl->comm = MPI_COMM_WORLD;
  impl->owns_world = true;
  impl->timeout_seconds = timeout_seconds;
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::unique_ptr<MpiGroup>(new MpiGroup(std::move(impl), rank, size));
}

absl::StatusOr<std::unique_ptr<MpiGroup>> MpiGroup::Split(int color) {
  MPI_Comm comm;
  if (const int code = MPI_Comm_split(impl_->comm, color, rank_, &comm); code != MPI_SUCCESS) return MpiError(code, "MPI_Comm_split");
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  auto impl = std::make_unique<Impl>();
  impl->comm = comm;
  impl->timeout_seconds = impl_->timeout_seconds;
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  return std::unique_ptr<MpiGroup>(new MpiGroup(std::move(impl), rank, size));
}

absl::Status MpiGroup::WaitAll(const char* what, bool sleep_between_tests, bool deadline_applies) {
  // Open MPI progresses a non-blocking collective only inside MPI calls, so
  // the wait is a loop of tests, which also gives it a deadline. Sleeping
  // waits are those for rank 0's epoch-end work (reports, checkpoints), which
  // may take many times a step: they get kSleepingWaitFactor times the timeout.
  constexpr double kSleepingWaitFactor = 20;
  const double timeout = impl_->timeout_seconds * (sleep_between_tests ? kSleepingWaitFactor : 1);
  std::vector<MPI_Request>& pending = impl_->pending;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  while (!pending.empty()) {
    int done = 0;
    if (const int code = MPI_Testall(static_cast<int>(pending.size()), pending.data(), &done, MPI_STATUSES_IGNORE);
        code != MPI_SUCCESS) {
      pending.clear();
      return MpiError(code, what);
    }
    if (done) break;
    if (deadline_applies && std::chrono::steady_clock::now() > deadline) {
      pending.clear();
      return absl::DeadlineExceededError(absl::StrFormat(
          "rank %d of %d (world rank %d): no answer from the other ranks within %.0f s while waiting for %s; a rank "
          "that does not report the same is the one that stopped",
          rank_, size_, world_rank(), timeout, what));
    }
    if (sleep_between_tests) std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  pending.clear();
  return absl::OkStatus();
}

void MpiGroup::StartSum(float* values, int64_t n) {
  for (int64_t first = 0; first < n; first += INT_MAX) {
    MPI_Request request;
    const int count = static_cast<int>(std::min<int64_t>(INT_MAX, n - first));
    MPI_Iallreduce(MPI_IN_PLACE, values + first, count, MPI_FLOAT, MPI_SUM, impl_->comm, &request);
    impl_->pending.push_back(request);
  }
}

void MpiGroup::Progress() {
  // A test of the pending requests is what advances them; their errors show in FinishSums.
  if (impl_->pending.empty()) return;
  int done = 0;
  MPI_Testall(static_cast<int>(impl_->pending.size()), impl_->pending.data(), &done, MPI_STATUSES_IGNORE);
}

absl::Status MpiGroup::FinishSums() { return WaitAll("the gradient sums", /*sleep_between_tests=*/false); }

absl::Status MpiGroup::SumDoubles(double* values, int n) {
  MPI_Request request;
  if (const int code = MPI_Iallreduce(MPI_IN_PLACE, values, n, MPI_DOUBLE, MPI_SUM, impl_->comm, &request); code != MPI_SUCCESS) {
    return MpiError(code, "MPI_Iallreduce");
  }
  impl_->pending.push_back(request);
  return WaitAll("a sum of the step's figures", /*sleep_between_tests=*/false);
}

absl::Status MpiGroup::Broadcast(std::string& bytes) {
  uint64_t size = bytes.size();
  MPI_Request request;
  MPI_Ibcast(&size, 1, MPI_UINT64_T, 0, impl_->comm, &request);
  impl_->pending.push_back(request);
  if (absl::Status s = WaitAll("a broadcast from rank 0", /*sleep_between_tests=*/true); !s.ok()) return s;
  bytes.resize(size);
  for (uint64_t first = 0; first < size; first += INT_MAX) {
    const int count = static_cast<int>(std::min<uint64_t>(INT_MAX, size - first));
    MPI_Ibcast(bytes.data() + first, count, MPI_BYTE, 0, impl_->comm, &request);
    impl_->pending.push_back(request);
  }
  return WaitAll("a broadcast from rank 0", /*sleep_between_tests=*/true);
}

absl::StatusOr<std::vector<uint64_t>> MpiGroup::AllGather(uint64_t value) {
  std::vector<uint64_t> values(size_);
  MPI_Request request;
  MPI_Iallgather(&value, 1, MPI_UINT64_T, values.data(), 1, MPI_UINT64_T, impl_->comm, &request);
  impl_->pending.push_back(request);
  if (absl::Status s = WaitAll("an exchange of parameter digests", /*sleep_between_tests=*/true); !s.ok()) return s;
  return values;
}

absl::StatusOr<std::vector<std::string>> MpiGroup::GatherToLead(const std::string& bytes) {
  if (bytes.size() > INT_MAX) return absl::InvalidArgumentError("GatherToLead: more than 2 GB from one rank");
  const int size = static_cast<int>(bytes.size());
  std::vector<int> sizes(size_);
  MPI_Request request;
  MPI_Igather(&size, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, impl_->comm, &request);
  impl_->pending.push_back(request);
  if (absl::Status s = WaitAll("the other ranks' results", /*sleep_between_tests=*/true, /*deadline_applies=*/false); !s.ok()) return s;
  std::vector<int> offsets(size_, 0);
  int64_t total = 0;
  for (int r = 0; r < size_; ++r) {
    offsets[r] = static_cast<int>(total);
    total += sizes[r];
  }
  if (total > INT_MAX) return absl::InvalidArgumentError("GatherToLead: more than 2 GB in all");
  std::string all(rank_ == 0 ? total : 0, '\0');
  MPI_Igatherv(bytes.data(), size, MPI_BYTE, all.data(), sizes.data(), offsets.data(), MPI_BYTE, 0, impl_->comm, &request);
  impl_->pending.push_back(request);
  if (absl::Status s = WaitAll("the other ranks' results", /*sleep_between_tests=*/true, /*deadline_applies=*/false); !s.ok()) return s;
  std::vector<std::string> gathered;
  if (rank_ != 0) return gathered;
  for (int r = 0; r < size_; ++r) gathered.push_back(all.substr(offsets[r], sizes[r]));
  return gathered;
}

absl::Status MpiGroup::Barrier() {
  MPI_Request request;
  MPI_Ibarrier(impl_->comm, &request);
  impl_->pending.push_back(request);
  return WaitAll("the other ranks to finish the epoch", /*sleep_between_tests=*/true);
}

void Abort(const std::string& message) {
  int world = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &world);
  std::fprintf(stderr, "rank %d: %s\n", world, message.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();
}

}  // namespace gan::distributed
