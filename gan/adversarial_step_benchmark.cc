// Speed of one training iteration of the paper's MNIST model at batch 100, in
// both update modes. Reports GFLOP/s over the matrix products the iteration
// must do (AdversarialStep::MatmulFlops) and the epoch time it implies.
//
// On this shared virtual machine a whole process runs 10-30 % slower at times
// (the same binary: 22-23 ms or 29-32 ms a step, steady within a process), so
// compare medians over several invocations, not one run:
//   bazel run //gan:adversarial_step_benchmark -- --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
// BM_MnistIterationAgainstGemms gives the iteration's share of this machine's
// GEMM rate from one process, alternating between the two.
#include <algorithm>
#include <chrono>
#include <cmath>
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

// The paper's MNIST model and its optimisers in an AdversarialStep, on stand-in
// data: a fixed pool of random images, cycled.
struct MnistStep {
  proto::Experiment experiment;
  std::unique_ptr<Mlp> g, d;
  std::unique_ptr<Optimizer> g_opt, d_opt;
  std::vector<float> pool;
  int next = 0;
  Rng noise{4};
  std::unique_ptr<AdversarialStep> step;
  void Run() { step->Run(*g_opt, *d_opt); }
};

// Null, with the reason given to `state`, when the experiment file cannot be read.
std::unique_ptr<MnistStep> MakeMnistStep(proto::UpdateMode mode, benchmark::State& state) {
  absl::StatusOr<proto::Experiment> loaded = LoadExperimentFile("experiments/mnist.pbtxt");
  if (!loaded.ok()) {
    state.SkipWithError(std::string(loaded.status().message()).c_str());
    return nullptr;
  }
  auto s = std::make_unique<MnistStep>();
  s->experiment = *loaded;
  s->experiment.set_update_mode(mode);
  const std::vector<float> pixel_mean(784, 0.13f);
  s->g = BuildMlp(s->experiment.generator(), Shape::Flat(s->experiment.noise_dim()), 1, &pixel_mean).value();
  s->d = BuildMlp(s->experiment.discriminator(), Shape::Flat(784), 2).value();
  s->g_opt = MakeOptimizer(s->experiment.generator_optimizer(), s->g->Parameters()).value();
  s->d_opt = MakeOptimizer(s->experiment.discriminator_optimizer(), s->d->Parameters()).value();
  constexpr int kPool = 8;
  s->pool.resize(kPool * 100 * 784);
  Rng(3).FillUniform(s->pool.data(), static_cast<int64_t>(s->pool.size()), 0.0f, 1.0f);
  MnistStep* raw = s.get();
  s->step = std::make_unique<AdversarialStep>(*s->g, *s->d, s->experiment, s->noise, [raw] {
    raw->next = (raw->next + 1) % kPool;
    return raw->pool.data() + raw->next * 100 * 784;
  });
  s->Run();  // warm-up: first-use JIT of oneDNN kernels
  return s;
}

