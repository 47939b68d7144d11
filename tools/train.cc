// Trains a generative adversarial net (Goodfellow et al. 2014) from an
// experiment file, writing metrics, sample grids, checkpoints and report.html
// (rewritten every epoch) into one output directory, and at the end
// table1.json. Ctrl-C checkpoints and stops; --resume continues.
//
//   bazel run //tools:train                                  # quickstart: Fashion-MNIST, about 2 minutes
//   bazel run //tools:train -- --experiment=mnist --data_dir=/path/to/data
//   bazel run //tools:train -- --output_dir=runs/x --resume --epochs=300
//   mpirun -np 2 bazel-bin/tools/train --experiment=mnist     # one model trained by 2 processes
//   mpirun -np 4 bazel-bin/tools/train --sweep=seed=1,2 --ranks_per_run=2 --output_dir=runs/s  # 2 runs, 2 ranks each
//
// Under mpirun, the processes train one model together (distributed/group.h):
// every rank reads the experiment and its data set on its own machine; rank 0
// alone prints progress and writes the output directory.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/file_bytes.h"
#include "base/status_macros.h"
#include "data/download.h"
#include "data/load.h"
#include "distributed/group.h"
#include "distributed/mpi_group.h"
#include "eval/table1.h"
#include "export/generator_file.h"
#include "gan/spec/experiment.h"
#include "base/random.h"
#include "gan/spec/inpainting.h"
#include "gan/spec/noise.h"
#include "gan/run/trained_model.h"
#include "gan/run/trainer.h"
#include "report/run_report.h"
#include "tools/fail.h"
#include "tools/user_path.h"
#include "oneapi/dnnl/dnnl.hpp"

ABSL_FLAG(std::string, experiment, "quickstart",
          "an experiment name (experiments/NAME.pbtxt: quickstart, fashion_mnist, mnist, tfd, cifar10_fc, cifar10_conv, faces, "
          "mnist_autoencoder, mnist_denoising_autoencoder, mnist_vae) or a file path");
ABSL_FLAG(std::string, data_dir, "", "directory with the data set's files (or its <dataset>/ subdirectory); else $GAN_DATA_DIR, then ~/.cache/gan");
ABSL_FLAG(std::string, output_dir, "", "where outputs go; default runs/<experiment>-<date>-<time> in the current directory");
ABSL_FLAG(bool, resume, false, "continue the run in --output_dir from its checkpoint (its experiment.pbtxt unless --experiment is given)");
ABSL_FLAG(int, epochs, 0, "override the experiment's epochs");
ABSL_FLAG(int64_t, seed, -1, "override the experiment's seed");
ABSL_FLAG(double, learning_rate, 0, "override both optimisers' learning rate");
ABSL_FLAG(int, batch_size, 0, "override the experiment's batch size");
ABSL_FLAG(std::string, update_mode, "", "override: alternating (Algorithm 1 as written) or simultaneous (the authors' code)");
ABSL_FLAG(int, discriminator_steps, 0, "override k, the discriminator updates per generator update (alternating mode)");
ABSL_FLAG(int, max_train_examples, 0, "train on only the first N training images");
ABSL_FLAG(double, generator_ema_decay, -1,
          "override: keep a moving average of G's parameters with this decay per update (0: none); measured and "
          "checkpointed beside G, it never changes the training");
ABSL_FLAG(int, sample_every_epochs, 1, "write a sample grid every N epochs (0: never)");
ABSL_FLAG(bool, download, false, "download the data set (mnist, cifar10) into ~/.cache/gan if it is missing");
ABSL_FLAG(std::string, init_from, "",
          "start G and D from this checkpoint's parameters (a second training stage; the optimisers start afresh)");
ABSL_FLAG(int, parzen_every_epochs, 5,
          "every N epochs and at the last (0: never), measure G with the Parzen protocol (10,000 samples; sigma chosen on "
          "validation images 0-999): the mean over the other validation images selects best.ckpt, the test figure is "
          "logged beside it; needs a validation split. At the end, print best.ckpt's Table 1 row");
