// Writes a trained generator (and optionally its discriminator, or an
// inference net's encoder) as ONNX:
//
//   bazel run //tools:export -- --checkpoint=runs/<run>/checkpoint.ckpt --output=generator.onnx
//   bazel run //tools:export -- --checkpoint=runs/<inference run>/checkpoint.ckpt --output= --encoder_output=encoder.onnx
//
// Every model is checked (ONNX checker, strict shape inference) before it is
// written; a failed export leaves no file behind.

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "base/file_digest.h"
#include "export/onnx_export.h"
#include "gan/run/trained_model.h"
#include "tools/checkpoint_flag.h"
#include "tools/fail.h"
#include "tools/user_path.h"

ABSL_FLAG(std::string, checkpoint, "", "the trained model: a checkpoint.ckpt written by //tools:train");
ABSL_FLAG(bool, ema, false, "use the checkpoint's moving average of G (runs with generator_ema_decay) instead of G");
ABSL_FLAG(std::string, output, "generator.onnx", "where the generator's ONNX model goes");
ABSL_FLAG(std::string, discriminator_output, "", "if set, also write the discriminator's ONNX model here");
ABSL_FLAG(std::string, encoder_output, "", "an inference net's checkpoint: write its encoder E: x -> z here (--output= to skip its fixed G)");
ABSL_FLAG(std::vector<std::string>, metadata, {},
          "extra metadata properties for the models, key=value,... (e.g. epoch=600,command=...); the checkpoint's "
          "SHA-256 is always added as checkpoint_sha256");

namespace {

constexpr char kProgram[] = "export";

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using gan::tools::UserPath;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<gan::tools::CheckpointModel> loaded = gan::tools::LoadCheckpointFlag(absl::GetFlag(FLAGS_checkpoint), absl::GetFlag(FLAGS_ema));
  if (!loaded.ok()) return gan::tools::Fail(kProgram, loaded.status());
  gan::TrainedModel& model = loaded->model;
  absl::StatusOr<std::string> sha256 = gan::base::Sha256OfFile(loaded->path);
  if (!sha256.ok()) return gan::tools::Fail(kProgram, sha256.status());
  std::vector<std::pair<std::string, std::string>> metadata = {
      {"checkpoint_sha256", *sha256}, {"generator_weights", absl::GetFlag(FLAGS_ema) ? "moving average of G" : "G"}};
  for (const std::string& item : absl::GetFlag(FLAGS_metadata)) {
    const size_t equals = item.find('=');
    if (equals == std::string::npos) return gan::tools::Fail(kProgram, absl::InvalidArgumentError(absl::StrCat("--metadata: '", item, "' is not key=value")));
    metadata.emplace_back(item.substr(0, equals), item.substr(equals + 1));
  }

  struct Job {
    std::string path;
    const char* network;
    std::function<absl::StatusOr<onnx::ModelProto>(gan::TrainedModel&, const gan::data::ImageShape&)> make;
  };
  for (const Job& job : {Job{UserPath(absl::GetFlag(FLAGS_output)), "generator", gan::exporter::ExportGenerator},
                         Job{UserPath(absl::GetFlag(FLAGS_discriminator_output)), "discriminator", gan::exporter::ExportDiscriminator},
                         Job{UserPath(absl::GetFlag(FLAGS_encoder_output)), "encoder", gan::exporter::ExportEncoder}}) {
    if (job.path.empty()) continue;
    absl::StatusOr<onnx::ModelProto> proto = job.make(model, loaded->shape);
    if (!proto.ok()) return gan::tools::Fail(kProgram, proto.status());
    for (const auto& [key, value] : metadata) {
      if (absl::Status s = gan::exporter::AddMetadata(*proto, key, value); !s.ok()) return gan::tools::Fail(kProgram, s);
    }
    if (absl::Status s = gan::exporter::CheckModel(*proto); !s.ok()) return gan::tools::Fail(kProgram, s);
    if (absl::Status s = gan::exporter::WriteModel(*proto, job.path); !s.ok()) return gan::tools::Fail(kProgram, s);
    std::fprintf(stderr, "export: wrote %s (%s of experiment %s, step %lld)\n", job.path.c_str(), job.network,
                 model.experiment.name().c_str(), static_cast<long long>(model.step));
  }
  std::fprintf(stderr, "export: %.3f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}
