// Speed of one training iteration of the paper's MNIST model at batch 100, in
// both update modes. Reports GFLOP/s over the matrix products the iteration
// must do (AdversarialStep::MatmulFlops) and the epoch time it implies.
//
// On this shared virtual machine a whole process runs 10-30 % slower at times
// (the same binary: 22-23 ms or 29-32 ms a step, steady within a process), so
// compare medians over several invocations, not one run:
//   bazel run //gan:adversarial_step_benchmark -- --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "gan/adversarial_step.h"
#include "gan/experiment.h"
#include "oneapi/dnnl/dnnl.h"

namespace gan {
namespace {

void BM_MnistIteration(benchmark::State& state, proto::UpdateMode mode) {
  absl::StatusOr<proto::Experiment> loaded = LoadExperimentFile("experiments/mnist.pbtxt");
  if (!loaded.ok()) {
    state.SkipWithError(std::string(loaded.status().message()).c_str());
    return;
  }
  proto::Experiment experiment = *loaded;
  experiment.set_update_mode(mode);
  const std::vector<float> pixel_mean(784, 0.13f);
  auto g = BuildMlp(experiment.generator(), experiment.noise_dim(), 1, &pixel_mean).value();
  auto d = BuildMlp(experiment.discriminator(), 784, 2).value();
  auto g_opt = MakeOptimizer(experiment.generator_optimizer(), g->Parameters()).value();
  auto d_opt = MakeOptimizer(experiment.discriminator_optimizer(), d->Parameters()).value();
  // Stand-in data: a fixed pool of random images, cycled.
  constexpr int kPool = 8;
  std::vector<float> pool(kPool * 100 * 784);
  Rng(3).FillUniform(pool.data(), static_cast<int64_t>(pool.size()), 0.0f, 1.0f);
  int next = 0;
  Rng noise(4);
  AdversarialStep step(*g, *d, *g_opt, *d_opt, experiment, noise, [&] {
    next = (next + 1) % kPool;
    return pool.data() + next * 100 * 784;
  });
  step.Run();  // warm-up: first-use JIT of oneDNN kernels
  for (auto _ : state) step.Run();
  const double flops = step.MatmulFlops();
  state.counters["GFLOP/step"] = flops / 1e9;
  state.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["s/epoch(500 steps)"] =
      benchmark::Counter(1.0 / 500, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

BENCHMARK_CAPTURE(BM_MnistIteration, alternating, proto::ALTERNATING)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_MnistIteration, simultaneous, proto::SIMULTANEOUS)->Unit(benchmark::kMillisecond)->UseRealTime();

// The reference for the figure above: the same matrix products as one
// alternating iteration, each one plain dnnl_sgemm call on buffers made once
// (no activations, no losses, no updates). Its GFLOP/s is this machine's
// single-precision GEMM rate at the model's shapes.
struct Gemm {
  char trans_a, trans_b;
  int64_t m, n, k;
};

void AddAffine(std::vector<Gemm>& gemms, int64_t rows, int64_t in, int64_t out, bool forward, bool data, bool weights) {
  if (forward) gemms.push_back({'N', 'N', rows, out, in});  // y[rows, out] = x[rows, in] W[in, out]
  if (data) gemms.push_back({'N', 'T', rows, in, out});     // dx[rows, in] = dz[rows, out] W^T
  if (weights) gemms.push_back({'T', 'N', in, out, rows});  // dW[in, out] = x^T dz
}

void BM_MnistIterationGemmsOnly(benchmark::State& state) {
  const int64_t m = 100;
  const std::vector<std::pair<int64_t, int64_t>> g = {{100, 1200}, {1200, 1200}, {1200, 784}};
  const std::vector<std::pair<int64_t, int64_t>> d = {{784, 1200}, {240, 1200}, {240, 1}};
  std::vector<Gemm> gemms;
  // D update: G forward; D forward, backward weights, backward data but the first layer's (2m rows).
  for (auto [in, out] : g) AddAffine(gemms, m, in, out, true, false, false);
  for (size_t i = 0; i < d.size(); ++i) AddAffine(gemms, 2 * m, d[i].first, d[i].second, true, i > 0, true);
  // G update: G forward; D forward and backward data (m rows); G backward.
  for (size_t i = 0; i < d.size(); ++i) AddAffine(gemms, m, d[i].first, d[i].second, true, true, false);
  for (size_t i = 0; i < g.size(); ++i) AddAffine(gemms, m, g[i].first, g[i].second, true, i > 0, true);
  double flops = 0;
  size_t largest = 0;
  for (const Gemm& x : gemms) {
    flops += 2.0 * x.m * x.n * x.k;
    largest = std::max<size_t>(largest, std::max({x.m * x.k, x.k * x.n, x.m * x.n}));
  }
  std::vector<float> a(largest, 0.01f), b(largest, 0.02f), c(largest);
  for (auto _ : state) {
    for (const Gemm& x : gemms) {
      const int64_t lda = x.trans_a == 'N' ? x.k : x.m, ldb = x.trans_b == 'N' ? x.n : x.k;
      dnnl_sgemm(x.trans_a, x.trans_b, x.m, x.n, x.k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), x.n);
    }
  }
  state.counters["GFLOP/step"] = flops / 1e9;
  state.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_MnistIterationGemmsOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

// The part of an iteration that is not matrix products: one SGD update of
// both nets' parameters (memory-bound: reads w, g, v and writes w, v).
void BM_MnistSgdUpdate(benchmark::State& state) {
  proto::Experiment experiment = LoadExperimentFile("experiments/mnist.pbtxt").value();
  const std::vector<float> pixel_mean(784, 0.13f);
  auto g = BuildMlp(experiment.generator(), experiment.noise_dim(), 1, &pixel_mean).value();
  auto d = BuildMlp(experiment.discriminator(), 784, 2).value();
  auto g_opt = MakeOptimizer(experiment.generator_optimizer(), g->Parameters()).value();
  auto d_opt = MakeOptimizer(experiment.discriminator_optimizer(), d->Parameters()).value();
  for (auto _ : state) {
    g_opt->Step();
    d_opt->Step();
  }
}
BENCHMARK(BM_MnistSgdUpdate)->Unit(benchmark::kMillisecond)->UseRealTime();

// The discriminator's forward and backward at 2m rows, dropout included.
void BM_MnistDiscriminatorPass(benchmark::State& state) {
  proto::Experiment experiment = LoadExperimentFile("experiments/mnist.pbtxt").value();
  auto d = BuildMlp(experiment.discriminator(), 784, 2).value();
  Rng(5).FillUniform(d->Input(200), 200 * 784, 0.0f, 1.0f);
  for (auto _ : state) {
    d->Forward(200, true);
    std::fill(d->OutputGrad(200), d->OutputGrad(200) + 200, 0.01f);
    d->Backward(200, false, true);
  }
}
BENCHMARK(BM_MnistDiscriminatorPass)->Unit(benchmark::kMillisecond)->UseRealTime();

// The generator's inference forward (Mlp::Infer) on 100 noise vectors: what
// an exported model's runtime does per call (export/run_onnxruntime.js
// reports ONNX Runtime's mean latency for the same batch).
void BM_MnistGeneratorInference(benchmark::State& state) {
  proto::Experiment experiment = LoadExperimentFile("experiments/mnist.pbtxt").value();
  const std::vector<float> pixel_mean(784, 0.13f);
  auto g = BuildMlp(experiment.generator(), experiment.noise_dim(), 1, &pixel_mean).value();
  std::vector<float> z(100 * experiment.noise_dim());
  Rng(6).FillNormal(z.data(), static_cast<int64_t>(z.size()));
  for (auto _ : state) benchmark::DoNotOptimize(g->Infer(z.data(), 100).data());
}
BENCHMARK(BM_MnistGeneratorInference)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace gan
