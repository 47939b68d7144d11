// Speed of one training iteration of the paper's MNIST model at batch 100, in
// both update modes, and of the authors' convolutional CIFAR-10 model at batch
// 128. Reports GFLOP/s over the matrix products and convolutions the
// iteration must do (AdversarialStep::MatmulFlops) and the epoch time it
// implies. A peer in PyTorch: benchmarks/pytorch_step.py.
//
// On this shared virtual machine a whole process runs 10-30 % slower at times
// (the same binary: 22-23 ms or 29-32 ms a step, steady within a process), so
// compare medians over several invocations, not one run:
//   bazel run //gan/learners:adversarial_step_benchmark -- --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
// BM_MnistIterationAgainstGemms gives the iteration's share of this machine's
// GEMM rate from one process, alternating between the two.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "gan/learners/adversarial_step.h"
#include "gan/nets/build.h"
#include "gan/spec/experiment.h"
#include "oneapi/dnnl/dnnl.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace gan {
namespace {

// An experiment's G and D and their optimisers in an AdversarialStep, on
// stand-in data: a fixed pool of random images, cycled.
struct ExperimentStep {
  proto::Experiment experiment;
  std::unique_ptr<Mlp> g, d;
  std::unique_ptr<Optimizer> g_opt, d_opt;
  std::vector<float> pool;
  int next = 0;
  Rng noise{4};
  std::unique_ptr<AdversarialStep> step;
  void Run() {
    if (!step->Run(*g_opt, *d_opt).ok()) std::abort();  // alone, a step cannot fail
  }
};

// How the optimisers update (gan/spec/experiment.proto, SgdMomentum.fold_into_products).
enum class Sgd { kPlain, kFolded };

// Null, with the reason given to `state`, when the experiment file cannot be
// read or the processor cannot run the products' precision.
std::unique_ptr<ExperimentStep> MakeStep(const char* path, proto::UpdateMode mode, benchmark::State& state,
                                         Sgd sgd = Sgd::kPlain, Products products = Products::kFp32) {
  absl::StatusOr<proto::Experiment> loaded = LoadExperimentFile(path);
  if (!loaded.ok()) {
    state.SkipWithError(std::string(loaded.status().message()).c_str());
    return nullptr;
  }
  auto s = std::make_unique<ExperimentStep>();
  s->experiment = *loaded;
  s->experiment.set_update_mode(mode);
  for (proto::Optimizer* o : {s->experiment.mutable_generator_optimizer(), s->experiment.mutable_discriminator_optimizer()}) {
    if (o->has_sgd()) o->mutable_sgd()->set_fold_into_products(sgd == Sgd::kFolded);
  }
  const Shape noise = Shape::Flat(s->experiment.noise_dim());
  const absl::StatusOr<Shape> image = OutputShape(s->experiment.generator(), noise);
  const std::vector<float> pixel_mean(image->size(), 0.13f);
  s->g = BuildMlp(s->experiment.generator(), noise, 1, &pixel_mean).value();
  s->d = BuildMlp(s->experiment.discriminator(), s->g->output_shape(), 2).value();
  for (Mlp* net : {s->g.get(), s->d.get()}) {
    if (absl::Status set = net->SetProducts(products); !set.ok()) {
      state.SkipWithError(std::string(set.message()).c_str());
      return nullptr;
    }
  }
  s->g_opt = MakeOptimizer(s->experiment.generator_optimizer(), s->g->Parameters()).value();
  s->d_opt = MakeOptimizer(s->experiment.discriminator_optimizer(), s->d->Parameters()).value();
  constexpr int kPool = 8;
  const int64_t batch_values = s->experiment.batch_size() * image->size();
  s->pool.resize(kPool * batch_values);
  Rng(3).FillUniform(s->pool.data(), static_cast<int64_t>(s->pool.size()), 0.0f, 1.0f);
  ExperimentStep* raw = s.get();
  s->step = std::make_unique<AdversarialStep>(*s->g, *s->d, s->experiment, s->noise, [raw, batch_values] {
    raw->next = (raw->next + 1) % kPool;
    return raw->pool.data() + raw->next * batch_values;
  });
  s->Run();  // warm-up: first-use JIT of oneDNN kernels
  return s;
}

std::unique_ptr<ExperimentStep> MakeMnistStep(proto::UpdateMode mode, benchmark::State& state, Sgd sgd = Sgd::kPlain,
                                              Products products = Products::kFp32) {
  return MakeStep("experiments/mnist.pbtxt", mode, state, sgd, products);
}

void BM_MnistIteration(benchmark::State& state, proto::UpdateMode mode) {
  std::unique_ptr<ExperimentStep> s = MakeMnistStep(mode, state);
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

// One matrix product of an iteration, with its backward products: x [rows,
// in] times W [in, out]. A convolution counts as its im2col product: rows =
// examples x output positions, in = input channels x kernel area, out =
// output channels (a transposed convolution: rows = examples x input
// positions, in = input channels, out = output channels x kernel area).
struct Product {
  int64_t rows, in, out;
  bool forward, data, weights;  // which of its three products the iteration does
};

// The reference for an iteration's figures: its matrix products, each one
// plain dnnl_sgemm call on buffers made once (no activations, no losses, no
// updates, no reorders). Its rate is this machine's single-precision GEMM rate
// at the model's shapes. With Products::kBf16, each product is instead one
// oneDNN matmul primitive, made once, of bf16 operands into an fp32 result
// (the bf16 products' floor: no rounding reorders either).
class GemmReference {
 public:
  explicit GemmReference(const std::vector<Product>& products, Products precision = Products::kFp32) {
    for (const Product& p : products) {
      if (p.forward) gemms_.push_back({'N', 'N', p.rows, p.out, p.in});  // y[rows, out] = x[rows, in] W[in, out]
      if (p.data) gemms_.push_back({'N', 'T', p.rows, p.in, p.out});     // dx[rows, in] = dz[rows, out] W^T
      if (p.weights) gemms_.push_back({'T', 'N', p.in, p.out, p.rows});  // dW[in, out] = x^T dz
    }
    size_t largest = 0;
    for (const Gemm& x : gemms_) {
      flops_ += 2.0 * x.m * x.n * x.k;
      largest = std::max<size_t>(largest, std::max({x.m * x.k, x.k * x.n, x.m * x.n}));
    }
    a_.assign(largest, 0.01f);
    b_.assign(largest, 0.02f);
    c_.assign(largest, 0.0f);
    if (precision == Products::kBf16) {
      a_bf16_.assign(largest, 0x3c24);  // 0.01 in bf16
      b_bf16_.assign(largest, 0x3ca4);  // 0.02
      using dt = dnnl::memory::data_type;
      const dnnl::engine& engine = Cpu().engine;
      for (const Gemm& x : gemms_) {
        // Row-major operands; a transposed one is the same buffer with swapped strides.
        const dnnl::memory::desc a({x.m, x.k}, dt::bf16, x.trans_a == 'N' ? dnnl::memory::dims{x.k, 1} : dnnl::memory::dims{1, x.m});
        const dnnl::memory::desc b({x.k, x.n}, dt::bf16, x.trans_b == 'N' ? dnnl::memory::dims{x.n, 1} : dnnl::memory::dims{1, x.k});
        const dnnl::memory::desc c({x.m, x.n}, dt::f32, dnnl::memory::dims{x.n, 1});
        dnnl::matmul matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, c), engine));
        bf16_products_.push_back({matmul,
                                  {{DNNL_ARG_SRC, dnnl::memory(a, engine, a_bf16_.data())},
                                   {DNNL_ARG_WEIGHTS, dnnl::memory(b, engine, b_bf16_.data())},
                                   {DNNL_ARG_DST, dnnl::memory(c, engine, c_.data())}}});
      }
    }
  }

  double flops() const { return flops_; }

  void Run() {
    if (!bf16_products_.empty()) {
      for (auto& [matmul, args] : bf16_products_) matmul.execute(Cpu().stream, args);
      Cpu().stream.wait();
      return;
    }
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

  std::vector<Gemm> gemms_;
  double flops_ = 0;
  std::vector<float> a_, b_, c_;
  std::vector<uint16_t> a_bf16_, b_bf16_;
  std::vector<std::pair<dnnl::matmul, std::unordered_map<int, dnnl::memory>>> bf16_products_;
};

