// Writes a trained generator (and optionally its discriminator) as ONNX:
//
//   bazel run //tools:export -- --checkpoint=runs/<run>/checkpoint.ckpt --output=generator.onnx
//
// Every model is checked (ONNX checker, strict shape inference) before it is
// written; a failed export leaves no file behind.

#include <chrono>
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "export/onnx_export.h"
#include "gan/trained_model.h"
#include "tools/checkpoint_flag.h"
#include "tools/user_path.h"

ABSL_FLAG(std::string, checkpoint, "", "the trained model: a checkpoint.ckpt written by //tools:train");
ABSL_FLAG(std::string, output, "generator.onnx", "where the generator's ONNX model goes");
ABSL_FLAG(std::string, discriminator_output, "", "if set, also write the discriminator's ONNX model here");

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "export: %s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using gan::tools::UserPath;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<gan::tools::CheckpointModel> loaded = gan::tools::LoadCheckpointFlag(absl::GetFlag(FLAGS_checkpoint));
  if (!loaded.ok()) return Fail(loaded.status());
  gan::TrainedModel& model = loaded->model;

  struct Job {
    std::string path;
    bool generator;
  };
  for (const Job& job : {Job{UserPath(absl::GetFlag(FLAGS_output)), true}, Job{UserPath(absl::GetFlag(FLAGS_discriminator_output)), false}}) {
    if (job.path.empty()) continue;
    absl::StatusOr<onnx::ModelProto> proto =
        job.generator ? gan::exporter::ExportGenerator(model, loaded->shape) : gan::exporter::ExportDiscriminator(model, loaded->shape);
    if (!proto.ok()) return Fail(proto.status());
    if (absl::Status s = gan::exporter::CheckModel(*proto); !s.ok()) return Fail(s);
    if (absl::Status s = gan::exporter::WriteModel(*proto, job.path); !s.ok()) return Fail(s);
    std::fprintf(stderr, "export: wrote %s (%s of experiment %s, step %lld)\n", job.path.c_str(),
                 job.generator ? "generator" : "discriminator", model.experiment.name().c_str(), static_cast<long long>(model.step));
  }
  std::fprintf(stderr, "export: %.3f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}
