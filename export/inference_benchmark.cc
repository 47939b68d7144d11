// Inference speed of the paper's MNIST generator: our forward (gan::Inference,
// oneDNN) against ONNX Runtime's (Node.js, onnxruntime-node) on the same
// exported model, at batch 1, 100 and 10,000, alternated in one process:
//
//   bazel run //export:inference_benchmark
//
// Prints, per batch size, the median over rounds of each side's mean time per
// call and their ratio, and checks that both compute the same samples. ONNX
// Runtime's time is taken inside Node around session.run, so it includes the
// binding's call overhead but not the process start or the file transfer.
// Both sides use every core by default (OMP_NUM_THREADS, ONNX Runtime's
// intra-op pool). Speed is a ratio from one run: run it on an otherwise idle
// machine.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "export/onnx_export.h"
#include "export/onnxruntime_runner.h"
#include "gan/nets/build.h"
#include "gan/spec/experiment.h"
#include "gan/spec/noise.h"

namespace gan::exporter {
namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "inference_benchmark: %s\n", std::string(status.message()).c_str());
  return 1;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

int Main() {
  absl::StatusOr<proto::Experiment> experiment = LoadExperimentFile("experiments/mnist.pbtxt");
  if (!experiment.ok()) return Fail(experiment.status());
  TrainedModel model;
  model.experiment = *experiment;
  // The paper's nets at their initial weights: the time does not depend on the values.
  const std::vector<float> pixel_mean(784, 0.13f);
  absl::StatusOr<std::unique_ptr<Mlp>> g = BuildMlp(model.experiment.generator(), Shape::Flat(model.experiment.noise_dim()), 1, &pixel_mean);
  absl::StatusOr<std::unique_ptr<Mlp>> d = BuildMlp(model.experiment.discriminator(), Shape::Flat(784), 2);
  if (!g.ok()) return Fail(g.status());
  if (!d.ok()) return Fail(d.status());
  model.generator = *std::move(g);
  model.discriminator = *std::move(d);
  absl::StatusOr<onnx::ModelProto> proto = ExportGenerator(model, data::ImageShape{1, 28, 28});
  if (!proto.ok()) return Fail(proto.status());
  const char* tmp = std::getenv("TMPDIR");
  const std::string path = std::string(tmp ? tmp : "/tmp") + "/gan_inference_benchmark.onnx";
  if (absl::Status written = WriteModel(*proto, path); !written.ok()) return Fail(written);

  constexpr int kRounds = 3;
  std::printf("MNIST generator (100 -> 1200 -> 1200 -> 784), mean time per call, median of %d alternated rounds\n", kRounds);
  std::printf("%8s %12s %12s %10s %14s\n", "batch", "ours_ms", "onnxrt_ms", "onnxrt/ours", "max_abs_diff");
  for (const int64_t rows : {int64_t{1}, int64_t{100}, int64_t{10000}}) {
    // About a second of calls per side and round.
    const int repeats = rows == 1 ? 2000 : rows == 100 ? 200 : 5;
    Rng rng(rows);
    const std::vector<float> z = DrawNoise(model.experiment, rng, rows);
    Inference inference(*model.generator, rows);
    std::vector<float> ours = inference.Run(z.data());  // warm-up, and the values compared
    std::vector<double> ours_ms, runtime_ms;
    double max_abs_diff = 0;
    for (int round = 0; round < kRounds; ++round) {
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < repeats; ++i) ours = inference.Run(z.data());
      ours_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / repeats);
      absl::StatusOr<RuntimeResult> runtime =
          RunInOnnxRuntime(path, {{"z", z, {rows, model.experiment.noise_dim()}}}, "x", &ours, RuntimeOptions{repeats});
      if (!runtime.ok()) return Fail(runtime.status());
      runtime_ms.push_back(runtime->mean_ms);
      max_abs_diff = std::max(max_abs_diff, runtime->max_abs_diff);
    }
    const double a = Median(ours_ms), b = Median(runtime_ms);
    std::printf("%8lld %12.4f %12.4f %10.2f %14.2g\n", static_cast<long long>(rows), a, b, b / a, max_abs_diff);
    if (!(max_abs_diff <= 1e-5)) return Fail(absl::InternalError("ONNX Runtime's samples differ from ours by more than 1e-5"));
  }
  return 0;
}

}  // namespace
}  // namespace gan::exporter

int main() { return gan::exporter::Main(); }