ABSL_FLAG(int, stop_after_epochs, 0, "checkpoint and stop when this epoch of the schedule ends (resume with --resume)");
ABSL_FLAG(double, collective_timeout_seconds, 60,
          "under mpirun: a rank that waits this long for the others during a step (20 times as long at an epoch's "
          "end, while rank 0 writes and reports) ends the job with an error naming itself");
ABSL_FLAG(std::string, sweep, "",
          "under mpirun: FLAG=V1,V2,... trains one run for each value of that flag (any flag of this program but the "
          "sweep's own, --output_dir and --resume; e.g. seed=1,2,3,4 or learning_rate=0.05,0.1), each on "
          "--ranks_per_run ranks, into <output_dir>/FLAG=V; the sweep ends with a table of every run (sweep.md) and "
          "one report of them all (report.html) in --output_dir");
ABSL_FLAG(int, ranks_per_run, 1, "with --sweep: the ranks that train each run (mpirun's -np must be runs times this)");
ABSL_FLAG(int, final_kmeans_iterations, 0,
          "Lloyd iterations of a k-means reference row in the final table (0: none; 10: //tools:evaluate's row, about "
          "a minute on its first call on a machine, then cached)");

namespace {

// Samples of G that every Parzen figure uses (the paper's 10,000).
constexpr int64_t kParzenSamples = 10000;

std::atomic<bool> stop_requested{false};

void OnSignal(int) {
  stop_requested = true;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends at once
  std::signal(SIGTERM, SIG_DFL);
}

constexpr char kProgram[] = "train";

}  // namespace