void BM_MnistIteration(benchmark::State& state, proto::UpdateMode mode) {
  std::unique_ptr<MnistStep> s = MakeMnistStep(mode, state);
  if (s == nullptr) return;
  for (auto _ : state) s->Run();
  const double flops = s->step->MatmulFlops();
  state.counters["GFLOP/step"] = flops / 1e9;
  state.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["s/epoch(500 steps)"] =
      benchmark::Counter(1.0 / 500, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

BENCHMARK_CAPTURE(BM_MnistIteration, alternating, proto::ALTERNATING)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_MnistIteration, simultaneous, proto::SIMULTANEOUS)->Unit(benchmark::kMillisecond)->UseRealTime();

// The reference for the figure above: the same matrix products as one
// alternating iteration, each one plain dnnl_sgemm call on buffers made once
// (no activations, no losses, no updates). Its rate is this machine's
// single-precision GEMM rate at the model's shapes.
class GemmReference {
 public:
  GemmReference() {
    const int64_t m = 100;
    const std::vector<std::pair<int64_t, int64_t>> g = {{100, 1200}, {1200, 1200}, {1200, 784}};
    const std::vector<std::pair<int64_t, int64_t>> d = {{784, 1200}, {240, 1200}, {240, 1}};
    // D update: G forward; D forward, backward weights, backward data but the first layer's (2m rows).
    for (auto [in, out] : g) AddAffine(m, in, out, true, false, false);
    for (size_t i = 0; i < d.size(); ++i) AddAffine(2 * m, d[i].first, d[i].second, true, i > 0, true);
    // G update: G forward; D forward and backward data (m rows); G backward.
    for (size_t i = 0; i < d.size(); ++i) AddAffine(m, d[i].first, d[i].second, true, true, false);
    for (size_t i = 0; i < g.size(); ++i) AddAffine(m, g[i].first, g[i].second, true, i > 0, true);
    size_t largest = 0;
    for (const Gemm& x : gemms_) {
      flops_ += 2.0 * x.m * x.n * x.k;
      largest = std::max<size_t>(largest, std::max({x.m * x.k, x.k * x.n, x.m * x.n}));
    }
    a_.assign(largest, 0.01f);
    b_.assign(largest, 0.02f);
    c_.assign(largest, 0.0f);
  }

  double flops() const { return flops_; }

  void Run() {
    for (const Gemm& x : gemms_) {
      const int64_t lda = x.trans_a == 'N' ? x.k : x.m, ldb = x.trans_b == 'N' ? x.n : x.k;
      dnnl_sgemm(x.trans_a, x.trans_b, x.m, x.n, x.k, 1.0f, a_.data(), lda, b_.data(), ldb, 0.0f, c_.data(), x.n);
    }
  }

 private:
  struct Gemm {
    char trans_a, trans_b;
    int64_t m, n, k;
  };

  void AddAffine(int64_t rows, int64_t in, int64_t out, bool forward, bool data, bool weights) {
    if (forward) gemms_.push_back({'N', 'N', rows, out, in});  // y[rows, out] = x[rows, in] W[in, out]
    if (data) gemms_.push_back({'N', 'T', rows, in, out});     // dx[rows, in] = dz[rows, out] W^T
    if (weights) gemms_.push_back({'T', 'N', in, out, rows});  // dW[in, out] = x^T dz
  }

  std::vector<Gemm> gemms_;
  double flops_ = 0;
  std::vector<float> a_, b_, c_;
};

void BM_MnistIterationGemmsOnly(benchmark::State& state) {
  GemmReference reference;
  for (auto _ : state) reference.Run();
  state.counters["GFLOP/step"] = reference.flops() / 1e9;
  state.counters["GFLOP/s"] = benchmark::Counter(reference.flops() / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_MnistIterationGemmsOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

// The alternating iteration against its reference in one process, for the
// ratio of the two rates: blocks of 10 iterations and of 10 reference runs,
// alternated, each block timed after one untimed run that refills the caches
// the other block used. The machine's slow periods last seconds, so both sides
// see the same ones and the ratio varies less than between two benchmarks run
// one after the other.
void BM_MnistIterationAgainstGemms(benchmark::State& state) {
  std::unique_ptr<MnistStep> s = MakeMnistStep(proto::ALTERNATING, state);
  if (s == nullptr) return;
  GemmReference reference;
  if (std::abs(reference.flops() - s->step->MatmulFlops()) > 1e-9 * reference.flops()) {
    state.SkipWithError("the reference's products are not the iteration's");
    return;
  }
  constexpr int kBlock = 10;
  using Clock = std::chrono::steady_clock;
  Clock::duration step_time{}, reference_time{};
  for (auto _ : state) {
    s->Run();
    Clock::time_point start = Clock::now();
    for (int i = 0; i < kBlock; ++i) s->Run();
    step_time += Clock::now() - start;
    reference.Run();
    start = Clock::now();
    for (int i = 0; i < kBlock; ++i) reference.Run();
    reference_time += Clock::now() - start;
  }
  const double runs = static_cast<double>(state.iterations()) * kBlock;
  const double step_s = std::chrono::duration<double>(step_time).count() / runs;
  const double reference_s = std::chrono::duration<double>(reference_time).count() / runs;
  // Both do the same FLOPs, so the ratio of their rates is that of their times.
  state.counters["step_ms"] = 1e3 * step_s;
  state.counters["sgemm_ms"] = 1e3 * reference_s;
  state.counters["step_GFLOP/s"] = s->step->MatmulFlops() / step_s / 1e9;
  state.counters["%_of_sgemm_rate"] = 100 * reference_s / step_s;
}
BENCHMARK(BM_MnistIterationAgainstGemms)->Unit(benchmark::kMillisecond)->UseRealTime();

// The part of an iteration that is not matrix products: one SGD update of
// both nets' parameters (memory-bound: reads w, g, v and writes w, v).
void BM_MnistSgdUpdate(benchmark::State& state) {
  std::unique_ptr<MnistStep> s = MakeMnistStep(proto::ALTERNATING, state);
  if (s == nullptr) return;
  for (auto _ : state) {
    s->g_opt->Step();
    s->d_opt->Step();
  }
}
BENCHMARK(BM_MnistSgdUpdate)->Unit(benchmark::kMillisecond)->UseRealTime();

// Another part: one batch of the generator's noise, z [100, 100] standard
// normal; an alternating iteration draws two.
void BM_MnistNoiseBatch(benchmark::State& state) {
  std::vector<float> z(100 * 100);
  Rng rng(7);
  for (auto _ : state) {
    rng.FillNormal(z.data(), static_cast<int64_t>(z.size()));
    benchmark::DoNotOptimize(z.data());
  }
}
BENCHMARK(BM_MnistNoiseBatch)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The discriminator's forward and backward at 2m rows, dropout included.
void BM_MnistDiscriminatorPass(benchmark::State& state) {
  proto::Experiment experiment = LoadExperimentFile("experiments/mnist.pbtxt").value();
  auto d = BuildMlp(experiment.discriminator(), Shape::Flat(784), 2).value();
  const std::unique_ptr<MlpPass> pass = d->MakePass(200);
  Rng(5).FillUniform(pass->input(), 200 * 784, 0.0f, 1.0f);
  for (auto _ : state) {
    pass->Forward(true);
    std::fill(pass->output_grad(), pass->output_grad() + 200, 0.01f);
    pass->Backward(false, true);
  }
}
BENCHMARK(BM_MnistDiscriminatorPass)->Unit(benchmark::kMillisecond)->UseRealTime();

// The generator's inference forward (Inference) on 100 noise vectors: what
// an exported model's runtime does per call (export/run_onnxruntime.js
// reports ONNX Runtime's mean latency for the same batch).
void BM_MnistGeneratorInference(benchmark::State& state) {
  proto::Experiment experiment = LoadExperimentFile("experiments/mnist.pbtxt").value();
  const std::vector<float> pixel_mean(784, 0.13f);
  auto g = BuildMlp(experiment.generator(), Shape::Flat(experiment.noise_dim()), 1, &pixel_mean).value();
  std::vector<float> z(100 * experiment.noise_dim());
  Rng(6).FillNormal(z.data(), static_cast<int64_t>(z.size()));
  Inference inference(*g, 100);
  for (auto _ : state) benchmark::DoNotOptimize(inference.Run(z.data()).data());
}
BENCHMARK(BM_MnistGeneratorInference)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace gan
