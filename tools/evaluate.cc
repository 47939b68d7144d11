// Evaluates a trained model the way the paper's Table 1 does, with reference
// rows beside it, and draws Figures 2 and 3:
//
//   bazel run //tools:evaluate -- --checkpoint=runs/mnist/checkpoint.ckpt
//
// Rows (each: sigma chosen on the first --valid validation images among 10
// values log-spaced in [0.1, 1], then the mean test log-likelihood +- its
// standard error):
//   model           --samples samples of G
//   training set    the first --samples training images as the "samples"
//   k-means         --samples k-means centroids of the training set
// Writes parzen.json, figure2.png and figure3.png into --output_dir (default:
// the checkpoint's directory).

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/file_bytes.h"
#include "data/load.h"
#include "eval/figures.h"
#include "eval/image_grid.h"
#include "eval/table1.h"
#include "gan/experiment.h"
#include "gan/noise.h"
#include "gan/trained_model.h"
#include "tools/checkpoint_flag.h"
#include "tools/fail.h"
#include "tools/user_path.h"

ABSL_FLAG(std::string, checkpoint, "", "the trained model: a checkpoint.ckpt written by //tools:train");
ABSL_FLAG(bool, ema, false, "use the checkpoint's moving average of G (runs with generator_ema_decay) instead of G");
ABSL_FLAG(std::string, data_dir, "", "directory with the data set's files; else $GAN_DATA_DIR, then ~/.cache/gan");
ABSL_FLAG(std::string, output_dir, "", "where parzen.json and the figures go; default: the checkpoint's directory");
ABSL_FLAG(int, samples, 10000, "samples from G (and training images, and k-means centroids) per Parzen window");
ABSL_FLAG(int, valid, 1000, "validation images that choose sigma");
ABSL_FLAG(int, kmeans_iterations, 10, "Lloyd iterations for the k-means reference row (0: no k-means row)");
ABSL_FLAG(bool, reference_rows, true, "also evaluate the training-set and k-means rows");
ABSL_FLAG(uint64_t, seed, gan::kEvaluationNoiseSeed, "seed of the noise for the samples and figures");

namespace {

constexpr char kProgram[] = "evaluate";

std::string JsonArray(const std::vector<double>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) absl::StrAppend(&out, i ? ", " : "", values[i]);
  return out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using gan::tools::UserPath;
  absl::StatusOr<gan::tools::CheckpointModel> loaded = gan::tools::LoadCheckpointFlag(absl::GetFlag(FLAGS_checkpoint), absl::GetFlag(FLAGS_ema));
  if (!loaded.ok()) return gan::tools::Fail(kProgram, loaded.status());
  const std::string& checkpoint = loaded->path;
  gan::TrainedModel& model = loaded->model;
  const int n_samples = absl::GetFlag(FLAGS_samples), n_valid_flag = absl::GetFlag(FLAGS_valid);
  if (n_samples <= 0 || n_valid_flag <= 0) return gan::tools::Fail(kProgram, absl::InvalidArgumentError("--samples and --valid must be positive"));
  std::string output_dir = UserPath(absl::GetFlag(FLAGS_output_dir));
  if (output_dir.empty()) output_dir = checkpoint.find('/') == std::string::npos ? "." : checkpoint.substr(0, checkpoint.rfind('/'));

  if (absl::Status made = gan::base::MakeDirs(output_dir); !made.ok()) return gan::tools::Fail(kProgram, made);
  const gan::proto::Experiment& experiment = model.experiment;
  const std::string dataset = experiment.data().dataset();
  absl::StatusOr<gan::data::Splits> splits = gan::data::LoadSplits(dataset, UserPath(absl::GetFlag(FLAGS_data_dir)),
                                                                   experiment.data().tfd_fold(), experiment.data().gcn_scale());
  if (!splits.ok()) return gan::tools::Fail(kProgram, splits.status());
  const gan::data::Dataset& train = splits->train;
  if (splits->valid.rows() == 0 || splits->test.rows() < 2) {
    return gan::tools::Fail(kProgram, absl::FailedPreconditionError(absl::StrCat("data set '", dataset, "' has no validation or test split to evaluate on")));
  }
  if (model.generator->output_dim() != train.dim()) {
    return gan::tools::Fail(kProgram, absl::FailedPreconditionError(absl::StrCat(checkpoint, ": its generator makes ", model.generator->output_dim(),
                                                           " values per sample, data set '", dataset, "' has ", train.dim())));
  }
  const int64_t n_valid = std::min<int64_t>(n_valid_flag, splits->valid.rows());
  std::fprintf(stderr, "evaluate: %s (experiment %s, step %lld) on %s: %d samples, sigma on %lld validation images, %lld test images\n",
               checkpoint.c_str(), experiment.name().c_str(), static_cast<long long>(model.step), dataset.c_str(), n_samples,
               static_cast<long long>(n_valid), static_cast<long long>(splits->test.rows()));

