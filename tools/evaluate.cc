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
//   held out        the validation images after the first --valid
//   k-means         --samples k-means centroids of the training set
// and, for data sets with a classifier experiment (experiments/
// <data set>_classifier.pbtxt), each row's feature figures through that
// classifier (eval/feature_figures.h), trained once and cached when missing.
// Writes parzen.json, figure2.png and figure3.png into --output_dir (default:
// the checkpoint's directory).
// An autoencoder's checkpoint (experiments/mnist_*autoencoder, mnist_vae)
// also gets its figures on the test images (autoencoder.json: the
// reconstruction term, and a VAE's KL term and negative ELBO) and
// reconstructions.png (rows of 10 test images, [their corrupted copies,] their
// reconstructions); a VAE's decoder is then scored as a generator of its prior's
// codes like G; a plain or denoising one has nothing to sample and stops there.
// An inpainter's checkpoint (experiments/mnist_inpainting) is judged by its
// completions of the first --samples test images under each reported mask
// (gan/spec/inpainting.h), beside two baselines (eval/inpainting_figures.h):
// inpainting.json, and inpainting_<mask>.png (rows of one test image per
// class: the observed part, --completions_per_image completions, the truth).
// An inference net's checkpoint (experiments/mnist_inference) gets its figures
// (inference.json: E(G(z)) against z on --samples fresh draws; G(E(x)) of the
// first --samples test images against x, in pixels and in the classifier's
// labels) and reconstructions.png, and Table 1's rows for its fixed G with a
// row for G(E(x)) beside them.

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "base/file_bytes.h"
#include "base/status_macros.h"
#include "data/load.h"
#include "absl/strings/numbers.h"
#include "base/file_digest.h"
#include "eval/inference_figures.h"
#include "export/onnx_generator.h"
#include "eval/autoencoder_figures.h"
#include "eval/data_classifier.h"
#include "eval/feature_figures.h"
#include "eval/figures.h"
#include "data/image_grid.h"
#include "eval/table1.h"
#include "eval/classifier.h"
#include "eval/conditional_figures.h"
#include "eval/inpainting_figures.h"
#include "gan/spec/experiment.h"
#include "gan/spec/inpainting.h"
#include "gan/spec/noise.h"
#include "gan/run/trained_model.h"
#include "tools/checkpoint_flag.h"
#include "tools/fail.h"
#include "tools/user_path.h"

ABSL_FLAG(std::string, checkpoint, "", "the trained model: a checkpoint.ckpt written by //tools:train");
ABSL_FLAG(std::string, onnx, "",
          "instead of --checkpoint, a generator as an ONNX file, run in ONNX Runtime: noise [batch, noise_dim] or "
          "[batch, noise_dim, 1, 1] -> images [batch, C*H*W] or [batch, C, H, W], from //tools:export or another framework "
          "(e.g. PyTorch's torch.onnx.export); its data set, noise and output range come from its metadata or the flags below");
ABSL_FLAG(std::string, dataset, "", "with --onnx: the data set its images belong to (default: the file's metadata 'dataset')");
ABSL_FLAG(double, gcn_scale, -1,
          "with --onnx: the data's global contrast normalisation (0: none; default: the file's metadata 'gcn_scale', else 0)");
ABSL_FLAG(std::string, noise, "",
          "with --onnx: the noise, uniform:LOW,HIGH or normal:MEAN,STDDEV (default: the file's metadata)");
ABSL_FLAG(std::string, output_range, "",
          "with --onnx: LOW,HIGH, the interval the generator's outputs span, mapped to the data's [0, 1] (e.g. -1,1 for a "
          "generator ending in Tanh; default: the file's metadata 'output_range', else 0,1)");
ABSL_FLAG(bool, ema, false, "use the checkpoint's moving average of G (runs with generator_ema_decay) instead of G");
ABSL_FLAG(std::string, data_dir, "", "directory with the data set's files; else $GAN_DATA_DIR, then ~/.cache/gan");
ABSL_FLAG(std::string, output_dir, "", "where parzen.json and the figures go; default: the checkpoint's directory");
ABSL_FLAG(int, samples, 10000, "samples from G (and training images, and k-means centroids) per Parzen window");
ABSL_FLAG(int, valid, 1000, "validation images that choose sigma");
ABSL_FLAG(int, kmeans_iterations, 10, "Lloyd iterations for the k-means reference row (0: no k-means row)");
ABSL_FLAG(bool, reference_rows, true, "also evaluate the training-set and k-means rows");
ABSL_FLAG(uint64_t, seed, gan::kEvaluationNoiseSeed, "seed of the noise for the samples and figures");
ABSL_FLAG(int, draws, 1,
          "score the model row over this many draws of its samples, the noise of draw d seeded --seed + d (draw 0 is the row's own): "
          "each draw's figure, their mean and standard deviation, printed and in parzen.json's \"draws\"");
ABSL_FLAG(int, completions_per_image, 5, "an inpainter's checkpoint: completions drawn per test image and mask for the spread");
ABSL_FLAG(int, codes_per_image, 10,
          "an autoencoder's checkpoint: codes drawn from q(z|x) per test image for its reconstruction term and ELBO");
