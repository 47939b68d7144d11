// Speed figures of the data-parallel step (gan/learners/adversarial_step.h),
// alone or as one rank of an mpirun job; rank 0 prints one line:
//
//   OMP_NUM_THREADS=2 bazel-bin/gan/learners/sharded_step_benchmark --experiment=mnist
//   OMP_NUM_THREADS=1 mpirun -np 2 --bind-to none bazel-bin/gan/learners/sharded_step_benchmark --experiment=mnist
//
// step: the median wall time of one iteration on rank 0; wait: the median
// time per iteration spent waiting for the gradient sums to finish (what the
// overlap did not hide); sum alone: the median time of summing the same
// gradients across the ranks with nothing else running; hidden: 1 - wait /
// sum alone, the share of the communication the step's computation covered.
// --batch_per_rank makes the experiment's batch each rank's (the global batch
// grows with the ranks) instead of the global one.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "base/random.h"
#include "distributed/group.h"
#include "distributed/mpi_group.h"
#include "gan/learners/adversarial_step.h"
#include "gan/nets/build.h"
#include "gan/spec/experiment.h"

ABSL_FLAG(std::string, experiment, "mnist", "experiments/NAME.pbtxt");
ABSL_FLAG(int, steps, 20, "timed iterations (after 2 of warm-up)");
ABSL_FLAG(bool, batch_per_rank, false, "the experiment's batch is each rank's, not the global one");
ABSL_FLAG(std::string, label, "", "a name for the printed line (e.g. the transport)");

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point from) { return std::chrono::duration<double>(Clock::now() - from).count(); }

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Passes everything to the real group and adds up the time FinishSums waits.
class TimedGroup : public gan::distributed::Group {
 public:
  explicit TimedGroup(gan::distributed::Group& inner) : inner_(inner) {}
  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  void StartSum(float* values, int64_t n) override { inner_.StartSum(values, n); }
  void Progress() override { inner_.Progress(); }
  absl::Status FinishSums() override {
    const Clock::time_point start = Clock::now();
    absl::Status status = inner_.FinishSums();
    waited += Seconds(start);
    return status;
  }
  absl::Status SumDoubles(double* values, int n) override { return inner_.SumDoubles(values, n); }
  absl::Status Broadcast(std::string& bytes) override { return inner_.Broadcast(bytes); }
  absl::StatusOr<std::vector<uint64_t>> AllGather(uint64_t value) override { return inner_.AllGather(value); }
  absl::Status Barrier() override { return inner_.Barrier(); }
  double waited = 0;

 private:
  gan::distributed::Group& inner_;
};

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "sharded_step_benchmark: %s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::unique_ptr<gan::distributed::MpiGroup> world;
  if (gan::distributed::LaunchedByMpirun()) {
    absl::StatusOr<std::unique_ptr<gan::distributed::MpiGroup>> joined = gan::distributed::JoinWorld(120);
    if (!joined.ok()) return Fail(joined.status());
    world = *std::move(joined);
  }
  gan::distributed::Group& group = world != nullptr ? *world : gan::distributed::Solo();
  TimedGroup timed(group);

  absl::StatusOr<gan::proto::Experiment> loaded =
      gan::LoadExperimentFile("experiments/" + absl::GetFlag(FLAGS_experiment) + ".pbtxt");
  if (!loaded.ok()) return Fail(loaded.status());
  gan::proto::Experiment experiment = *loaded;
  if (absl::GetFlag(FLAGS_batch_per_rank)) experiment.set_batch_size(experiment.batch_size() * group.size());
  if (experiment.batch_size() % group.size() != 0) return Fail(absl::InvalidArgumentError("the ranks do not divide the batch"));

  // G and D as a run builds them; data: a pool of uniform images.
  const gan::Shape noise = gan::Shape::Flat(experiment.noise_dim());
  const std::vector<float> mean(gan::OutputShape(experiment.generator(), noise).value().size(), 0.3f);
  std::unique_ptr<gan::Mlp> g = gan::BuildMlp(experiment.generator(), noise, 1, &mean).value();
  std::unique_ptr<gan::Mlp> d = gan::BuildMlp(experiment.discriminator(), g->output_shape(), 2).value();
  std::unique_ptr<gan::Optimizer> g_opt = gan::MakeOptimizer(experiment.generator_optimizer(), g->Parameters()).value();
  std::unique_ptr<gan::Optimizer> d_opt = gan::MakeOptimizer(experiment.discriminator_optimizer(), d->Parameters()).value();
  g_opt->StartEpoch(1);
  d_opt->StartEpoch(1);
  const int64_t batch_values = experiment.batch_size() * g->output_dim();
  std::vector<float> pool(4 * batch_values);
  gan::Rng(3).FillUniform(pool.data(), static_cast<int64_t>(pool.size()), 0.0f, 1.0f);
  int next = 0;
  gan::Rng noise_rng(4);
  gan::AdversarialStep step(*g, *d, experiment, noise_rng, [&] { return pool.data() + (next++ % 4) * batch_values; }, timed);

  // The iterations.
  std::vector<double> step_seconds, wait_seconds;
  for (int i = 0; i < 2 + absl::GetFlag(FLAGS_steps); ++i) {
    timed.waited = 0;
    const Clock::time_point start = Clock::now();
    if (absl::StatusOr<gan::StepStats> stats = step.Run(*g_opt, *d_opt); !stats.ok()) return Fail(stats.status());
    if (i < 2) continue;
    step_seconds.push_back(Seconds(start));
    wait_seconds.push_back(timed.waited);
  }
  // The same gradients summed with nothing else running, each time from a common start.
  std::vector<float*> tensors;
  std::vector<int64_t> sizes;
  double bytes = 0;
  for (gan::Mlp* net : {d.get(), g.get()}) {
    for (const gan::ParameterRef& p : net->Parameters()) {
      tensors.push_back(p.grad);
      sizes.push_back(p.size);
      bytes += 4.0 * p.size;
    }
  }
  std::vector<double> sum_seconds;
  for (int i = 0; i < 10 && group.size() > 1; ++i) {
    double sync = 0;
    if (absl::Status s = group.SumDoubles(&sync, 1); !s.ok()) return Fail(s);
    const Clock::time_point start = Clock::now();
    for (size_t t = 0; t < tensors.size(); ++t) group.StartSum(tensors[t], sizes[t]);
    if (absl::Status s = group.FinishSums(); !s.ok()) return Fail(s);
    sum_seconds.push_back(Seconds(start));
  }
  if (group.leads()) {
    const double step_ms = 1e3 * Median(step_seconds), wait_ms = 1e3 * Median(wait_seconds);
    const double sum_ms = sum_seconds.empty() ? 0 : 1e3 * Median(sum_seconds);
    std::printf("%-14s %-8s ranks %d  threads %s  global batch %4d  step %8.2f ms  wait %7.2f ms  sum alone %7.2f ms  "
                "hidden %s  gradients %.1f MB in %zu tensors per update\n",
                experiment.name().c_str(), absl::GetFlag(FLAGS_label).c_str(), group.size(),
                std::getenv("OMP_NUM_THREADS") != nullptr ? std::getenv("OMP_NUM_THREADS") : "all", experiment.batch_size(),
                step_ms, wait_ms, sum_ms, sum_ms > 0 ? absl::StrFormat("%3.0f %%", 100 * std::max(0.0, 1 - wait_ms / sum_ms)).c_str() : "  -  ",
                bytes / 1e6, tensors.size());
  }
  return 0;
}