// The products of one alternating iteration (k = 1) of the paper's MNIST model.
std::vector<Product> MnistAlternatingProducts() {
  const int64_t m = 100;
  const std::vector<std::pair<int64_t, int64_t>> g = {{100, 1200}, {1200, 1200}, {1200, 784}};
  const std::vector<std::pair<int64_t, int64_t>> d = {{784, 1200}, {240, 1200}, {240, 1}};
  std::vector<Product> products;
  // D update: G forward; D forward, backward weights, backward data but the first layer's (2m rows).
  for (auto [in, out] : g) products.push_back({m, in, out, true, false, false});
  for (size_t i = 0; i < d.size(); ++i) products.push_back({2 * m, d[i].first, d[i].second, true, i > 0, true});
  // G update: G forward; D forward and backward data (m rows); G backward.
  for (auto [in, out] : d) products.push_back({m, in, out, true, true, false});
  for (size_t i = 0; i < g.size(); ++i) products.push_back({m, g[i].first, g[i].second, true, i > 0, true});
  return products;
}

// The products of one simultaneous iteration of the paper's MNIST model, as
// AdversarialStep::MatmulFlops counts them.
std::vector<Product> MnistSimultaneousProducts() {
  const int64_t m = 100;
  const std::vector<std::pair<int64_t, int64_t>> g = {{100, 1200}, {1200, 1200}, {1200, 784}};
  const std::vector<std::pair<int64_t, int64_t>> d = {{784, 1200}, {240, 1200}, {240, 1}};
  std::vector<Product> products;
  // The D objective over real and generated rows (2m): forward, backward
  // weights, backward data but the first layer's.
  for (size_t i = 0; i < d.size(); ++i) products.push_back({2 * m, d[i].first, d[i].second, true, i > 0, true});
  // The G objective: D's backward data for the generated rows (m), then G's
  // forward and backward (m rows).
  for (auto [in, out] : d) products.push_back({m, in, out, false, true, false});
  for (size_t i = 0; i < g.size(); ++i) products.push_back({m, g[i].first, g[i].second, true, i > 0, true});
  return products;
}