ABSL_FLAG(bool, feature_figures, true,
          "also score every row through the data set's classifier (Frechet distance, precision and recall, inception "
          "score, classes covered, label KL, MS-SSIM); data sets without experiments/<data set>_classifier.pbtxt are skipped");
ABSL_FLAG(std::string, classifier, "",
          "the classifier for the feature figures (a file from //tools:train_classifier --output); default: that of "
          "--classifier_experiment from the per-user cache, trained once when missing");
ABSL_FLAG(std::string, classifier_experiment, "",
          "the classifier experiment behind the feature figures (a path, or a name in experiments/); default: "
          "<data set>_classifier, and none (no feature figures) when the data set has no such file");

namespace {

constexpr char kProgram[] = "evaluate";

// The classifier behind the feature figures and the key that names it in the
// reference rows' cache; null when the data set has no classifier experiment.
struct FigureClassifier {
  std::unique_ptr<gan::eval::Classifier> classifier;
  std::string key;
};
absl::StatusOr<FigureClassifier> FindFigureClassifier(const std::string& dataset, const gan::data::Splits& splits,
                                                      const std::string& argv0) {
  if (const std::string path = gan::tools::UserPath(absl::GetFlag(FLAGS_classifier)); !path.empty()) {
    absl::StatusOr<std::unique_ptr<gan::eval::Classifier>> loaded = gan::eval::Classifier::Load(path);
    if (!loaded.ok()) return loaded.status();
    absl::StatusOr<std::string> digest = gan::base::Sha256OfFile(path);
    if (!digest.ok()) return digest.status();
    return FigureClassifier{*std::move(loaded), *digest};
  }
  const std::string named = gan::tools::UserPath(absl::GetFlag(FLAGS_classifier_experiment));
  absl::StatusOr<gan::proto::ClassifierExperiment> experiment =
      gan::LoadClassifierExperiment(named.empty() ? dataset + "_classifier" : named, gan::tools::ExperimentDirs(argv0));
  if (!experiment.ok() && !named.empty()) {
    experiment = gan::LoadClassifierExperiment(absl::GetFlag(FLAGS_classifier_experiment), gan::tools::ExperimentDirs(argv0));
  }
  if (experiment.ok() && experiment->data().dataset() != dataset) {
    return absl::InvalidArgumentError(absl::StrCat("classifier experiment '", experiment->name(), "' is for data set '",
                                                   experiment->data().dataset(), "', the model's is '", dataset, "'"));
  }
  if (!experiment.ok()) {
    if (experiment.status().code() != absl::StatusCode::kNotFound || !named.empty()) return experiment.status();
    std::fprintf(stderr, "evaluate: no classifier experiment for data set '%s' (%s_classifier.pbtxt): no feature figures\n",
                 dataset.c_str(), dataset.c_str());
    return FigureClassifier{};
  }
  const std::string cache_dir = gan::eval::ClassifierCacheDir();
  absl::StatusOr<gan::eval::CachedClassifier> cached = gan::eval::FindOrTrainClassifier(*experiment, splits, cache_dir, stderr);
  if (!cached.ok()) return cached.status();
  // Named by its weights too: a classifier trained again from the same recipe
  // (its file deleted, another processor) must not meet the first one's cached test features.
  const std::string key = absl::StrCat(cached->path.substr(cached->path.rfind('/') + 1), " weights ", cached->classifier->WeightsKey());
  return FigureClassifier{std::move(cached->classifier), key};
}

// What evaluate scores: the experiment that names the data and the noise, and
// the generator that makes images of that data from that noise.
struct ScoredGenerator {
  std::string path;  // the checkpoint or the ONNX file
  gan::proto::Experiment experiment;
  int64_t step = -1;         // updates behind it, when known
  std::string samples_of;    // "G", "G's moving average", "the ONNX generator"
  int64_t output_dim = 0;    // values per image it makes
  std::function<absl::StatusOr<std::vector<float>>(const float* z, int64_t rows)> generate;
  std::shared_ptr<gan::TrainedModel> model;  // the checkpoint's model; null for an ONNX file
};

absl::StatusOr<ScoredGenerator> LoadOnnxGenerator(const std::string& path) {
  absl::StatusOr<std::unique_ptr<gan::exporter::OnnxGenerator>> loaded = gan::exporter::OnnxGenerator::Load(path);
  if (!loaded.ok()) return loaded.status();
  std::shared_ptr<gan::exporter::OnnxGenerator> onnx = *std::move(loaded);
  const std::map<std::string, std::string>& metadata = onnx->metadata();
  ScoredGenerator scored;
  scored.path = path;
  scored.samples_of = "the ONNX generator";
  gan::proto::Experiment& e = scored.experiment;
  e.set_name(metadata.count("experiment") ? metadata.at("experiment") : "onnx");
  e.set_noise_dim(static_cast<int32_t>(onnx->noise_dim()));
  if (onnx->classes() > 0) e.mutable_conditioning()->set_classes(static_cast<int32_t>(onnx->classes()));
  std::string dataset = absl::GetFlag(FLAGS_dataset);
  if (dataset.empty() && metadata.count("dataset")) dataset = metadata.at("dataset");
  if (dataset.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": its metadata names no data set; pass --dataset"));
  e.mutable_data()->set_dataset(dataset);
  double gcn_scale = absl::GetFlag(FLAGS_gcn_scale);
  if (gcn_scale < 0 && metadata.count("gcn_scale") && !absl::SimpleAtod(metadata.at("gcn_scale"), &gcn_scale)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": its metadata gcn_scale '", metadata.at("gcn_scale"), "' is not a number"));
  }
  e.mutable_data()->set_gcn_scale(static_cast<float>(std::max(gcn_scale, 0.0)));
  if (const std::string flag = absl::GetFlag(FLAGS_noise); !flag.empty()) {
    absl::StatusOr<gan::proto::Noise> noise = gan::ParseNoiseText(flag, "--noise");
    if (!noise.ok()) return noise.status();
    *e.mutable_noise() = *noise;
  } else {
    absl::StatusOr<gan::proto::Noise> noise = onnx->NoiseFromMetadata();
    if (!noise.ok()) return absl::Status(noise.status().code(), absl::StrCat(noise.status().message(), "; pass --noise"));
    *e.mutable_noise() = *noise;
  }
  absl::StatusOr<gan::exporter::OutputRange> range = onnx->OutputRangeFromMetadata();
  if (const std::string flag = absl::GetFlag(FLAGS_output_range); !flag.empty()) range = gan::exporter::ParseOutputRange(flag, "--output_range");
  if (!range.ok()) return range.status();
  absl::StatusOr<std::vector<float>> probe = onnx->Run(std::vector<float>(gan::GeneratorInputDim(e), 0.0f).data(), 1, *range);
  if (!probe.ok()) return probe.status();
  scored.output_dim = static_cast<int64_t>(probe->size());
  scored.generate = [onnx, range = *range](const float* z, int64_t rows) { return onnx->Run(z, rows, range); };
  return scored;
}

