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

#include <chrono>
#include <filesystem>
#include <system_error>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "data/file_bytes.h"
#include "data/load.h"
#include "eval/distances.h"
#include "eval/figures.h"
#include "eval/image_grid.h"
#include "eval/parzen.h"
#include "gan/trained_model.h"
#include "tools/checkpoint_flag.h"
#include "tools/user_path.h"

ABSL_FLAG(std::string, checkpoint, "", "the trained model: a checkpoint.ckpt written by //tools:train");
ABSL_FLAG(std::string, data_dir, "", "directory with the data set's files; else $GAN_DATA_DIR, then ~/.cache/gan");
ABSL_FLAG(std::string, output_dir, "", "where parzen.json and the figures go; default: the checkpoint's directory");
ABSL_FLAG(int, samples, 10000, "samples from G (and training images, and k-means centroids) per Parzen window");
ABSL_FLAG(int, valid, 1000, "validation images that choose sigma");
ABSL_FLAG(int, kmeans_iterations, 10, "Lloyd iterations for the k-means reference row (0: no k-means row)");
ABSL_FLAG(bool, reference_rows, true, "also evaluate the training-set and k-means rows");
ABSL_FLAG(uint64_t, seed, gan::kEvaluationNoiseSeed, "seed of the noise for the samples and figures");

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "evaluate: %s\n", std::string(status.message()).c_str());
  return 1;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Row {
  std::string name, description;
  gan::eval::ParzenReport report;
  double seconds = 0;
};

