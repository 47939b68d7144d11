// Google Benchmark links and runs: a registered benchmark is executed and its
// result reaches a reporter.
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "gtest/gtest.h"

namespace {

void BM_SumOfSquares(benchmark::State& state) {
  for (auto _ : state) {
    long sum = 0;
    for (long i = 0; i < state.range(0); ++i) sum += i * i;
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_SumOfSquares)->Arg(64);

class RecordingReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) names.push_back(run.benchmark_name());
    for (const Run& run : runs) iterations += run.iterations;
  }
  std::vector<std::string> names;
  long iterations = 0;
};

TEST(BenchmarkSmokeTest, RegisteredBenchmarkRuns) {
  int argc = 2;
  char arg0[] = "smoke";
  char arg1[] = "--benchmark_min_time=0.01";
  char* argv[] = {arg0, arg1, nullptr};
  benchmark::Initialize(&argc, argv);
  RecordingReporter reporter;
  size_t ran = benchmark::RunSpecifiedBenchmarks(&reporter);
  EXPECT_EQ(ran, 1u);
  ASSERT_EQ(reporter.names.size(), 1u);
  EXPECT_EQ(reporter.names[0], "BM_SumOfSquares/64");
  EXPECT_GT(reporter.iterations, 0);
}

}  // namespace