absl::StatusOr<ScoredGenerator> LoadScoredGenerator() {
  const std::string onnx_path = gan::tools::UserPath(absl::GetFlag(FLAGS_onnx));
  if (!onnx_path.empty()) {
    if (!absl::GetFlag(FLAGS_checkpoint).empty()) return absl::InvalidArgumentError("give --checkpoint or --onnx, not both");
    return LoadOnnxGenerator(onnx_path);
  }
  absl::StatusOr<gan::tools::CheckpointModel> loaded = gan::tools::LoadCheckpointFlag(absl::GetFlag(FLAGS_checkpoint), absl::GetFlag(FLAGS_ema));
  if (!loaded.ok()) return loaded.status();
  ScoredGenerator scored;
  scored.path = loaded->path;
  scored.experiment = loaded->model.experiment;
  scored.step = loaded->model.step;
  scored.samples_of = absl::GetFlag(FLAGS_ema)                 ? "G's moving average"
                      : scored.experiment.has_autoencoder() ? "the decoder"
                      : scored.experiment.has_inference()   ? "the inference net's fixed G"
                                                             : "G";
  scored.output_dim = loaded->model.generator->output_dim();
  std::shared_ptr<gan::TrainedModel> model = std::make_shared<gan::TrainedModel>(std::move(loaded->model));
  scored.generate = [model](const float* z, int64_t rows) -> absl::StatusOr<std::vector<float>> { return model->generator->Infer(z, rows); };
  scored.model = model;
  return scored;
}

// An autoencoder's figures on the test images (autoencoder.json, and the
// log) and its reconstructions of the first 50 (reconstructions.png).
absl::Status WriteAutoencoderFigures(gan::TrainedModel& model, const gan::data::Splits& splits, const std::string& output_dir) {
  const gan::data::Dataset& held_out = splits.test.rows() > 0 ? splits.test : splits.train;
  const uint64_t seed = absl::GetFlag(FLAGS_seed);
  absl::StatusOr<gan::eval::AutoencoderFigures> figures =
      gan::eval::EvaluateAutoencoder(model, held_out, absl::GetFlag(FLAGS_codes_per_image), seed);
  if (!figures.ok()) return figures.status();
  const char* split = splits.test.rows() > 0 ? "test" : "training (no test split)";
  std::fprintf(stderr, "evaluate: %s images: %s\n", split, gan::eval::DescribeAutoencoderFigures(*figures).c_str());
  const std::string json = absl::StrCat("{\"experiment\": \"", model.experiment.name(), "\", \"step\": ", model.step, ", \"split\": \"",
                                        split, "\", \"figures\": ", gan::eval::AutoencoderFiguresJson(*figures), "}\n");
  GAN_RETURN_IF_ERROR(gan::base::WriteFileAtomically(output_dir + "/autoencoder.json", json));
  int64_t rows_per_group = 0;
  constexpr int64_t kGroups = 5;
  absl::StatusOr<std::vector<float>> rows = gan::eval::ReconstructionRows(model, held_out, kGroups, seed, &rows_per_group);
  if (!rows.ok()) return rows.status();
  return gan::data::WritePng(gan::data::MakeGrid(rows->data(), kGroups * rows_per_group * 10, held_out.shape, 10,
                                                 gan::data::DisplayFor(model.experiment.data().gcn_scale())),
                             output_dir + "/reconstructions.png");
}

