#ifndef DISTRIBUTED_GROUP_H_
#define DISTRIBUTED_GROUP_H_

// The processes that train one model together (data parallelism, as Horovod
// and PyTorch DDP do it): each holds the same parameters, computes its slice
// of every batch, and takes the same update from gradients summed across the
// group. The collectives below are everything the processes exchange; the code
// that trains calls them and never MPI (distributed/mpi_group.h owns every MPI
// call). One process alone is a group of one whose collectives change nothing
// (Solo()), so the same training code runs with and without mpirun.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace gan::distributed {

class Group {
 public:
  virtual ~Group() = default;

  virtual int rank() const = 0;  // 0 .. size() - 1
  virtual int size() const = 0;
  // Rank 0 writes every output of a run (checkpoints, metrics, figures).
  bool leads() const { return rank() == 0; }

  // Starts summing values[0, n) in place across the group; the values must
  // not be read or written until FinishSums. Sums started in the same order on
  // every rank pair up; a sum may progress while the caller computes.
  virtual void StartSum(float* values, int64_t n) = 0;
  // Lets started sums advance now. Open MPI moves a non-blocking collective
  // only inside MPI calls, so a caller that computes while sums are pending
  // calls this between pieces of its work (the step: after each layer).
  virtual void Progress() {}
  // Waits for every sum started since the last call. An error (a rank that
  // stopped answering within the group's timeout) names the rank that waited
  // and what for; the group is unusable afterwards.
  virtual absl::Status FinishSums() = 0;
  // values[0, n) summed across the group, in place, at once (small arrays).
  virtual absl::Status SumDoubles(double* values, int n) = 0;
  // Rank 0's `bytes` on every rank.
  virtual absl::Status Broadcast(std::string& bytes) = 0;
  // Every rank's `value`, in rank order, on every rank.
  virtual absl::StatusOr<std::vector<uint64_t>> AllGather(uint64_t value) = 0;
  // Returns when every rank has called it. Waiting ranks sleep rather than
  // spin, so the rank still working (rank 0 writing a report) has the cores.
  virtual absl::Status Barrier() = 0;
};

// The group of one process: rank 0 of 1; every collective leaves its
// arguments as they are.
Group& Solo();

}  // namespace gan::distributed

#endif  // DISTRIBUTED_GROUP_H_