// Trains the run the flags describe on `group` (this process alone, or the
// ranks that train it together), and prints and writes its results. Returns
// a one-line summary of the run on rank 0 of the group (its Table 1 figure,
// or where it stopped), empty on the others.
absl::StatusOr<std::string> TrainRun(gan::distributed::Group& group, int argc, char** argv) {
  using gan::tools::UserPath;
  // Rank 0 speaks for the group.
  const bool lead = group.leads();
  const dnnl_version_t* version = dnnl_version();
  if (lead) std::fprintf(stderr, "gan train: oneDNN %d.%d.%d\n", version->major, version->minor, version->patch);

  std::string output_dir = UserPath(absl::GetFlag(FLAGS_output_dir));
  const bool resume = absl::GetFlag(FLAGS_resume);
  if (resume && output_dir.empty()) return absl::InvalidArgumentError("--resume needs --output_dir (the run to continue)");

  // The experiment: a path, a name in experiments/ (runfiles under bazel run, or beside the binary).
  std::string experiment_name = absl::GetFlag(FLAGS_experiment);
  auto flag_given = [&](const std::string& name) {
    for (int i = 1; i < argc; ++i) {
      if (std::string(argv[i]).rfind("--" + name, 0) == 0) return true;
    }
    return false;
  };
  if (resume && !flag_given("experiment")) experiment_name = output_dir + "/experiment.pbtxt";
  const std::string program(argv[0]);
  absl::StatusOr<gan::proto::Experiment> loaded = gan::LoadExperiment(UserPath(experiment_name), gan::tools::ExperimentDirs(program));
  if (!loaded.ok()) loaded = gan::LoadExperiment(experiment_name, gan::tools::ExperimentDirs(program));
  if (!loaded.ok()) return loaded.status();
  gan::proto::Experiment experiment = *loaded;

  if (absl::GetFlag(FLAGS_epochs) > 0) experiment.set_epochs(absl::GetFlag(FLAGS_epochs));
  if (absl::GetFlag(FLAGS_seed) >= 0) experiment.set_seed(static_cast<uint64_t>(absl::GetFlag(FLAGS_seed)));
  if (absl::GetFlag(FLAGS_batch_size) > 0) experiment.set_batch_size(absl::GetFlag(FLAGS_batch_size));
  if (absl::GetFlag(FLAGS_discriminator_steps) > 0) experiment.set_discriminator_steps(absl::GetFlag(FLAGS_discriminator_steps));
  if (const double decay = absl::GetFlag(FLAGS_generator_ema_decay); decay >= 0) {
    experiment.set_generator_ema_decay(static_cast<float>(decay));
  }
  if (absl::GetFlag(FLAGS_max_train_examples) > 0) experiment.mutable_data()->set_max_train_examples(absl::GetFlag(FLAGS_max_train_examples));
  if (const double lr = absl::GetFlag(FLAGS_learning_rate); lr > 0) {
    // The experiment's own optimisers only (asking for another kind's would add it).
    std::vector<gan::proto::Optimizer*> optimizers;
    if (experiment.has_autoencoder()) {
      optimizers = {experiment.mutable_autoencoder()->mutable_optimizer()};
    } else if (experiment.has_inference()) {
      optimizers = {experiment.mutable_inference()->mutable_optimizer()};
    } else {
      optimizers = {experiment.mutable_generator_optimizer(), experiment.mutable_discriminator_optimizer()};
    }
    for (gan::proto::Optimizer* opt : optimizers) {
      if (opt->has_sgd()) opt->mutable_sgd()->set_learning_rate(static_cast<float>(lr));
      if (opt->has_adam()) opt->mutable_adam()->set_learning_rate(static_cast<float>(lr));
    }
  }
  if (const std::string init = UserPath(absl::GetFlag(FLAGS_init_from)); !init.empty()) experiment.set_init_from(init);
  if (const std::string mode = absl::GetFlag(FLAGS_update_mode); !mode.empty()) {
    if (mode != "alternating" && mode != "simultaneous") {
      return absl::InvalidArgumentError("--update_mode must be alternating or simultaneous, not '" + mode + "'");
    }
    experiment.set_update_mode(mode == "alternating" ? gan::proto::ALTERNATING : gan::proto::SIMULTANEOUS);
  }
  if (absl::Status valid = gan::ValidateExperiment(experiment); !valid.ok()) return valid;

  // The data.
  const std::string data_dir = UserPath(absl::GetFlag(FLAGS_data_dir));
  const std::string dataset = experiment.data().dataset();
  const float gcn_scale = experiment.data().gcn_scale();
  absl::StatusOr<gan::data::Splits> splits = gan::data::LoadSplits(dataset, data_dir, experiment.data().tfd_fold(), gcn_scale);
  if (!splits.ok() && splits.status().code() == absl::StatusCode::kNotFound && absl::GetFlag(FLAGS_download)) {
    if (absl::Status d = gan::data::DownloadDataset(dataset); !d.ok()) return d;
    splits = gan::data::LoadSplits(dataset, data_dir, experiment.data().tfd_fold(), gcn_scale);
  }
  if (!splits.ok()) {
    const bool downloadable = dataset == "mnist" || dataset == "cifar10";
    return absl::Status(splits.status().code(), absl::StrCat(splits.status().message(), downloadable ? " (or pass --download)" : ""));
  }
  // What G and D train on; the reference rows of the final table use the whole training split.
  gan::data::Dataset train = splits->train;
  if (const int n = experiment.data().max_train_examples(); n > 0 && n < train.rows()) train = train.Slice(0, n, gan::data::Split::kTrain);
  int parzen_every_epochs = absl::GetFlag(FLAGS_parzen_every_epochs);
  if (parzen_every_epochs > 0 && splits->valid.rows() <= gan::eval::kPaperSigmaImages + 1) {
    // The default measures every run that can be measured; asking for it on one that cannot is an error.
    const std::string reason = absl::StrCat("data set '", dataset, "' has ", splits->valid.rows(), " validation images, and model selection needs more than ",
                                            gan::eval::kPaperSigmaImages);
    if (flag_given("parzen_every_epochs")) return absl::FailedPreconditionError(absl::StrCat("--parzen_every_epochs: ", reason));
    if (lead) std::fprintf(stderr, "no Parzen reports or best.ckpt: %s\n", reason.c_str());
    parzen_every_epochs = 0;
  }

  if (output_dir.empty()) {
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", std::localtime(&now));
    output_dir = UserPath(absl::StrCat("runs/", experiment.name(), "-", stamp));
  }
  gan::TrainerOptions options;
  options.output_dir = output_dir;
  options.resume = resume;
  options.sample_every_epochs = absl::GetFlag(FLAGS_sample_every_epochs);
  options.interactive = isatty(fileno(stderr));
  options.group = &group;
  options.stop = &stop_requested;
  options.report_every_epochs = parzen_every_epochs;
  options.stop_after_epoch = absl::GetFlag(FLAGS_stop_after_epochs);
  options.report_samples = kParzenSamples;
  options.validation_images = &splits->valid;
  options.report = [&](const float* samples, int64_t rows, const std::string& prefix) -> absl::StatusOr<gan::EpochReport> {
    absl::StatusOr<gan::eval::MonitorFigures> figures = gan::eval::MonitorGenerator(samples, rows, *splits);
    if (!figures.ok()) return figures.status();
    const gan::eval::ParzenReport& p = figures->protocol;
    return gan::EpochReport{
        absl::StrFormat("\"%1$sparzen_sigma\": %2$.4f, \"%1$sparzen_valid\": %3$.3f, \"%1$sparzen_valid_std_error\": %4$.3f, "
                        "\"%1$sparzen_test\": %5$.3f, \"%1$sparzen_test_std_error\": %6$.3f",
                        prefix, p.sigma, figures->selection_mean, figures->selection_std_error, p.test_mean, p.test_std_error),
        absl::StrFormat("Parzen valid %.1f, test %.1f +- %.1f (sigma %.3f)", figures->selection_mean, p.test_mean,
                        p.test_std_error, p.sigma),
        figures->selection_mean};
  };
  // report.html is rewritten after every epoch; a report that cannot be
  // written is said, and the training goes on.
  const std::string report_path = output_dir + "/report.html";
  auto write_report = [&] {
    if (absl::Status s = gan::report::WriteReport({output_dir}, report_path); !s.ok()) {
      std::fprintf(stderr, "train: report.html not written: %s\n", std::string(s.message()).c_str());
    }
  };
  options.after_epoch = [&](int64_t) { write_report(); };
  // An inference net's fixed generator (Experiment.inference): a path
  // relative to where train was started, or else to the runfiles
  // (models/mnist_generator.onnx under bazel run).
  std::optional<gan::exporter::GeneratorFile> inference_generator;
  if (experiment.has_inference()) {
    GAN_RETURN_IF_ERROR(gan::ValidateExperiment(experiment));
    std::string path = UserPath(experiment.inference().generator_file());
    if (const std::string in_runfiles = program + ".runfiles/gan/" + experiment.inference().generator_file();
        !std::filesystem::exists(path) && path[0] != '/' && std::filesystem::exists(in_runfiles)) {
      path = in_runfiles;
    }
    experiment.mutable_inference()->set_generator_file(std::filesystem::absolute(path).string());
    absl::StatusOr<gan::exporter::GeneratorFile> file = gan::exporter::LoadGeneratorFile(experiment);
    if (!file.ok()) return absl::Status(file.status().code(), absl::StrCat("inference.generator_file: ", file.status().message()));
    inference_generator = *std::move(file);
    options.inference_generator = inference_generator->generator.get();
    options.inference_generator_sha256 = inference_generator->sha256;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);

  absl::StatusOr<std::unique_ptr<gan::Trainer>> trainer = gan::Trainer::Create(experiment, train, options);
  if (!trainer.ok()) return trainer.status();
  if (lead) std::fprintf(stderr, "experiment %s on %s (%lld training images, seed %llu, noise %s): %lld epochs of %lld steps%s, %s%s\n",
               experiment.name().c_str(), dataset.c_str(), static_cast<long long>(train.rows()),
               static_cast<unsigned long long>(experiment.seed()),
               experiment.has_noise() ? gan::DescribeNoise(experiment.noise()).c_str() : "none",
               static_cast<long long>((*trainer)->total_epochs()), static_cast<long long>((*trainer)->steps_per_epoch()),
               experiment.phases_size() == 0 ? "" : absl::StrCat(" (", experiment.epochs(), " and ", experiment.phases_size(), " later phases)").c_str(),
               experiment.has_autoencoder()
                   ? absl::StrCat("an autoencoder (", gan::proto::Autoencoder::Kind_Name(experiment.autoencoder().kind()), ")").c_str()
               : experiment.has_inference()
                   ? absl::StrCat("an inference net for the generator of ", experiment.inference().generator_file()).c_str()
               : experiment.has_semi_supervised()
                   ? absl::StrCat("semi-supervised, ", experiment.semi_supervised().labelled(), " labelled images").c_str()
                   : absl::StrCat("update mode ", gan::UpdateModeName(experiment.update_mode())).c_str(),
               group.size() > 1 ? absl::StrCat("; ", group.size(), " ranks, ", experiment.batch_size() / group.size(), " rows of each batch each").c_str() : "");
  // One process writes a run directory at a time (two would interleave their
  // epochs). The lock goes with the process, however it ends.
  // Only rank 0 writes it.
  const std::string lock_path = output_dir + "/.train.lock";
  const int lock = lead ? open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644) : 0;
  if (lead && (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) != 0)) {
    return absl::FailedPreconditionError(absl::StrCat(
        output_dir, lock < 0 ? ": cannot open its lock file .train.lock" : ": another //tools:train is writing this run directory"));
  }
  // A fresh start would overwrite the run there and mix its metrics with the old ones.
  if (lead && !resume && std::filesystem::exists(output_dir + "/checkpoint.ckpt")) {
    return absl::FailedPreconditionError(absl::StrCat(
        output_dir, ": holds a run already (checkpoint.ckpt); continue it with --resume, or give another --output_dir"));
  }
  if (lead) std::fprintf(stderr, "output directory: %s\n", output_dir.c_str());
  // The last line, however the run ends: where everything is.
  auto say_where = [&] {
    const gan::Trainer& t = **trainer;
    const int64_t epochs_done = t.step() / t.steps_per_epoch();
    std::fprintf(stderr, "%s; beside it metrics.jsonl, samples/, checkpoint.ckpt (epoch %lld of %lld)%s%s%s\n",
                 std::filesystem::exists(report_path) ? report_path.c_str() : absl::StrCat(output_dir, " (no report.html yet)").c_str(),
                 static_cast<long long>(epochs_done), static_cast<long long>(t.total_epochs()),
                 t.best_epoch() > 0 ? absl::StrCat(", best.ckpt (epoch ", t.best_epoch(), ")").c_str() : "",
                 t.finished() && t.best_epoch() > 0 ? ", table1.json" : "",
                 t.finished() ? "" : absl::StrCat("; continue with --output_dir=", output_dir, " --resume").c_str());
  };
  const absl::Status result = (*trainer)->Run();
  if (!result.ok()) {
    if (lead) say_where();
    return result;
  }
  // The run's outputs are rank 0's; the other ranks are done.
  if (!lead) return std::string();
  gan::Trainer& done = **trainer;
  if (!done.finished() || done.best_epoch() == 0) {
    say_where();
    // A resumed run that was already at its end takes no step, so it has no figures.
    return absl::StrFormat("epoch %d of %d: %s", done.step() / done.steps_per_epoch(), done.total_epochs(),
                           done.last_figures().empty() ? "no step taken here"
                                                       : done.learner().DescribeFigures(done.last_figures()));
  }

  // The run's result: Table 1's row of the selected checkpoint (and of its
  // moving average of G, if kept), with the reference rows.
  const std::string best = done.best_checkpoint_path();
  absl::StatusOr<gan::TrainedModel> selected = gan::LoadTrainedModel(best);
  if (!selected.ok()) return selected.status();
  const std::string chosen = absl::StrCat(best, ": epoch ", done.best_epoch(), " of ", done.total_epochs(),
                                          ", chosen by validation Parzen ", absl::StrFormat("%.1f", done.best_selection()));
  std::vector<gan::eval::Table1Row> rows;  // model, model_ema if kept, then the references
  for (auto [name, generator] : {std::pair{"model", selected->generator.get()}, std::pair{"model_ema", selected->generator_ema.get()}}) {
    if (generator == nullptr) continue;
    gan::Rng rng(gan::kEvaluationNoiseSeed);
    std::vector<float> z, samples;
    if (experiment.has_inpainting()) {
      // An inpainter's completions of the test images, each under a training-family mask.
      z = gan::TrainingInputs(experiment, rng, splits->test.pixels.data(), splits->test.rows(), kParzenSamples);
      const std::vector<float> generated = generator->Infer(z.data(), kParzenSamples);
      samples = gan::CompleteRows(experiment, z.data(), generated.data(), kParzenSamples);
    } else {
      // A conditional G's classes in the test set's proportions, as //tools:evaluate draws them.
      z = gan::DrawNoise(experiment, rng, kParzenSamples, gan::ConditionClasses(experiment) > 0 ? splits->test.labels : std::vector<int32_t>{});
      samples = generator->Infer(z.data(), kParzenSamples);
    }
    absl::StatusOr<gan::eval::Table1Row> row = gan::eval::ScoreRow(
        name, generator == selected->generator.get() ? chosen : "G's moving average in the same checkpoint", samples.data(),
        kParzenSamples, *splits);
    if (!row.ok()) return row.status();
    rows.push_back(*std::move(row));
  }
  std::fprintf(stderr, "Table 1 (paper protocol on the test set; computing the reference rows)\n");
  absl::StatusOr<std::vector<gan::eval::Table1Row>> references =
      gan::eval::ReferenceRows(*splits, kParzenSamples, absl::GetFlag(FLAGS_final_kmeans_iterations),
                               gan::eval::kPaperSigmaImages, gan::eval::ReferenceRowsCacheDir());
  if (!references.ok()) return references.status();
  rows.insert(rows.end(), references->begin(), references->end());
  std::printf("%s", gan::eval::FormatTable1(rows).c_str());
  std::fflush(stdout);  // the table before the last line, on a terminal too
  if (absl::Status s = gan::base::WriteFileAtomically(output_dir + "/table1.json", gan::eval::Table1Json(rows) + "\n"); !s.ok()) {
    return s;
  }
  write_report();
  say_where();
  std::string summary = absl::StrFormat("test Parzen %.1f +- %.1f (best.ckpt: epoch %d of %d, validation %.1f)", rows[0].report.test_mean,
                                        rows[0].report.test_std_error, done.best_epoch(), done.total_epochs(), done.best_selection());
  if (rows.size() > 1 && rows[1].name == "model_ema") {
    absl::StrAppendFormat(&summary, "; moving average %.1f +- %.1f", rows[1].report.test_mean, rows[1].report.test_std_error);
  }
  return summary;
}

