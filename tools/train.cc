// Trains a generative adversarial net (Goodfellow et al. 2014) from an
// experiment file, writing metrics, sample grids, checkpoints and report.html
// (rewritten every epoch) into one output directory, and at the end
// table1.json. Ctrl-C checkpoints and stops; --resume continues.
//
//   bazel run //tools:train                                  # quickstart: Fashion-MNIST, about 2 minutes
//   bazel run //tools:train -- --experiment=mnist --data_dir=/path/to/data
//   bazel run //tools:train -- --output_dir=runs/x --resume --epochs=300
//   mpirun -np 2 bazel-bin/tools/train --experiment=mnist     # one model trained by 2 processes
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
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/file_bytes.h"
#include "data/download.h"
#include "data/load.h"
#include "distributed/group.h"
#include "distributed/mpi_group.h"
#include "eval/table1.h"
#include "gan/spec/experiment.h"
#include "base/random.h"
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

int main(int argc, char** argv) {
  using gan::tools::UserPath;
  absl::ParseCommandLine(argc, argv);
  // Under mpirun, this process is one rank of the group that trains the model.
  std::unique_ptr<gan::distributed::MpiGroup> world;
  if (gan::distributed::LaunchedByMpirun()) {
    absl::StatusOr<std::unique_ptr<gan::distributed::MpiGroup>> joined =
        gan::distributed::JoinWorld(absl::GetFlag(FLAGS_collective_timeout_seconds));
    if (!joined.ok()) return gan::tools::Fail(kProgram, joined.status());
    world = *std::move(joined);
  }
  gan::distributed::Group& group = world != nullptr ? *world : gan::distributed::Solo();
  // An error on one rank ends every rank: the others would wait for it.
  auto fail = [&group](const absl::Status& status) -> int {
    if (group.size() > 1) gan::distributed::Abort(absl::StrCat(kProgram, ": ", status.message()));
    return gan::tools::Fail(kProgram, status);
  };
  // Rank 0 speaks for the group.
  const bool lead = group.leads();
  const dnnl_version_t* version = dnnl_version();
  if (lead) std::fprintf(stderr, "gan train: oneDNN %d.%d.%d\n", version->major, version->minor, version->patch);

  std::string output_dir = UserPath(absl::GetFlag(FLAGS_output_dir));
  const bool resume = absl::GetFlag(FLAGS_resume);
  if (resume && output_dir.empty()) return fail(absl::InvalidArgumentError("--resume needs --output_dir (the run to continue)"));

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
  if (!loaded.ok()) return fail(loaded.status());
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
    std::vector<gan::proto::Optimizer*> optimizers = {experiment.mutable_generator_optimizer(), experiment.mutable_discriminator_optimizer()};
    if (experiment.has_autoencoder()) optimizers = {experiment.mutable_autoencoder()->mutable_optimizer()};
    for (gan::proto::Optimizer* opt : optimizers) {
      if (opt->has_sgd()) opt->mutable_sgd()->set_learning_rate(static_cast<float>(lr));
      if (opt->has_adam()) opt->mutable_adam()->set_learning_rate(static_cast<float>(lr));
    }
  }
  if (const std::string init = UserPath(absl::GetFlag(FLAGS_init_from)); !init.empty()) experiment.set_init_from(init);
  if (const std::string mode = absl::GetFlag(FLAGS_update_mode); !mode.empty()) {
    if (mode != "alternating" && mode != "simultaneous") {
      return fail(absl::InvalidArgumentError("--update_mode must be alternating or simultaneous, not '" + mode + "'"));
    }
    experiment.set_update_mode(mode == "alternating" ? gan::proto::ALTERNATING : gan::proto::SIMULTANEOUS);
  }
  if (absl::Status valid = gan::ValidateExperiment(experiment); !valid.ok()) return fail(valid);

  // The data.
  const std::string data_dir = UserPath(absl::GetFlag(FLAGS_data_dir));
  const std::string dataset = experiment.data().dataset();
  const float gcn_scale = experiment.data().gcn_scale();
  absl::StatusOr<gan::data::Splits> splits = gan::data::LoadSplits(dataset, data_dir, experiment.data().tfd_fold(), gcn_scale);
  if (!splits.ok() && splits.status().code() == absl::StatusCode::kNotFound && absl::GetFlag(FLAGS_download)) {
    if (absl::Status d = gan::data::DownloadDataset(dataset); !d.ok()) return fail(d);
    splits = gan::data::LoadSplits(dataset, data_dir, experiment.data().tfd_fold(), gcn_scale);
  }
  if (!splits.ok()) {
    const bool downloadable = dataset == "mnist" || dataset == "cifar10";
    return fail(absl::Status(splits.status().code(), absl::StrCat(splits.status().message(),
                                                                  downloadable ? " (or pass --download)" : "")));
  }
  // What G and D train on; the reference rows of the final table use the whole training split.
  gan::data::Dataset train = splits->train;
  if (const int n = experiment.data().max_train_examples(); n > 0 && n < train.rows()) train = train.Slice(0, n, gan::data::Split::kTrain);
  int parzen_every_epochs = absl::GetFlag(FLAGS_parzen_every_epochs);
  if (parzen_every_epochs > 0 && splits->valid.rows() <= gan::eval::kPaperSigmaImages + 1) {
    // The default measures every run that can be measured; asking for it on one that cannot is an error.
    const std::string reason = absl::StrCat("data set '", dataset, "' has ", splits->valid.rows(), " validation images, and model selection needs more than ",
                                            gan::eval::kPaperSigmaImages);
    if (flag_given("parzen_every_epochs")) return fail(absl::FailedPreconditionError(absl::StrCat("--parzen_every_epochs: ", reason)));
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
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);

  absl::StatusOr<std::unique_ptr<gan::Trainer>> trainer = gan::Trainer::Create(experiment, train, options);
  if (!trainer.ok()) return fail(trainer.status());
  if (lead) std::fprintf(stderr, "experiment %s on %s (%lld training images, seed %llu, noise %s): %lld epochs of %lld steps%s, %s%s\n",
               experiment.name().c_str(), dataset.c_str(), static_cast<long long>(train.rows()),
               static_cast<unsigned long long>(experiment.seed()),
               experiment.has_noise() ? gan::DescribeNoise(experiment.noise()).c_str() : "none",
               static_cast<long long>((*trainer)->total_epochs()), static_cast<long long>((*trainer)->steps_per_epoch()),
               experiment.phases_size() == 0 ? "" : absl::StrCat(" (", experiment.epochs(), " and ", experiment.phases_size(), " later phases)").c_str(),
               experiment.has_autoencoder()
                   ? absl::StrCat("an autoencoder (", gan::proto::Autoencoder::Kind_Name(experiment.autoencoder().kind()), ")").c_str()
                   : absl::StrCat("update mode ", gan::UpdateModeName(experiment.update_mode())).c_str(),
               group.size() > 1 ? absl::StrCat("; ", group.size(), " ranks, ", experiment.batch_size() / group.size(), " rows of each batch each").c_str() : "");
  // One process writes a run directory at a time (two would interleave their
  // epochs). The lock goes with the process, however it ends.
  // Only rank 0 writes it.
  const std::string lock_path = output_dir + "/.train.lock";
  const int lock = lead ? open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644) : 0;
  if (lead && (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) != 0)) {
    return fail(absl::FailedPreconditionError(absl::StrCat(
        output_dir, lock < 0 ? ": cannot open its lock file .train.lock" : ": another //tools:train is writing this run directory")));
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
    return fail(result);
  }
  // The run's outputs are rank 0's; the other ranks are done.
  if (!lead) return 0;
  if (!(*trainer)->finished() || (*trainer)->best_epoch() == 0) {
    say_where();
    return 0;
  }

  // The run's result: Table 1's row of the selected checkpoint (and of its
  // moving average of G, if kept), with the reference rows.
  const std::string best = (*trainer)->best_checkpoint_path();
  absl::StatusOr<gan::TrainedModel> selected = gan::LoadTrainedModel(best);
  if (!selected.ok()) return fail(selected.status());
  const std::string chosen = absl::StrCat(best, ": epoch ", (*trainer)->best_epoch(), " of ", (*trainer)->total_epochs(),
                                          ", chosen by validation Parzen ", absl::StrFormat("%.1f", (*trainer)->best_selection()));
  std::vector<gan::eval::Table1Row> rows;
  for (auto [name, generator] : {std::pair{"model", selected->generator.get()}, std::pair{"model_ema", selected->generator_ema.get()}}) {
    if (generator == nullptr) continue;
    gan::Rng rng(gan::kEvaluationNoiseSeed);
    const std::vector<float> z = gan::DrawNoise(experiment, rng, kParzenSamples);
    const std::vector<float> samples = generator->Infer(z.data(), kParzenSamples);
    absl::StatusOr<gan::eval::Table1Row> row = gan::eval::ScoreRow(
        name, generator == selected->generator.get() ? chosen : "G's moving average in the same checkpoint", samples.data(),
        kParzenSamples, *splits);
    if (!row.ok()) return fail(row.status());
    rows.push_back(*std::move(row));
  }
  std::fprintf(stderr, "Table 1 (paper protocol on the test set; computing the reference rows)\n");
  absl::StatusOr<std::vector<gan::eval::Table1Row>> references =
      gan::eval::ReferenceRows(*splits, kParzenSamples, absl::GetFlag(FLAGS_final_kmeans_iterations),
                               gan::eval::kPaperSigmaImages, gan::eval::ReferenceRowsCacheDir());
  if (!references.ok()) return fail(references.status());
  rows.insert(rows.end(), references->begin(), references->end());
  std::printf("%s", gan::eval::FormatTable1(rows).c_str());
  std::fflush(stdout);  // the table before the last line, on a terminal too
  if (absl::Status s = gan::base::WriteFileAtomically(output_dir + "/table1.json", gan::eval::Table1Json(rows) + "\n"); !s.ok()) {
    return fail(s);
  }
  write_report();
  say_where();
  return 0;
}
