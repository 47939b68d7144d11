// The data-parallel step (gan/learners/adversarial_step.h) on a group of
// ranks against the step one process takes. Run under mpirun (the sh_test
// sharded_step_mpi_test does: 2 ranks); alone, it checks a group of one.
//
// Each rank builds the paper's MNIST G and D from the same seed, runs a few
// iterations of both update modes on the same data with its share of every
// batch, and rank 0 also runs them alone. Tolerance: the group sums each
// gradient in another order than the one process's products, a relative
// rounding of about 1e-7 per value; after kSteps SGD steps the parameters
// must agree to within one float rounding of the largest of them (kTolerance,
// 2^-23 of it; seen: 6e-9 and 1.1e-8 on 2 ranks), while a missing sum or a
// wrong slice moves them by more than 100 times that (seen: 6e-5 to 2.5e-4),
// which the last test checks, so the comparison can fail.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "base/content_hash.h"
#include "distributed/group.h"
#include "distributed/mpi_group.h"
#include "gan/learners/adversarial_step.h"
#include "gan/nets/build.h"
#include "gan/spec/experiment.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

distributed::Group* world = nullptr;  // set by main: the MPI world, or Solo()

constexpr int kSteps = 3;
constexpr double kTolerance = 0x1p-23;

// A group that passes everything to `inner` but one fault, to show the
// comparison catches it.
class FaultyGroup : public distributed::Group {
 public:
  enum class Fault { kNoSum, kWrongSlice };
  FaultyGroup(distributed::Group& inner, Fault fault) : inner_(inner), fault_(fault) {}
  int rank() const override {
    return fault_ == Fault::kWrongSlice ? 0 : inner_.rank();  // every rank computes the first slice
  }
  int size() const override { return inner_.size(); }
  void StartSum(float* values, int64_t n) override {
    if (fault_ != Fault::kNoSum) inner_.StartSum(values, n);
  }
  absl::Status FinishSums() override { return inner_.FinishSums(); }
  absl::Status SumDoubles(double* values, int n) override { return inner_.SumDoubles(values, n); }
  absl::Status Broadcast(std::string& bytes) override { return inner_.Broadcast(bytes); }
  absl::StatusOr<std::vector<uint64_t>> AllGather(uint64_t value) override { return inner_.AllGather(value); }
  absl::Status Barrier() override { return inner_.Barrier(); }

 private:
  distributed::Group& inner_;
  Fault fault_;
};

// The paper's MNIST nets and SGD with momentum, trained kSteps iterations on a
// fixed pool of data batches by `group`; returns every parameter, G's then D's.
std::vector<float> Train(proto::UpdateMode mode, distributed::Group& group) {
  proto::Experiment experiment = LoadExperimentFile("experiments/mnist.pbtxt").value();
  experiment.set_update_mode(mode);
  experiment.set_discriminator_steps(1);
  const std::vector<float> mean(784, 0.13f);
  std::unique_ptr<Mlp> g = BuildMlp(experiment.generator(), Shape::Flat(experiment.noise_dim()), 11, &mean).value();
  std::unique_ptr<Mlp> d = BuildMlp(experiment.discriminator(), Shape::Flat(784), 12).value();
  std::unique_ptr<Optimizer> g_opt = MakeOptimizer(experiment.generator_optimizer(), g->Parameters()).value();
  std::unique_ptr<Optimizer> d_opt = MakeOptimizer(experiment.discriminator_optimizer(), d->Parameters()).value();
  g_opt->StartEpoch(1);
  d_opt->StartEpoch(1);
  const int64_t batch_values = experiment.batch_size() * 784;
  std::vector<float> pool(4 * batch_values);
  Rng(5).FillUniform(pool.data(), static_cast<int64_t>(pool.size()), 0.0f, 1.0f);
  int next = 0;
  Rng noise(6);
  AdversarialStep step(*g, *d, experiment, noise, [&] { return pool.data() + (next++ % 4) * batch_values; }, group);
  for (int i = 0; i < kSteps; ++i) EXPECT_TRUE(step.Run(*g_opt, *d_opt).ok());
  std::vector<float> params;
  for (Mlp* net : {g.get(), d.get()}) {
    for (const ParameterRef& p : net->Parameters()) params.insert(params.end(), p.value, p.value + p.size);
  }
  return params;
}