std::string JsonArray(const std::vector<double>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) absl::StrAppend(&out, i ? ", " : "", values[i]);
  return out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using gan::tools::UserPath;
  absl::StatusOr<gan::tools::CheckpointModel> loaded = gan::tools::LoadCheckpointFlag(absl::GetFlag(FLAGS_checkpoint));
  if (!loaded.ok()) return Fail(loaded.status());
  const std::string& checkpoint = loaded->path;
  gan::TrainedModel& model = loaded->model;
  const int n_samples = absl::GetFlag(FLAGS_samples), n_valid_flag = absl::GetFlag(FLAGS_valid);
  if (n_samples <= 0 || n_valid_flag <= 0) return Fail(absl::InvalidArgumentError("--samples and --valid must be positive"));
  std::string output_dir = UserPath(absl::GetFlag(FLAGS_output_dir));
  if (output_dir.empty()) output_dir = checkpoint.find('/') == std::string::npos ? "." : checkpoint.substr(0, checkpoint.rfind('/'));

  if (std::error_code error; !std::filesystem::create_directories(output_dir, error) && error) {
    return Fail(absl::PermissionDeniedError(absl::StrCat(output_dir, ": cannot create the output directory: ", error.message())));
  }
  const gan::proto::Experiment& experiment = model.experiment;
  const std::string dataset = experiment.data().dataset();
  absl::StatusOr<gan::data::Splits> splits = gan::data::LoadSplits(dataset, UserPath(absl::GetFlag(FLAGS_data_dir)),
                                                                   experiment.data().tfd_fold());
  if (!splits.ok()) return Fail(splits.status());
  if (const float scale = experiment.data().gcn_scale(); scale > 0) {
    for (gan::data::Dataset* split : {&splits->train, &splits->valid, &splits->test}) gan::data::GlobalContrastNormalize(*split, scale);
  }
  const gan::data::Dataset& train = splits->train;
  if (splits->valid.rows() == 0 || splits->test.rows() < 2) {
    return Fail(absl::FailedPreconditionError(absl::StrCat("data set '", dataset, "' has no validation or test split to evaluate on")));
  }
  if (model.generator->output_dim() != train.dim()) {
    return Fail(absl::FailedPreconditionError(absl::StrCat(checkpoint, ": its generator makes ", model.generator->output_dim(),
                                                           " values per sample, data set '", dataset, "' has ", train.dim())));
  }
  const int64_t dim = train.dim();
  const int64_t n_valid = std::min<int64_t>(n_valid_flag, splits->valid.rows());
  std::fprintf(stderr, "evaluate: %s (experiment %s, step %lld) on %s: %d samples, sigma on %lld validation images, %lld test images\n",
               checkpoint.c_str(), experiment.name().c_str(), static_cast<long long>(model.step), dataset.c_str(), n_samples,
               static_cast<long long>(n_valid), static_cast<long long>(splits->test.rows()));

  gan::Rng rng(absl::GetFlag(FLAGS_seed));
  const std::vector<float> z = gan::DrawNoise(experiment, rng, n_samples);
  const std::vector<float> samples = model.generator->Infer(z.data(), n_samples);

  std::vector<Row> rows;
  auto evaluate = [&](const std::string& name, const std::string& description, const float* centres, int64_t n) -> absl::Status {
    const auto start = std::chrono::steady_clock::now();
    const gan::eval::ParzenWindow window(centres, n, dim);
    absl::StatusOr<gan::eval::ParzenReport> report =
        gan::eval::ParzenProtocol(window, splits->valid.pixels.data(), n_valid, splits->test.pixels.data(),
                                  splits->test.rows(), gan::eval::PaperSigmaGrid());
    if (!report.ok()) return report.status();
    rows.push_back({name, description, *report, SecondsSince(start)});
    std::fprintf(stderr, "  %-13s sigma %.4f  test %.2f +- %.2f  (%.1f s)\n", name.c_str(), report->sigma, report->test_mean,
                 report->test_std_error, rows.back().seconds);
    return absl::OkStatus();
  };
  if (absl::Status s = evaluate("model", absl::StrCat(n_samples, " samples of G"), samples.data(), n_samples); !s.ok()) return Fail(s);
  if (absl::GetFlag(FLAGS_reference_rows)) {
    const int64_t n_train = std::min<int64_t>(n_samples, train.rows());
    if (absl::Status s = evaluate("training_set", absl::StrCat("the first ", n_train, " training images"), train.pixels.data(), n_train); !s.ok()) {
      return Fail(s);
    }
    if (const int iterations = absl::GetFlag(FLAGS_kmeans_iterations); iterations > 0) {
      const auto start = std::chrono::steady_clock::now();
      const std::vector<float> centroids = gan::eval::KMeansCentroids(train.pixels.data(), train.rows(), dim, n_train, iterations, 1);
      std::fprintf(stderr, "  k-means: %lld centroids, %d iterations, %.1f s\n", static_cast<long long>(n_train), iterations, SecondsSince(start));
      const std::string description = absl::StrCat(n_train, " k-means centroids of the ", train.rows(), " training images (", iterations, " Lloyd iterations)");
      if (absl::Status s = evaluate("kmeans", description, centroids.data(), n_train); !s.ok()) return Fail(s);
    }
  }

  // Table 1's row and its references.
  std::printf("%-14s %-8s %s\n", "row", "sigma", "test Parzen log-likelihood (mean +- std. error)");
  for (const Row& row : rows) std::printf("%-14s %-8.4f %.1f +- %.1f   %s\n", row.name.c_str(), row.report.sigma, row.report.test_mean, row.report.test_std_error, row.description.c_str());

  std::string json = absl::StrCat("{\n  \"checkpoint\": \"", checkpoint, "\",\n  \"experiment\": \"", experiment.name(),
                                  "\",\n  \"update_mode\": \"", experiment.update_mode() == gan::proto::SIMULTANEOUS ? "simultaneous" : "alternating",
                                  "\",\n  \"step\": ", model.step, ",\n  \"dataset\": \"", dataset, "\",\n  \"valid_images\": ", n_valid,
                                  ",\n  \"test_images\": ", splits->test.rows(), ",\n  \"sigma_grid\": ", JsonArray(rows[0].report.sigmas),
                                  ",\n  \"rows\": [");
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    absl::StrAppend(&json, i ? "," : "", "\n    {\"name\": \"", row.name, "\", \"description\": \"", row.description,
                    "\", \"sigma\": ", row.report.sigma, ", \"test_mean\": ", row.report.test_mean, ", \"test_std_error\": ",
                    row.report.test_std_error, ", \"valid_means\": ", JsonArray(row.report.valid_means), ", \"seconds\": ", row.seconds, "}");
  }
  json += "\n  ]\n}\n";
  if (absl::Status s = gan::data::WriteFileAtomically(output_dir + "/parzen.json", json); !s.ok()) return Fail(s);

  // Figure 2: 10 rows of 6 samples and the nearest training example of each row's last.
  constexpr int64_t kRows = 10, kColumns = 6, kSteps = 11;
  if (absl::Status s = gan::eval::WritePng(gan::eval::NearestNeighbourFigure(samples.data(), kRows, kColumns, train), output_dir + "/figure2.png");
      !s.ok()) {
    return Fail(s);
  }
  // Figure 3: 10 rows of 11 images along lines between random z.
  const std::vector<float> endpoints = gan::DrawNoise(experiment, rng, 2 * kRows);
  const std::vector<float> line = gan::eval::InterpolateNoise(endpoints.data(), kRows, kSteps, experiment.noise_dim());
  const std::vector<float> decoded = model.generator->Infer(line.data(), kRows * kSteps);
  if (absl::Status s = gan::eval::WritePng(gan::eval::MakeGrid(decoded.data(), kRows * kSteps, train.shape, kSteps), output_dir + "/figure3.png");
      !s.ok()) {
    return Fail(s);
  }
  std::fprintf(stderr, "evaluate: wrote %s/parzen.json, figure2.png, figure3.png\n", output_dir.c_str());
  return 0;
}