std::string JsonArray(const std::vector<double>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) absl::StrAppend(&out, i ? ", " : "", values[i]);
  return out + "]";
}

// The model's Parzen figure over `draws` draws of `n_samples` samples:
// draw 0 is `first` (the model row's report, from the noise seeded
// `seed`), draw d the samples of the noise seeded seed + d, with the same
// classes `sample_labels` for a conditional G. The Parzen protocol only,
// no feature figures.
absl::StatusOr<gan::eval::DrawSpread> ScoreDraws(const ScoredGenerator& scored, const gan::data::Splits& splits,
                                                 const gan::eval::ParzenReport& first, int64_t n_samples,
                                                 const std::vector<int32_t>& sample_labels, int64_t n_valid, int draws,
                                                 uint64_t seed) {
  std::vector<gan::eval::ParzenReport> reports = {first};
  for (int d = 1; d < draws; ++d) {
    gan::Rng rng(seed + d);
    const std::vector<float> z = gan::DrawNoise(scored.experiment, rng, n_samples, sample_labels);
    absl::StatusOr<std::vector<float>> samples = scored.generate(z.data(), n_samples);
    if (!samples.ok()) return samples.status();
    absl::StatusOr<gan::eval::Table1Row> row =
        gan::eval::ScoreRow(absl::StrCat("draw ", d), "", samples->data(), n_samples, splits, n_valid);
    if (!row.ok()) return row.status();
    std::fprintf(stderr, "evaluate: draw %d of %d (seed %llu): test %.2f +- %.2f, sigma %.4f\n", d + 1, draws,
                 static_cast<unsigned long long>(seed + d), row->report.test_mean, row->report.test_std_error, row->report.sigma);
    reports.push_back(row->report);
  }
  return gan::eval::SpreadOverDraws(std::move(reports));
}

// parzen.json's "draws": the seeds, each draw's sigma and test figure, and their spread.
std::string DrawSpreadJson(const gan::eval::DrawSpread& spread, uint64_t seed) {
  std::string seeds = "[";
  std::vector<double> sigmas, tests;
  for (size_t d = 0; d < spread.draws.size(); ++d) {
    absl::StrAppend(&seeds, d ? ", " : "", seed + d);
    sigmas.push_back(spread.draws[d].sigma);
    tests.push_back(spread.draws[d].test_mean);
  }
  return absl::StrCat("{\"seeds\": ", seeds, "], \"sigma\": ", JsonArray(sigmas), ", \"test_mean\": ", JsonArray(tests),
                      ", \"mean\": ", spread.mean, ", \"sd\": ", spread.sd, ", \"min\": ", spread.min, ", \"max\": ", spread.max, "}");
}