// max |a - b| / max |b|.
double RelativeDifference(const std::vector<float>& a, const std::vector<float>& b) {
  double largest = 0, difference = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    largest = std::max(largest, std::abs(static_cast<double>(b[i])));
    difference = std::max(difference, std::abs(static_cast<double>(a[i]) - b[i]));
  }
  return difference / largest;
}

// The same on every rank: its parameters' digest, gathered.
bool SameOnEveryRank(const std::vector<float>& params) {
  const uint64_t digest = base::Fnv1a(params.data(), params.size() * sizeof(float));
  const std::vector<uint64_t> digests = world->AllGather(digest).value();
  return std::all_of(digests.begin(), digests.end(), [&](uint64_t d) { return d == digests[0]; });
}

class ShardedStepTest : public ::testing::TestWithParam<proto::UpdateMode> {};

TEST_P(ShardedStepTest, GroupTakesTheStepOfOneProcess) {
  const std::vector<float> shared = Train(GetParam(), *world);
  EXPECT_TRUE(SameOnEveryRank(shared));
  if (world->leads()) {
    const std::vector<float> alone = Train(GetParam(), distributed::Solo());
    const double difference = RelativeDifference(shared, alone);
    std::fprintf(stderr, "%d ranks against one process after %d steps: relative difference %.3g\n", world->size(), kSteps, difference);
    EXPECT_LE(difference, kTolerance);
    if (world->size() == 1) {
      EXPECT_EQ(difference, 0);  // a group of one is one process
    }
  }
}

TEST_P(ShardedStepTest, FixedRanksReproduceTheirBits) {
  const std::vector<float> first = Train(GetParam(), *world);
  const std::vector<float> second = Train(GetParam(), *world);
  EXPECT_TRUE(first == second);
}

TEST_P(ShardedStepTest, MissingSumOrWrongSliceIsCaught) {
  if (world->size() == 1) {
    GTEST_SKIP() << "needs 2 ranks or more";
  }
  for (FaultyGroup::Fault fault : {FaultyGroup::Fault::kNoSum, FaultyGroup::Fault::kWrongSlice}) {
    FaultyGroup faulty(*world, fault);
    const std::vector<float> shared = Train(GetParam(), faulty);
    if (world->leads()) {
      const std::vector<float> alone = Train(GetParam(), distributed::Solo());
      const double difference = RelativeDifference(shared, alone);
      std::fprintf(stderr, "fault %d: relative difference %.3g\n", static_cast<int>(fault), difference);
      EXPECT_GT(difference, 100 * kTolerance);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(UpdateModes, ShardedStepTest, ::testing::Values(proto::SIMULTANEOUS, proto::ALTERNATING),
                         [](const auto& info) { return std::string(UpdateModeName(info.param)); });

}  // namespace
}  // namespace gan

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::unique_ptr<gan::distributed::MpiGroup> mpi;
  if (gan::distributed::LaunchedByMpirun()) mpi = gan::distributed::JoinWorld(60).value();
  gan::world = mpi != nullptr ? mpi.get() : &gan::distributed::Solo();
  // Every rank runs every test (they are collective); rank 0 reports.
  if (!gan::world->leads()) {
    ::testing::TestEventListeners& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS();
  // Every rank's result: the job fails if any rank's does.
  double failures = failed != 0 ? 1 : 0;
  if (!gan::world->SumDoubles(&failures, 1).ok()) return 1;
  return failures > 0 ? 1 : 0;
}