// The products of one simultaneous iteration of experiments/cifar10_conv.pbtxt
// (batch m = 128), as AdversarialStep::MatmulFlops counts them.
std::vector<Product> Cifar10ConvSimultaneousProducts() {
  const int64_t m = 128;
  struct Layer {
    int64_t positions, in, out;  // per example: output positions (im2col rows), inputs per position, outputs
  };
  // D: three convolutional maxout layers (33 x 33, 15 x 15, 9 x 9 positions), Maxout 500 x 5, Linear 1.
  const std::vector<Layer> d = {{33 * 33, 3 * 8 * 8, 64}, {15 * 15, 32 * 8 * 8, 64}, {9 * 9, 32 * 5 * 5, 384}, {1, 4800, 2500}, {1, 500, 1}};
  // G: Linear 100 -> 8000 -> 8000, then the transposed convolution from 80 x 10 x 10.
  const std::vector<Layer> g = {{1, 100, 8000}, {1, 8000, 8000}, {10 * 10, 80, 3 * 5 * 5}};
  std::vector<Product> products;
  // The D objective over real and generated rows (2m): forward, backward
  // weights, backward data but the first layer's.
  for (size_t i = 0; i < d.size(); ++i) products.push_back({2 * m * d[i].positions, d[i].in, d[i].out, true, i > 0, true});
  // The G objective: D's backward data for the generated rows (m), then G's
  // forward and backward (m rows).
  for (const Layer& l : d) products.push_back({m * l.positions, l.in, l.out, false, true, false});
  for (size_t i = 0; i < g.size(); ++i) products.push_back({m * g[i].positions, g[i].in, g[i].out, true, i > 0, true});
  return products;
}