namespace {

// A sweep's runs: one per value of one flag.
struct Sweep {
  std::string flag;
  std::vector<std::string> values;
  std::string Label(size_t run) const { return flag + "=" + values[run]; }
};

// --sweep's FLAG=V1,V2,...; errors name what is wrong. Each value is parsed
// by the flag itself, so a value it would refuse is refused here, before any run.
absl::StatusOr<Sweep> ParseSweep(const std::string& text) {
  const size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size()) {
    return absl::InvalidArgumentError(absl::StrCat("--sweep must be FLAG=V1,V2,... (e.g. seed=1,2,3), not '", text, "'"));
  }
  Sweep sweep{text.substr(0, equals), absl::StrSplit(text.substr(equals + 1), ',')};
  for (const char* own : {"sweep", "ranks_per_run", "output_dir", "resume", "collective_timeout_seconds"}) {
    if (sweep.flag == own) return absl::InvalidArgumentError(absl::StrCat("--sweep: --", own, " cannot be swept"));
  }
  absl::CommandLineFlag* flag = absl::FindCommandLineFlag(sweep.flag);
  if (flag == nullptr) return absl::InvalidArgumentError(absl::StrCat("--sweep: train has no flag --", sweep.flag));
  const std::string current = flag->CurrentValue();
  for (const std::string& value : sweep.values) {
    std::string error;
    if (value.empty() || !flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(absl::StrCat("--sweep: '", value, "' is not a value of --", sweep.flag, ": ", error));
    }
  }
  std::string error;
  flag->ParseFrom(current, &error);
  return sweep;
}

