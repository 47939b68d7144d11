// Draws samples from a trained generator:
//
//   bazel run //tools:sample -- --checkpoint=runs/<run>/checkpoint.ckpt --count=100 --output=samples
//
// writes samples.png (a grid) and samples.f32: count x D little-endian
// float32 values, row by row, each row an image as [channels, height, width].

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "base/file_bytes.h"
#include "data/image_grid.h"
#include "gan/spec/noise.h"
#include "gan/run/trained_model.h"
#include "tools/checkpoint_flag.h"
#include "tools/fail.h"
#include "tools/user_path.h"

ABSL_FLAG(std::string, checkpoint, "", "the trained model: a checkpoint.ckpt written by //tools:train");
ABSL_FLAG(bool, ema, false, "use the checkpoint's moving average of G (runs with generator_ema_decay) instead of G");
ABSL_FLAG(int, count, 100, "how many samples");
ABSL_FLAG(int, columns, 10, "images per row of the grid");
ABSL_FLAG(uint64_t, seed, 1, "seed of the noise");
ABSL_FLAG(std::string, output, "samples", "path prefix: writes <output>.png and <output>.f32");

namespace {

constexpr char kProgram[] = "sample";

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using gan::tools::UserPath;
  const int count = absl::GetFlag(FLAGS_count), columns = absl::GetFlag(FLAGS_columns);
  if (count <= 0 || columns <= 0) return gan::tools::Fail(kProgram, absl::InvalidArgumentError("--count and --columns must be positive"));
  const std::string output = UserPath(absl::GetFlag(FLAGS_output));

  absl::StatusOr<gan::tools::CheckpointModel> loaded = gan::tools::LoadCheckpointFlag(absl::GetFlag(FLAGS_checkpoint), absl::GetFlag(FLAGS_ema));
  if (!loaded.ok()) return gan::tools::Fail(kProgram, loaded.status());
  gan::TrainedModel& model = loaded->model;
  if (absl::Status s = gan::CheckGeneratesFromNoise(model); !s.ok()) return gan::tools::Fail(kProgram, s);
  const gan::data::ImageShape& shape = loaded->shape;
  gan::Rng rng(absl::GetFlag(FLAGS_seed));
  const std::vector<float> z = gan::DrawNoise(model.experiment, rng, count);
  const std::vector<float> samples = model.generator->Infer(z.data(), count);
  if (absl::Status s = gan::data::WritePng(gan::data::MakeGrid(samples.data(), count, shape, columns,
                                                                          gan::data::DisplayFor(model.experiment.data().gcn_scale())), output + ".png"); !s.ok()) {
    return gan::tools::Fail(kProgram, s);
  }
  const std::string_view bytes(reinterpret_cast<const char*>(samples.data()), samples.size() * sizeof(float));
  if (absl::Status s = gan::base::WriteFileAtomically(output + ".f32", bytes); !s.ok()) return gan::tools::Fail(kProgram, s);
  std::fprintf(stderr, "sample: wrote %s.png and %s.f32 (%d x %lld float32: %lld x %lld x %lld images)\n", output.c_str(),
               output.c_str(), count, static_cast<long long>(shape.size()), static_cast<long long>(shape.channels),
               static_cast<long long>(shape.height), static_cast<long long>(shape.width));
  return 0;
}