void BM_MnistIterationGemmsOnly(benchmark::State& state) {
  GemmReference reference(MnistAlternatingProducts());
  for (auto _ : state) reference.Run();
  state.counters["GFLOP/step"] = reference.flops() / 1e9;
  state.counters["GFLOP/s"] = benchmark::Counter(reference.flops() / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_MnistIterationGemmsOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

// An iteration against the reference of its products in one process, for the
// ratio of the two rates: blocks of `block` iterations and of `block`
// reference runs, alternated, each block timed after one untimed run that
// refills the caches the other block used. The machine's slow periods last
// seconds, so both sides see the same ones and the ratio varies less than
// between two benchmarks run one after the other.
void IterationAgainstGemms(benchmark::State& state, ExperimentStep& s, GemmReference& reference, int block) {
  if (std::abs(reference.flops() - s.step->MatmulFlops()) > 1e-9 * reference.flops()) {
    state.SkipWithError("the reference's products are not the iteration's");
    return;
  }
  using Clock = std::chrono::steady_clock;
  Clock::duration step_time{}, reference_time{};
  for (auto _ : state) {
    s.Run();
    Clock::time_point start = Clock::now();
    for (int i = 0; i < block; ++i) s.Run();
    step_time += Clock::now() - start;
    reference.Run();
    start = Clock::now();
    for (int i = 0; i < block; ++i) reference.Run();
    reference_time += Clock::now() - start;
  }
  const double runs = static_cast<double>(state.iterations()) * block;
  const double step_s = std::chrono::duration<double>(step_time).count() / runs;
  const double reference_s = std::chrono::duration<double>(reference_time).count() / runs;
  // Both do the same FLOPs, so the ratio of their rates is that of their times.
  state.counters["step_ms"] = 1e3 * step_s;
  state.counters["sgemm_ms"] = 1e3 * reference_s;
  state.counters["GFLOP/step"] = s.step->MatmulFlops() / 1e9;
  state.counters["step_GFLOP/s"] = s.step->MatmulFlops() / step_s / 1e9;
  state.counters["%_of_sgemm_rate"] = 100 * reference_s / step_s;
}

void BM_MnistIterationAgainstGemms(benchmark::State& state, proto::UpdateMode mode, Sgd sgd) {
  std::unique_ptr<ExperimentStep> s = MakeMnistStep(mode, state, sgd);
  if (s == nullptr) return;
  GemmReference reference(mode == proto::ALTERNATING ? MnistAlternatingProducts() : MnistSimultaneousProducts());
  IterationAgainstGemms(state, *s, reference, /*block=*/10);
}
BENCHMARK_CAPTURE(BM_MnistIterationAgainstGemms, alternating, proto::ALTERNATING, Sgd::kPlain)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_MnistIterationAgainstGemms, simultaneous, proto::SIMULTANEOUS, Sgd::kPlain)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_MnistIterationAgainstGemms, alternating_folded_sgd, proto::ALTERNATING, Sgd::kFolded)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_MnistIterationAgainstGemms, simultaneous_folded_sgd, proto::SIMULTANEOUS, Sgd::kFolded)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The MNIST iteration with bf16 products (precision: BF16) against the same
// iteration in fp32 and against its own floor, its products as bf16 matmul
// primitives alone, in one process: blocks of each, alternated as above.
void BM_MnistBf16Iteration(benchmark::State& state, proto::UpdateMode mode) {
  std::unique_ptr<ExperimentStep> bf16 = MakeMnistStep(mode, state, Sgd::kPlain, Products::kBf16);
  if (bf16 == nullptr) return;
  std::unique_ptr<ExperimentStep> fp32 = MakeMnistStep(mode, state);
  GemmReference floor(mode == proto::ALTERNATING ? MnistAlternatingProducts() : MnistSimultaneousProducts(), Products::kBf16);
  if (std::abs(floor.flops() - bf16->step->MatmulFlops()) > 1e-9 * floor.flops()) {
    state.SkipWithError("the reference's products are not the iteration's");
    return;
  }
  floor.Run();  // first-use JIT
  using Clock = std::chrono::steady_clock;
  constexpr int kBlock = 10;
  Clock::duration bf16_time{}, fp32_time{}, floor_time{};
  auto timed_block = [](auto run, Clock::duration& total) {
    run();  // refills the caches the previous block used
    const Clock::time_point start = Clock::now();
    for (int i = 0; i < kBlock; ++i) run();
    total += Clock::now() - start;
  };
  for (auto _ : state) {
    timed_block([&] { bf16->Run(); }, bf16_time);
    timed_block([&] { fp32->Run(); }, fp32_time);
    timed_block([&] { floor.Run(); }, floor_time);
  }
  const double runs = static_cast<double>(state.iterations()) * kBlock;
  auto ms = [runs](Clock::duration d) { return 1e3 * std::chrono::duration<double>(d).count() / runs; };
  state.counters["bf16_step_ms"] = ms(bf16_time);
  state.counters["fp32_step_ms"] = ms(fp32_time);
  state.counters["bf16_floor_ms"] = ms(floor_time);
  state.counters["fp32/bf16"] = ms(fp32_time) / ms(bf16_time);
  state.counters["%_of_bf16_floor_rate"] = 100 * ms(floor_time) / ms(bf16_time);
}
BENCHMARK_CAPTURE(BM_MnistBf16Iteration, alternating, proto::ALTERNATING)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_MnistBf16Iteration, simultaneous, proto::SIMULTANEOUS)->Unit(benchmark::kMillisecond)->UseRealTime();