// The end of a sweep: each run's rank 0 sends its label, summary and
// metrics; the world's rank 0 writes sweep.md (one row per run), prints it,
// and draws every run in one report.html. Another machine's run directory
// is recreated here from what it sent (experiment and metrics), so no rank
// needs a shared file system.
absl::Status EndSweep(gan::distributed::MpiGroup& world, const Sweep& sweep, const std::string& sweep_dir, size_t run,
                      bool run_lead, const std::string& summary) {
  std::string message;
  if (run_lead) {
    const std::string dir = absl::StrCat(sweep_dir, "/", sweep.Label(run));
    absl::StatusOr<std::string> metrics = gan::base::ReadFileBytes(dir + "/metrics.jsonl");
    absl::StatusOr<std::string> experiment = gan::base::ReadFileBytes(dir + "/experiment.pbtxt");
    // Four fields, each as its size and its bytes.
    for (const std::string& field : {std::to_string(run), summary, metrics.ok() ? *metrics : "", experiment.ok() ? *experiment : ""}) {
      absl::StrAppend(&message, field.size(), ":", field);
    }
  }
  absl::StatusOr<std::vector<std::string>> gathered = world.GatherToLead(message);
  if (!gathered.ok()) return gathered.status();
  if (!world.leads()) return absl::OkStatus();
  std::vector<std::string> rows(sweep.values.size(), "(no result: its ranks failed)");
  std::vector<std::string> dirs;
  for (const std::string& received : *gathered) {
    if (received.empty()) continue;
    std::vector<std::string> fields;
    for (size_t at = 0; at < received.size() && fields.size() < 4;) {
      const size_t colon = received.find(':', at);
      const size_t length = std::stoul(received.substr(at, colon - at));
      fields.push_back(received.substr(colon + 1, length));
      at = colon + 1 + length;
    }
    const size_t index = std::stoul(fields[0]);
    rows[index] = fields[1];
    const std::string dir = absl::StrCat(sweep_dir, "/", sweep.Label(index));
    if (!std::filesystem::exists(dir + "/metrics.jsonl") && !fields[2].empty()) {
      GAN_RETURN_IF_ERROR(gan::base::MakeDirs(dir));
      GAN_RETURN_IF_ERROR(gan::base::WriteFileAtomically(dir + "/metrics.jsonl", fields[2]));
      GAN_RETURN_IF_ERROR(gan::base::WriteFileAtomically(dir + "/experiment.pbtxt", fields[3]));
    }
    if (std::filesystem::exists(dir + "/experiment.pbtxt")) dirs.push_back(dir);
  }
  std::string table = absl::StrCat("| run | result |\n|---|---|\n");
  for (size_t r = 0; r < rows.size(); ++r) absl::StrAppend(&table, "| ", sweep.Label(r), " | ", rows[r], " |\n");
  std::printf("sweep of %zu runs (%s)\n%s", rows.size(), sweep_dir.c_str(), table.c_str());
  std::fflush(stdout);
  GAN_RETURN_IF_ERROR(gan::base::WriteFileAtomically(sweep_dir + "/sweep.md", table));
  if (!dirs.empty()) GAN_RETURN_IF_ERROR(gan::report::WriteReport(dirs, sweep_dir + "/report.html"));
  std::fprintf(stderr, "sweep: %s/sweep.md and %s/report.html\n", sweep_dir.c_str(), sweep_dir.c_str());
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Under mpirun, this process is one rank of the job.
  std::unique_ptr<gan::distributed::MpiGroup> world;
  if (gan::distributed::LaunchedByMpirun()) {
    absl::StatusOr<std::unique_ptr<gan::distributed::MpiGroup>> joined =
        gan::distributed::JoinWorld(absl::GetFlag(FLAGS_collective_timeout_seconds));
    if (!joined.ok()) return gan::tools::Fail(kProgram, joined.status());
    world = *std::move(joined);
  }
  // An error on one rank of a job ends every rank: the others would wait for it.
  auto fail = [&world](const absl::Status& status) -> int {
    if (world != nullptr && world->size() > 1) gan::distributed::Abort(absl::StrCat(kProgram, ": ", status.message()));
    return gan::tools::Fail(kProgram, status);
  };
  gan::distributed::Group* group = world != nullptr ? static_cast<gan::distributed::Group*>(world.get()) : &gan::distributed::Solo();

  // A sweep: this rank's run, its output directory, and the ranks that train it.
  const std::string sweep_text = absl::GetFlag(FLAGS_sweep);
  std::optional<Sweep> sweep;
  std::unique_ptr<gan::distributed::MpiGroup> run_group;
  std::string sweep_dir;
  size_t run = 0;
  if (!sweep_text.empty()) {
    absl::StatusOr<Sweep> parsed = ParseSweep(sweep_text);
    if (!parsed.ok()) return fail(parsed.status());
    sweep = *std::move(parsed);
    const int ranks_per_run = absl::GetFlag(FLAGS_ranks_per_run);
    const int64_t needed = static_cast<int64_t>(sweep->values.size()) * ranks_per_run;
    if (world == nullptr || ranks_per_run < 1 || world->size() != needed) {
      return fail(absl::InvalidArgumentError(absl::StrCat(
          "--sweep: ", sweep->values.size(), " runs of --ranks_per_run=", ranks_per_run, " need mpirun -np ", needed,
          world == nullptr ? "; this is not an mpirun job" : absl::StrCat("; the job has ", world->size(), " ranks"))));
    }
    sweep_dir = gan::tools::UserPath(absl::GetFlag(FLAGS_output_dir));
    if (sweep_dir.empty()) return fail(absl::InvalidArgumentError("--sweep needs --output_dir (the sweep's directory)"));
    run = static_cast<size_t>(world->rank() / ranks_per_run);
    std::string error;
    absl::FindCommandLineFlag(sweep->flag)->ParseFrom(sweep->values[run], &error);
    absl::SetFlag(&FLAGS_output_dir, absl::StrCat(sweep_dir, "/", sweep->Label(run)));
    absl::StatusOr<std::unique_ptr<gan::distributed::MpiGroup>> split = world->Split(static_cast<int>(run));
    if (!split.ok()) return fail(split.status());
    run_group = *std::move(split);
    group = run_group.get();
  }

  absl::StatusOr<std::string> summary = TrainRun(*group, argc, argv);
  if (!summary.ok()) {
    // A run of one rank in a sweep fails alone (its row says so); else every rank ends.
    if (!sweep || group->size() > 1) return fail(summary.status());
    gan::tools::Fail(kProgram, summary.status());
    summary = absl::StrCat("failed: ", summary.status().message());
  }
  if (!sweep) return 0;
  if (absl::Status ended = EndSweep(*world, *sweep, sweep_dir, run, group->leads(), *summary); !ended.ok()) return fail(ended);
  return 0;
}