// Table 1's rows for `samples` of `scored` and the reference rows, each with
// its feature figures when the data set has a classifier: printed, and
// written to output_dir/parzen.json. An inference net's `reconstructions`,
// G(E(x)) of the first test images, get a row of their own after the model's.
// With --draws above 1, the model's figure over that many draws of samples
// (ScoreDraws; `sample_labels` are a conditional G's classes) too.
absl::Status WriteTable1(const ScoredGenerator& scored, const gan::data::Splits& splits, const std::vector<float>& samples,
                         const std::vector<int32_t>& sample_labels, int64_t n_valid, const std::string& output_dir,
                         FigureClassifier& figure_classifier, const std::vector<float>* reconstructions = nullptr) {
  const gan::proto::Experiment& experiment = scored.experiment;
  const std::string& dataset = experiment.data().dataset();
  const std::string& checkpoint = scored.path;
  const gan::data::Dataset& train = splits.train;
  const int64_t n_samples = static_cast<int64_t>(samples.size()) / train.dim();
  // The feature figures' view of the test set through the classifier.
  std::unique_ptr<gan::eval::FeatureFigures> feature_figures;
  std::unique_ptr<gan::eval::RowFigureSource> figure_source;
  if (figure_classifier.classifier != nullptr) {
    if (figure_classifier.classifier->net().input_dim() != train.dim()) {
      return absl::FailedPreconditionError(absl::StrCat("--classifier takes images of ", figure_classifier.classifier->net().input_dim(),
                                                        " values, data set '", dataset, "' has ", train.dim()));
    }
    feature_figures = std::make_unique<gan::eval::FeatureFigures>(*figure_classifier.classifier, figure_classifier.key, splits,
                                                                  gan::eval::ReferenceRowsCacheDir());
    figure_source = std::make_unique<gan::eval::RowFigureSource>(feature_figures->Source());
  }

  std::vector<gan::eval::Table1Row> rows;
  absl::StatusOr<gan::eval::Table1Row> model_row =
      gan::eval::ScoreRow("model", absl::StrCat(n_samples, " samples of ", scored.samples_of), samples.data(), n_samples, splits, n_valid,
                          figure_source.get());
  if (!model_row.ok()) return model_row.status();
  rows.push_back(*std::move(model_row));
  std::string draws_json;
  if (const int draws = absl::GetFlag(FLAGS_draws); draws > 1) {
    const uint64_t seed = absl::GetFlag(FLAGS_seed);
    absl::StatusOr<gan::eval::DrawSpread> spread =
        ScoreDraws(scored, splits, rows[0].report, n_samples, sample_labels, n_valid, draws, seed);
    if (!spread.ok()) return spread.status();
    std::printf("The model over %d draws of %lld samples (seeds %llu-%llu): test %.2f, standard deviation %.2f, from %.2f to %.2f\n",
                draws, static_cast<long long>(n_samples), static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(seed + draws - 1), spread->mean, spread->sd, spread->min, spread->max);
    draws_json = absl::StrCat(",\n  \"draws\": ", DrawSpreadJson(*spread, seed));
  }
  if (reconstructions != nullptr) {
    const int64_t n = static_cast<int64_t>(reconstructions->size()) / train.dim();
    absl::StatusOr<gan::eval::Table1Row> row = gan::eval::ScoreRow(
        "G(E(x))", absl::StrCat("reconstructions of the first ", n, " test images (scored on the test images they reconstruct)"),
        reconstructions->data(), n, splits, n_valid, figure_source.get());
    if (!row.ok()) return row.status();
    rows.push_back(*std::move(row));
  }
  if (absl::GetFlag(FLAGS_reference_rows)) {
    absl::StatusOr<std::vector<gan::eval::Table1Row>> references =
        gan::eval::ReferenceRows(splits, n_samples, absl::GetFlag(FLAGS_kmeans_iterations), n_valid,
                                 gan::eval::ReferenceRowsCacheDir(), figure_source.get());
    if (!references.ok()) return references.status();
    rows.insert(rows.end(), references->begin(), references->end());
  }
  for (const gan::eval::Table1Row& row : rows) {
    const std::string time = row.parzen_seconds == 0 ? absl::StrFormat("%.1f s, cached", row.seconds)
                                                     : absl::StrFormat("%.1f s: Parzen %.2f s, the rest %.1f s", row.seconds,
                                                                       row.parzen_seconds, row.seconds - row.parzen_seconds);
    std::fprintf(stderr, "  %-13s sigma %.4f  test %.2f +- %.2f  (%s)\n", row.name.c_str(), row.report.sigma,
                 row.report.test_mean, row.report.test_std_error, time.c_str());
  }

  // Table 1's row and its references.
  std::printf("%s", gan::eval::FormatTable1(rows).c_str());

  std::string json = absl::StrCat("{\n  \"checkpoint\": \"", checkpoint, "\",\n  \"experiment\": \"", experiment.name(),
                                  "\",\n  \"update_mode\": \"", gan::UpdateModeName(experiment.update_mode()),
                                  "\",\n  \"step\": ", scored.step, ",\n  \"dataset\": \"", dataset, "\",\n  \"valid_images\": ", n_valid,
                                  ",\n  \"test_images\": ", splits.test.rows(), ",\n  \"sigma_grid\": ", JsonArray(rows[0].report.sigmas),
                                  ",\n  \"rows\": ", absl::StrReplaceAll(gan::eval::Table1Json(rows), {{"\n", "\n  "}}), draws_json,
                                  "\n}\n");
  return gan::base::WriteFileAtomically(output_dir + "/parzen.json", json);
}

// A conditional generator's figures class by class (eval/conditional_figures.h):
// printed, in classes.json, and one row of samples per class with its nearest
// training image of the same class in class_figure.png. Sample i is of class
// labels[i].
absl::Status WriteClassFigures(const ScoredGenerator& scored, const gan::data::Splits& splits, const std::vector<float>& samples,
                               const std::vector<int32_t>& labels, int64_t n_valid, const std::string& output_dir,
                               FigureClassifier& figure_classifier) {
  const gan::proto::Experiment& experiment = scored.experiment;
  const int64_t classes = gan::ConditionClasses(experiment);
  absl::StatusOr<gan::eval::ClassScores> scores =
      gan::eval::ScoreClasses(samples.data(), labels, classes, splits, n_valid, figure_classifier.classifier.get());
  if (!scores.ok()) return scores.status();
  std::printf("Class by class (each class's samples against its test images):\n%s", gan::eval::FormatTable1(scores->rows).c_str());
  if (scores->accuracy >= 0) std::printf("classifier's accuracy on the class-conditioned samples: %.2f %%\n", 100 * scores->accuracy);
  const std::string json = absl::StrCat("{\n  \"checkpoint\": \"", scored.path, "\",\n  \"classes\": ", classes,
                                        ",\n  \"accuracy\": ", scores->accuracy, ",\n  \"rows\": ",
                                        absl::StrReplaceAll(gan::eval::Table1Json(scores->rows), {{"\n", "\n  "}}), "\n}\n");
  GAN_RETURN_IF_ERROR(gan::base::WriteFileAtomically(output_dir + "/classes.json", json));
  const gan::data::Display display = gan::data::DisplayFor(experiment.data().gcn_scale());
  return gan::data::WritePng(gan::eval::ClassFigure(samples.data(), labels, classes, 8, splits.train, display), output_dir + "/class_figure.png");
}