// One simultaneous iteration of the authors' convolutional CIFAR-10 model at
// its batch of 128 (experiments/cifar10_conv.pbtxt) against its products as
// plain sgemm calls.
void BM_Cifar10ConvIterationAgainstGemms(benchmark::State& state) {
  std::unique_ptr<ExperimentStep> s = MakeStep("experiments/cifar10_conv.pbtxt", proto::SIMULTANEOUS, state);
  if (s == nullptr) return;
  GemmReference reference(Cifar10ConvSimultaneousProducts());
  IterationAgainstGemms(state, *s, reference, /*block=*/2);  // its steps take about a second
}
BENCHMARK(BM_Cifar10ConvIterationAgainstGemms)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// The part of an iteration that is not matrix products: one SGD update of
// both nets' parameters (memory-bound: reads w, g, v and writes w, v).
void BM_MnistSgdUpdate(benchmark::State& state) {
  std::unique_ptr<ExperimentStep> s = MakeMnistStep(proto::ALTERNATING, state);
  if (s == nullptr) return;
  for (auto _ : state) {
    s->g_opt->Step();
    s->d_opt->Step();
  }
}
BENCHMARK(BM_MnistSgdUpdate)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same for the convolutional CIFAR-10 model, whose G has 64.8 million
// parameters (the 8000 x 8000 layer): what of its iteration is memory-bound.
void BM_Cifar10ConvSgdUpdate(benchmark::State& state) {
  std::unique_ptr<ExperimentStep> s = MakeStep("experiments/cifar10_conv.pbtxt", proto::SIMULTANEOUS, state);
  if (s == nullptr) return;
  for (auto _ : state) {
    s->g_opt->Step();
    s->d_opt->Step();
  }
}
BENCHMARK(BM_Cifar10ConvSgdUpdate)->Unit(benchmark::kMillisecond)->UseRealTime();

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