  gan::Rng rng(absl::GetFlag(FLAGS_seed));
  const std::vector<float> z = gan::DrawNoise(experiment, rng, n_samples);
  const std::vector<float> samples = model.generator->Infer(z.data(), n_samples);

  std::vector<gan::eval::Table1Row> rows;
  absl::StatusOr<gan::eval::Table1Row> model_row =
      gan::eval::ScoreRow("model", absl::StrCat(n_samples, absl::GetFlag(FLAGS_ema) ? " samples of G's moving average" : " samples of G"), samples.data(), n_samples, *splits, n_valid);
  if (!model_row.ok()) return gan::tools::Fail(kProgram, model_row.status());
  rows.push_back(*std::move(model_row));
  if (absl::GetFlag(FLAGS_reference_rows)) {
    absl::StatusOr<std::vector<gan::eval::Table1Row>> references =
        gan::eval::ReferenceRows(*splits, n_samples, absl::GetFlag(FLAGS_kmeans_iterations), n_valid,
                                 gan::eval::ReferenceRowsCacheDir());
    if (!references.ok()) return gan::tools::Fail(kProgram, references.status());
    rows.insert(rows.end(), references->begin(), references->end());
  }
  for (const gan::eval::Table1Row& row : rows) {
    std::fprintf(stderr, "  %-13s sigma %.4f  test %.2f +- %.2f  (%.1f s)\n", row.name.c_str(), row.report.sigma,
                 row.report.test_mean, row.report.test_std_error, row.seconds);
  }

  // Table 1's row and its references.
  std::printf("%s", gan::eval::FormatTable1(rows).c_str());

  std::string json = absl::StrCat("{\n  \"checkpoint\": \"", checkpoint, "\",\n  \"experiment\": \"", experiment.name(),
                                  "\",\n  \"update_mode\": \"", gan::UpdateModeName(experiment.update_mode()),
                                  "\",\n  \"step\": ", model.step, ",\n  \"dataset\": \"", dataset, "\",\n  \"valid_images\": ", n_valid,
                                  ",\n  \"test_images\": ", splits->test.rows(), ",\n  \"sigma_grid\": ", JsonArray(rows[0].report.sigmas),
                                  ",\n  \"rows\": ", absl::StrReplaceAll(gan::eval::Table1Json(rows), {{"\n", "\n  "}}), "\n}\n");
  if (absl::Status s = gan::base::WriteFileAtomically(output_dir + "/parzen.json", json); !s.ok()) return gan::tools::Fail(kProgram, s);

  const gan::eval::Display display = gan::eval::DisplayFor(experiment.data().gcn_scale());
  // Figure 2: 10 rows of 6 samples and the nearest training example of each row's last.
  constexpr int64_t kRows = 10, kColumns = 6, kSteps = 11;
  if (absl::Status s = gan::eval::WritePng(gan::eval::NearestNeighbourFigure(samples.data(), kRows, kColumns, train, display), output_dir + "/figure2.png");
      !s.ok()) {
    return gan::tools::Fail(kProgram, s);
  }
  // Figure 3: 10 rows of 11 images along lines between random z.
  const std::vector<float> endpoints = gan::DrawNoise(experiment, rng, 2 * kRows);
  const std::vector<float> line = gan::eval::InterpolateNoise(endpoints.data(), kRows, kSteps, experiment.noise_dim());
  const std::vector<float> decoded = model.generator->Infer(line.data(), kRows * kSteps);
  if (absl::Status s = gan::eval::WritePng(gan::eval::MakeGrid(decoded.data(), kRows * kSteps, train.shape, kSteps, display), output_dir + "/figure3.png");
      !s.ok()) {
    return gan::tools::Fail(kProgram, s);
  }
  std::fprintf(stderr, "evaluate: wrote %s/parzen.json, figure2.png, figure3.png\n", output_dir.c_str());
  return 0;
}
