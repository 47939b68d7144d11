#ifndef DISTRIBUTED_MPI_GROUP_H_
#define DISTRIBUTED_MPI_GROUP_H_

// Groups of processes on Open MPI: the only file of the project that includes
// mpi.h is mpi_group.cc. A program launched by mpirun joins the world (all its
// processes) with JoinWorld, may split it into groups that each train their
// own run (a sweep), and hands a Group (distributed/group.h) to the training.
//
// Every wait has a deadline: a rank that stops answering (hung, stopped, or
// cut off) turns into an error on the others within `timeout_seconds`, and
// the program then ends the whole job with Abort, so nothing hangs. A rank
// that dies is noticed by mpirun itself, which ends the others and names it.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "distributed/group.h"

namespace gan::distributed {

// Whether this process was started by mpirun (or another launcher of Open
// MPI's runtime): only then does JoinWorld start MPI.
bool LaunchedByMpirun();

class MpiGroup : public Group {
 public:
  ~MpiGroup() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void StartSum(float* values, int64_t n) override;
  void Progress() override;
  absl::Status FinishSums() override;
  absl::Status SumDoubles(double* values, int n) override;
  absl::Status Broadcast(std::string& bytes) override;
  absl::StatusOr<std::vector<uint64_t>> AllGather(uint64_t value) override;
  absl::Status Barrier() override;

  // Every rank's `bytes`, in rank order, on rank 0 (empty elsewhere). It
  // waits without a deadline, as long as the slowest rank takes to arrive
  // (the end of a sweep, whose runs end at different times; a run's own
  // group notices its hung ranks).
  absl::StatusOr<std::vector<std::string>> GatherToLead(const std::string& bytes);
  // This group's ranks split into groups by `color` (ranks of one color form
  // one group, ordered by their rank here). Collective: every rank calls it.
  absl::StatusOr<std::unique_ptr<MpiGroup>> Split(int color);
  // The rank of this process in the world (for messages).
  int world_rank() const;

 private:
  friend absl::StatusOr<std::unique_ptr<MpiGroup>> JoinWorld(double timeout_seconds);
  struct Impl;
  MpiGroup(std::unique_ptr<Impl> impl, int rank, int size);
  // Waits for the pending requests, failing after the timeout with `what`.
  absl::Status WaitAll(const char* what, bool sleep_between_tests, bool deadline = true);

  std::unique_ptr<Impl> impl_;
  int rank_, size_;
};

// Starts MPI and returns the group of every process of the job; MPI ends
// when the world group is destroyed. Call once, only when LaunchedByMpirun().
// From then on the process keeps the memory it frees (see mpi_group.cc).
absl::StatusOr<std::unique_ptr<MpiGroup>> JoinWorld(double timeout_seconds);

// Prints "rank R: message" and ends every process of the job (MPI_Abort).
[[noreturn]] void Abort(const std::string& message);

}  // namespace gan::distributed

#endif  // DISTRIBUTED_MPI_GROUP_H_