// An inference net's figures (eval/inference_figures.h) on `noise_rows` draws
// of z and on the first `n_images` test images: printed, in inference.json,
// and reconstructions.png (5 pairs of rows: 10 test images, then G(E(x))).
// Returns the reconstructions of those test images.
absl::StatusOr<std::vector<float>> WriteInferenceFigures(gan::TrainedModel& model, const gan::data::Splits& splits, int64_t n_images,
                                                         int64_t noise_rows, const std::string& output_dir,
                                                         FigureClassifier& figure_classifier) {
  if (n_images < 50) return absl::FailedPreconditionError(absl::StrCat("the inference net's figures need 50 test images, not ", n_images));
  const gan::data::Dataset images = splits.test.Slice(0, n_images, gan::data::Split::kTest);
  std::vector<float> reconstructions;
  absl::StatusOr<gan::eval::InferenceFigures> figures = gan::eval::EvaluateInferenceNet(
      model, images, noise_rows, absl::GetFlag(FLAGS_seed), figure_classifier.classifier.get(), &reconstructions);
  if (!figures.ok()) return figures.status();
  std::printf("Inference net: %s\n", gan::eval::DescribeInferenceFigures(*figures).c_str());
  const std::string json = absl::StrCat("{\"checkpoint_step\": ", model.step, ", \"generator_file_sha256\": \"", model.generator_file_sha256,
                                        "\", \"figures\": ", gan::eval::InferenceFiguresJson(*figures), "}\n");
  GAN_RETURN_IF_ERROR(gan::base::WriteFileAtomically(output_dir + "/inference.json", json));
  const std::vector<float> figure = gan::data::AlternateRows(images.pixels.data(), reconstructions.data(), 50, 10, images.dim());
  GAN_RETURN_IF_ERROR(gan::data::WritePng(gan::data::MakeGrid(figure.data(), 100, images.shape, 10, gan::data::DisplayFor(model.experiment.data().gcn_scale())),
                                          output_dir + "/reconstructions.png"));
  return reconstructions;
}

// An inpainter's figures mask by mask on the first `n_images` test images:
// printed, in inpainting.json, and as inpainting_<mask>.png.
absl::Status WriteInpaintingFigures(const ScoredGenerator& scored, const gan::data::Splits& splits, int64_t n_images,
                                    const std::string& output_dir, FigureClassifier& figure_classifier) {
  const gan::proto::Experiment& experiment = scored.experiment;
  const int64_t draws = absl::GetFlag(FLAGS_completions_per_image);
  if (draws <= 0) return absl::InvalidArgumentError("--completions_per_image must be positive");
  if (n_images <= 0) {
    return absl::FailedPreconditionError(absl::StrCat("data set '", experiment.data().dataset(), "' has no test images to complete"));
  }
  gan::data::Dataset images = splits.test;
  images.pixels.resize(n_images * images.dim());
  images.labels.resize(n_images);
  // The figures' rows: the first image of each class.
  std::vector<int64_t> figure_rows;
  for (int32_t label = 0; label <= *std::max_element(images.labels.begin(), images.labels.end()); ++label) {
    const auto first = std::find(images.labels.begin(), images.labels.end(), label);
    if (first != images.labels.end()) figure_rows.push_back(first - images.labels.begin());
  }
  const int height = experiment.inpainting().height(), width = experiment.inpainting().width();
  std::string json = absl::StrCat("{\n  \"checkpoint\": \"", scored.path, "\",\n  \"images\": ", n_images,
                                  ",\n  \"completions_per_image\": ", draws, ",\n  \"masks\": {");
  std::vector<std::string> written;
  for (const std::string& mask : gan::ReportedMaskNames()) {
    gan::Rng rng(absl::GetFlag(FLAGS_seed));
    absl::StatusOr<std::vector<float>> masks = gan::NamedMasks(mask, rng, height, width, n_images);
    if (!masks.ok()) return masks.status();
    std::vector<float> completions;  // [draws, n_images, dim]
    for (int64_t d = 0; d < draws; ++d) {
      const std::vector<float> inputs = gan::InputsForMasks(experiment, rng, images.pixels.data(), masks->data(), n_images);
      absl::StatusOr<std::vector<float>> generated = scored.generate(inputs.data(), n_images);
      if (!generated.ok()) return generated.status();
      const std::vector<float> completed = gan::CompleteRows(experiment, inputs.data(), generated->data(), n_images);
      completions.insert(completions.end(), completed.begin(), completed.end());
    }
    gan::eval::Classifier* classifier = figure_classifier.classifier.get();
    const std::vector<gan::eval::CompletionScores> scores = {
        gan::eval::ScoreCompletions("model", completions, draws, images, *masks, classifier),
        gan::eval::ScoreCompletions("nearest training image", gan::eval::NearestTrainingCompletions(images, *masks, splits.train), 1,
                                    images, *masks, classifier),
        gan::eval::ScoreCompletions("mean image", gan::eval::MeanImageCompletions(images, *masks, splits.train), 1, images,
                                    *masks, classifier)};
    std::printf("Mask %s (%lld test images; accuracy: the classifier's on the completions against their labels):\n%s", mask.c_str(),
                static_cast<long long>(n_images), gan::eval::FormatCompletionScores(scores).c_str());
    absl::StrAppend(&json, written.empty() ? "\n" : ",\n", "    \"", mask, "\": ", gan::eval::CompletionScoresJson(scores));
    const std::string figure = absl::StrCat(output_dir, "/inpainting_", mask, ".png");
    GAN_RETURN_IF_ERROR(gan::data::WritePng(gan::eval::CompletionFigure(images, *masks, completions, draws, figure_rows,
                                                                        gan::data::DisplayFor(experiment.data().gcn_scale())),
                                            figure));
    written.push_back(figure);
  }
  GAN_RETURN_IF_ERROR(gan::base::WriteFileAtomically(output_dir + "/inpainting.json", json + "\n  }\n}\n"));
  std::fprintf(stderr, "evaluate: wrote %s/inpainting.json and %zu figures (inpainting_<mask>.png)\n", output_dir.c_str(), written.size());
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using gan::tools::UserPath;
  absl::StatusOr<ScoredGenerator> scored = LoadScoredGenerator();
  if (!scored.ok()) return gan::tools::Fail(kProgram, scored.status());
  const std::string& checkpoint = scored->path;
  const int n_samples = absl::GetFlag(FLAGS_samples), n_valid_flag = absl::GetFlag(FLAGS_valid);
  if (n_samples <= 0 || n_valid_flag <= 0) return gan::tools::Fail(kProgram, absl::InvalidArgumentError("--samples and --valid must be positive"));
  if (absl::GetFlag(FLAGS_draws) <= 0) {
    return gan::tools::Fail(kProgram, absl::InvalidArgumentError(absl::StrCat("--draws must be positive, not ", absl::GetFlag(FLAGS_draws))));
  }
  if (n_samples < 2 && absl::GetFlag(FLAGS_feature_figures)) {
    return gan::tools::Fail(kProgram, absl::InvalidArgumentError("the feature figures need --samples of at least 2 (or --feature_figures=false)"));
  }
  std::string output_dir = UserPath(absl::GetFlag(FLAGS_output_dir));
  if (output_dir.empty()) output_dir = checkpoint.find('/') == std::string::npos ? "." : checkpoint.substr(0, checkpoint.rfind('/'));

  if (absl::Status made = gan::base::MakeDirs(output_dir); !made.ok()) return gan::tools::Fail(kProgram, made);
  const gan::proto::Experiment& experiment = scored->experiment;
  const std::string dataset = experiment.data().dataset();
  absl::StatusOr<gan::data::Splits> splits = gan::data::LoadSplits(dataset, UserPath(absl::GetFlag(FLAGS_data_dir)),
                                                                   experiment.data().tfd_fold(), experiment.data().gcn_scale());
  if (!splits.ok()) return gan::tools::Fail(kProgram, splits.status());
  const gan::data::Dataset& train = splits->train;
  // Table 1 needs validation and test images; without them (faces) only the figures.
  const bool measurable = splits->valid.rows() > 0 && splits->test.rows() >= 2;
  if (!measurable) {
    std::fprintf(stderr, "evaluate: data set '%s' has no validation or test split: no Table 1 rows, the figures only\n", dataset.c_str());
  }
  if (scored->output_dim != train.dim()) {
    const gan::data::ImageShape& image = train.shape;
    return gan::tools::Fail(kProgram, absl::FailedPreconditionError(absl::StrCat(
                                          checkpoint, ": its generator makes ", scored->output_dim, " values per sample, an image of data set '",
                                          dataset, "' has ", train.dim(), " (", image.channels, " x ", image.height, " x ", image.width, ")")));
  }
  // The classifier behind the feature figures, found (or trained) when first
  // needed and kept for the figures after.
  FigureClassifier figure_classifier;
  bool classifier_sought = false;
  const auto find_figure_classifier = [&]() -> absl::Status {
    if (classifier_sought || !absl::GetFlag(FLAGS_feature_figures)) return absl::OkStatus();
    classifier_sought = true;
    absl::StatusOr<FigureClassifier> found = FindFigureClassifier(dataset, *splits, argv[0]);
    if (!found.ok()) return found.status();
    figure_classifier = *std::move(found);
    return absl::OkStatus();
  };
  if (experiment.has_inpainting()) {
    if (absl::Status s = find_figure_classifier(); !s.ok()) return gan::tools::Fail(kProgram, s);
    const int64_t n_images = std::min<int64_t>(n_samples, splits->test.rows());
    if (absl::Status s = WriteInpaintingFigures(*scored, *splits, n_images, output_dir, figure_classifier); !s.ok()) {
      return gan::tools::Fail(kProgram, s);
    }
    return 0;
  }
  std::vector<float> reconstructions;  // an inference net's G(E(x)) of the test images
  if (experiment.has_inference() && measurable) {
    if (absl::Status s = find_figure_classifier(); !s.ok()) return gan::tools::Fail(kProgram, s);
    absl::StatusOr<std::vector<float>> made =
        WriteInferenceFigures(*scored->model, *splits, std::min<int64_t>(n_samples, splits->test.rows()), n_samples, output_dir, figure_classifier);
    if (!made.ok()) return gan::tools::Fail(kProgram, made.status());
    reconstructions = *std::move(made);
  }
  if (scored->model != nullptr && experiment.has_autoencoder()) {
    if (absl::Status s = WriteAutoencoderFigures(*scored->model, *splits, output_dir); !s.ok()) return gan::tools::Fail(kProgram, s);
    if (absl::Status samples = gan::CheckGeneratesFromNoise(*scored->model); !samples.ok()) {
      // Nothing to sample, so no Table 1 row.
      std::fprintf(stderr, "evaluate: wrote %s/autoencoder.json, reconstructions.png; no samples to score: %s\n", output_dir.c_str(),
                   std::string(samples.message()).c_str());
      return 0;
    }
  }
  const int64_t n_valid = std::min<int64_t>(n_valid_flag, splits->valid.rows());
  std::fprintf(stderr, "evaluate: %s (experiment %s, step %lld) on %s: %d samples, sigma on %lld validation images, %lld test images\n",
               checkpoint.c_str(), experiment.name().c_str(), static_cast<long long>(scored->step), dataset.c_str(), n_samples,
               static_cast<long long>(n_valid), static_cast<long long>(splits->test.rows()));

  gan::Rng rng(absl::GetFlag(FLAGS_seed));
  // A conditional G's classes in the test set's proportions: sample i is of the class of test image i (in turn).
  const bool conditional = gan::ConditionClasses(experiment) > 0;
  std::vector<int32_t> sample_labels;
  if (conditional) {
    const std::vector<int32_t>& labels = splits->test.labels;
    const int32_t largest = labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end());
    if (labels.empty() || largest >= gan::ConditionClasses(experiment)) {
      return gan::tools::Fail(kProgram, absl::FailedPreconditionError(absl::StrCat(
                                            checkpoint, ": a generator conditioned on ", gan::ConditionClasses(experiment), " classes; data set '",
                                            dataset, "' has ", labels.empty() ? "no test labels" : absl::StrCat("test label ", largest))));
    }
    for (int64_t i = 0; i < n_samples; ++i) sample_labels.push_back(labels[i % labels.size()]);
  }
  const std::vector<float> z = gan::DrawNoise(experiment, rng, n_samples, sample_labels);
  absl::StatusOr<std::vector<float>> generated = scored->generate(z.data(), n_samples);
  if (!generated.ok()) return gan::tools::Fail(kProgram, generated.status());
  const std::vector<float>& samples = *generated;

  if (measurable) {
    if (absl::Status s = find_figure_classifier(); !s.ok()) return gan::tools::Fail(kProgram, s);
    if (absl::Status s = WriteTable1(*scored, *splits, samples, sample_labels, n_valid, output_dir, figure_classifier,
                                  reconstructions.empty() ? nullptr : &reconstructions);
        !s.ok()) {
      return gan::tools::Fail(kProgram, s);
    }
    if (conditional) {
      if (absl::Status s = WriteClassFigures(*scored, *splits, samples, sample_labels, n_valid, output_dir, figure_classifier); !s.ok()) {
        return gan::tools::Fail(kProgram, s);
      }
    }
  }

  const gan::data::Display display = gan::data::DisplayFor(experiment.data().gcn_scale());
  // Figure 2: 10 rows of 6 samples and the nearest training example of each row's last.
  constexpr int64_t kRows = 10, kColumns = 6, kSteps = 11;
  if (absl::Status s = gan::data::WritePng(gan::eval::NearestNeighbourFigure(samples.data(), kRows, kColumns, train, display), output_dir + "/figure2.png");
      !s.ok()) {
    return gan::tools::Fail(kProgram, s);
  }
  // Figure 3: 10 rows of 11 images along lines between random z (and a conditional G's classes).
  const std::vector<float> endpoints = gan::DrawNoise(experiment, rng, 2 * kRows);
  const std::vector<float> line = gan::eval::InterpolateNoise(endpoints.data(), kRows, kSteps, gan::GeneratorInputDim(experiment));
  absl::StatusOr<std::vector<float>> decoded = scored->generate(line.data(), kRows * kSteps);
  if (!decoded.ok()) return gan::tools::Fail(kProgram, decoded.status());
  if (absl::Status s = gan::data::WritePng(gan::data::MakeGrid(decoded->data(), kRows * kSteps, train.shape, kSteps, display), output_dir + "/figure3.png");
      !s.ok()) {
    return gan::tools::Fail(kProgram, s);
  }
  std::fprintf(stderr, "evaluate: wrote %s/%s%sfigure2.png, figure3.png\n", output_dir.c_str(), measurable ? "parzen.json, " : "",
               measurable && conditional ? "classes.json, class_figure.png, " : "");
  return 0;
}
