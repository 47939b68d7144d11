// The trainer end to end on a subset of Fashion-MNIST (which setup.sh installs
// from Debian): it learns, resumes bit-identically, refuses damaged or foreign
// checkpoints, and stops on NaN.
#include "gan/run/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "data/test_subsets.h"
#include "gan/spec/experiment.h"
#include "gan/spec/inpainting.h"
#include "gan/learners/gan_learner.h"
#include "gan/nets/layers.h"
#include "gan/spec/noise.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

std::string TempDir(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") + "/" + name;
}

// A small model of the paper's shape (maxout D with dropout, ReLU/sigmoid G).
proto::Experiment SmallExperiment() {
  return ParseExperiment(R"(
    name: "small" noise_dim: 10 batch_size: 50 epochs: 3 seed: 7 update_mode: SIMULTANEOUS
    noise { normal { mean: 0 stddev: 1 } } data { dataset: "fashion_mnist" }
    generator {
      layers { linear { units: 64 activation: RELU weight_irange: 0.05 } }
      layers { linear { units: 784 activation: SIGMOID weight_irange: 0.05 bias_from_data_mean_logit: true } }
    }
    discriminator {
      layers { dropout { keep_prob: 0.8 } }
      layers { maxout { units: 32 pieces: 3 weight_irange: 0.005 max_column_norm: 1.9 } }
      layers { dropout { keep_prob: 0.5 } }
      layers { linear { units: 1 weight_irange: 0.005 } }
    }
    generator_optimizer { sgd { learning_rate: 0.1 lr_decay_factor: 1.000004 min_learning_rate: 1e-6
                                initial_momentum: 0.5 final_momentum: 0.7 momentum_start_epoch: 1 momentum_saturate_epoch: 3 } }
    discriminator_optimizer { sgd { learning_rate: 0.1 lr_decay_factor: 1.000004 min_learning_rate: 1e-6
                                    initial_momentum: 0.5 final_momentum: 0.7 momentum_start_epoch: 1 momentum_saturate_epoch: 3 } }
  )", "small").value();
}

// The GAN learner's last iteration.
const StepStats& LastStats(Trainer& trainer) { return static_cast<GanLearner&>(trainer.learner()).last_stats(); }

std::vector<float> AllParameters(Trainer& trainer) {
  std::vector<float> all;
  for (Mlp* mlp : {&trainer.generator(), trainer.net("d")}) {
    for (const ParameterRef& p : mlp->Parameters()) all.insert(all.end(), p.value, p.value + p.size);
  }
  return all;
}

std::unique_ptr<Trainer> MakeTrainer(const proto::Experiment& e, const std::string& dir, int64_t max_steps = 0,
                                     bool resume = false) {
  TrainerOptions options;
  options.output_dir = dir;
  options.max_steps = max_steps;
  options.resume = resume;
  absl::StatusOr<std::unique_ptr<Trainer>> trainer = Trainer::Create(e, data::FashionMnistTrainingSubset(), options);
  EXPECT_TRUE(trainer.ok()) << trainer.status();
  return trainer.ok() ? *std::move(trainer) : nullptr;
}

TEST(TrainerTest, ShortRunLearns) {
  for (proto::UpdateMode mode : {proto::SIMULTANEOUS, proto::ALTERNATING}) {
    proto::Experiment e = SmallExperiment();
    e.set_update_mode(mode);
    e.set_epochs(8);
    auto trainer = MakeTrainer(e, TempDir(std::string("learns_") + proto::UpdateMode_Name(mode)), /*max_steps=*/1);
    // Step by step (20 steps an epoch). D starts from weights of +-0.005, so
    // both D(x) and D(G(z)) sit at 0.5 for a few dozen updates; by steps
    // 50-70 D must clearly separate real from generated.
    std::vector<StepStats> history;
    for (int i = 0; i < 8 * trainer->steps_per_epoch(); ++i) {
      ASSERT_TRUE(trainer->Run().ok());
      history.push_back(LastStats(*trainer));
      if (std::getenv("TRAINER_TEST_VERBOSE")) {
        std::fprintf(stderr, "%d D(x) %.3f D(G(z)) %.3f G %.3f D %.3f\n", i, history.back().mean_d_real,
                     history.back().mean_d_fake, history.back().g_loss, history.back().d_loss);
      }
    }
    double d_real = 0, d_fake = 0;
    for (int i = 50; i < 70; ++i) {
      d_real += history[i].mean_d_real / 20;
      d_fake += history[i].mean_d_fake / 20;
    }
    EXPECT_GT(d_real, d_fake + 0.3) << "mean D(x) should clearly exceed mean D(G(z)) after the first updates";
    // Then G answers: its loss falls from its peak.
    double peak = 0;
    for (const StepStats& s : history) peak = std::max(peak, s.g_loss);
    double last = 0;
    for (size_t i = history.size() - 20; i < history.size(); ++i) last += history[i].g_loss / 20;
    EXPECT_LT(last, 0.9 * peak) << proto::UpdateMode_Name(mode);
  }
}

TEST(TrainerTest, ResumedRunIsBitIdentical) {
  const proto::Experiment e = SmallExperiment();
  auto straight = MakeTrainer(e, TempDir("straight"));
  ASSERT_TRUE(straight->Run().ok());
  EXPECT_EQ(straight->step(), 3 * straight->steps_per_epoch());

  // Interrupted mid-epoch 2 (step 27 of 60), then resumed in a new trainer.
  const std::string dir = TempDir("interrupted");
  auto first = MakeTrainer(e, dir, /*max_steps=*/27);
  ASSERT_TRUE(first->Run().ok());
  EXPECT_EQ(first->step(), 27);
  first.reset();
  auto resumed = MakeTrainer(e, dir, 0, /*resume=*/true);
  ASSERT_TRUE(resumed->Run().ok());
  EXPECT_EQ(resumed->step(), straight->step());
  EXPECT_TRUE(AllParameters(*resumed) == AllParameters(*straight)) << "parameters differ after resume";

  // The output directory holds what it promises.
  EXPECT_TRUE(std::ifstream(dir + "/samples/epoch_0003.png").good());
  std::ifstream metrics(dir + "/metrics.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(metrics, line)) ++lines;
  EXPECT_EQ(lines, 3);
}

// The same with SGD folded into the products (fold_into_products): the
// folded velocities and their scale resume where they were, and the scale is
// not 1 at the interruption (step 27: momentum^10 since the renormalisation
// at step 17), so a checkpoint without it would fail this.
TEST(TrainerTest, ResumedRunIsBitIdenticalWithFoldedSgd) {
  proto::Experiment e = SmallExperiment();
  e.mutable_generator_optimizer()->mutable_sgd()->set_fold_into_products(true);
  e.mutable_discriminator_optimizer()->mutable_sgd()->set_fold_into_products(true);
  auto straight = MakeTrainer(e, TempDir("folded_straight"));
  ASSERT_TRUE(straight->Run().ok());
  const std::string dir = TempDir("folded_interrupted");
  auto first = MakeTrainer(e, dir, /*max_steps=*/27);
  ASSERT_TRUE(first->Run().ok());
  first.reset();
  auto resumed = MakeTrainer(e, dir, 0, /*resume=*/true);
  ASSERT_TRUE(resumed->Run().ok());
  EXPECT_EQ(resumed->step(), straight->step());
  EXPECT_TRUE(AllParameters(*resumed) == AllParameters(*straight)) << "parameters differ after resume";
}

// bf16 products (precision: BF16) train, move the results away from fp32's,
// and resume bit-identically; with a folded SGD they are refused, and on a
// processor without AVX512_BF16 they are refused by name.
TEST(TrainerTest, Bf16ProductsTrainAndResumeBitIdentically) {
  proto::Experiment e = SmallExperiment();
  e.set_precision(proto::Experiment::BF16);
  if (!Bf16ProductsAvailable()) {
    TrainerOptions options;
    options.output_dir = TempDir("bf16_refused");
    absl::StatusOr<std::unique_ptr<Trainer>> refused = Trainer::Create(e, data::FashionMnistTrainingSubset(), options);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.status().message().find("precision: BF16: generator: bf16 products need a processor with AVX512_BF16"),
              std::string::npos) << refused.status();
    GTEST_SKIP() << "this processor lacks AVX512_BF16: only the refusal was checked";
  }
  auto bf16 = MakeTrainer(e, TempDir("bf16_straight"));
  ASSERT_TRUE(bf16->Run().ok());
  EXPECT_TRUE(std::isfinite(LastStats(*bf16).d_loss));
  auto fp32 = MakeTrainer(SmallExperiment(), TempDir("fp32_straight"));
  ASSERT_TRUE(fp32->Run().ok());
  EXPECT_FALSE(AllParameters(*bf16) == AllParameters(*fp32)) << "precision: BF16 trained exactly as FP32";

  const std::string dir = TempDir("bf16_interrupted");
  auto first = MakeTrainer(e, dir, /*max_steps=*/27);
  ASSERT_TRUE(first->Run().ok());
  first.reset();
  auto resumed = MakeTrainer(e, dir, 0, /*resume=*/true);
  ASSERT_TRUE(resumed->Run().ok());
  EXPECT_TRUE(AllParameters(*resumed) == AllParameters(*bf16)) << "parameters differ after resume";

  e.mutable_discriminator_optimizer()->mutable_sgd()->set_fold_into_products(true);
  TrainerOptions options;
  options.output_dir = TempDir("bf16_folded");
  absl::StatusOr<std::unique_ptr<Trainer>> folded = Trainer::Create(e, data::FashionMnistTrainingSubset(), options);
  ASSERT_FALSE(folded.ok());
  EXPECT_NE(folded.status().message().find("precision: BF16 cannot be combined with discriminator_optimizer.sgd.fold_into_products"),
            std::string::npos) << folded.status();
}

// Reports join the metrics lines of the epochs they are due in, and measuring
// the generator (here: its inference forward, as the Parzen report does)
// leaves the training exactly as it was.
TEST(TrainerTest, EpochReportsJoinTheMetricsAndChangeNothing) {
  const proto::Experiment e = SmallExperiment();  // 3 epochs
  auto plain = MakeTrainer(e, TempDir("unreported"));
  ASSERT_TRUE(plain->Run().ok());

  const std::string dir = TempDir("reported");
  TrainerOptions options;
  options.output_dir = dir;
  options.report_every_epochs = 2;
  int calls = 0;
  options.report_samples = 7;
  Trainer* trainer = nullptr;
  options.report = [&](const float* x, int64_t rows, const std::string&) -> absl::StatusOr<EpochReport> {
    ++calls;
    // G's samples of the evaluation noise, as //tools:evaluate draws them.
    EXPECT_EQ(rows, 7);
    Rng rng(kEvaluationNoiseSeed);
    const std::vector<float> z = DrawNoise(e, rng, rows);
    const std::vector<float> expected = trainer->generator().Infer(z.data(), rows);
    EXPECT_TRUE(std::vector<float>(x, x + expected.size()) == expected) << "the report was given other samples";
    return EpochReport{"\"first_pixel\": " + std::to_string(x[0]), "first pixel " + std::to_string(x[0])};
  };
  auto reported = Trainer::Create(e, data::FashionMnistTrainingSubset(), options).value();
  trainer = reported.get();
  ASSERT_TRUE(reported->Run().ok());
  EXPECT_EQ(calls, 2);  // epoch 2, and epoch 3: the last
  EXPECT_TRUE(AllParameters(*reported) == AllParameters(*plain)) << "a report changed the training";
  std::ifstream metrics(dir + "/metrics.jsonl");
  std::vector<std::string> lines;
  for (std::string line; std::getline(metrics, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].find("first_pixel"), std::string::npos);
  EXPECT_NE(lines[1].find(", \"first_pixel\": "), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find(", \"first_pixel\": "), std::string::npos) << lines[2];

  // A failing report stops the run with its reason, after the epoch's checkpoint.
  options.output_dir = TempDir("report_fails");
  options.report = [](const float*, int64_t, const std::string&) -> absl::StatusOr<EpochReport> {
    return absl::NotFoundError("no test split");
  };
  auto failing = Trainer::Create(e, data::FashionMnistTrainingSubset(), options).value();
  const absl::Status status = failing->Run();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(status.message().find("epoch 2 report: no test split"), std::string::npos) << status;
  auto resumed = MakeTrainer(e, options.output_dir, 0, /*resume=*/true);
  ASSERT_TRUE(resumed->Run().ok());
  EXPECT_TRUE(AllParameters(*resumed) == AllParameters(*plain));

  // Reports of no samples are refused when the trainer is made.
  options.report_samples = 0;
  const absl::StatusOr<std::unique_ptr<Trainer>> no_samples = Trainer::Create(e, data::FashionMnistTrainingSubset(), options);
  ASSERT_FALSE(no_samples.ok());
  EXPECT_NE(no_samples.status().message().find("report_samples must be positive"), std::string::npos) << no_samples.status();
}

std::vector<std::string> MetricsLines(const std::string& dir) {
  std::ifstream metrics(dir + "/metrics.jsonl");
  std::vector<std::string> lines;
  for (std::string line; std::getline(metrics, line);) lines.push_back(line);
  return lines;
}

// A line of metrics.jsonl without the members that time this process.
std::string Untimed(const std::string& line) {
  const size_t from = line.find("\"started_at\"");
  const size_t rate = line.find("\"examples_per_second\"");
  if (from == std::string::npos || rate == std::string::npos) return line;
  const size_t to = line.find_first_of(",}", rate);
  return line.substr(0, from) + line.substr(to);
}

// An epoch's line is written before its checkpoint: a process killed between
// the two (or while writing the line) leaves metrics.jsonl ahead of
// checkpoint.ckpt. The resumed run writes each epoch once, as a straight run.
TEST(TrainerTest, ResumeDropsMetricsLinesPastTheCheckpoint) {
  const proto::Experiment e = SmallExperiment();  // 3 epochs
  auto straight = MakeTrainer(e, TempDir("metrics_straight"));
  ASSERT_TRUE(straight->Run().ok());
  const std::vector<std::string> straight_lines = MetricsLines(TempDir("metrics_straight"));
  ASSERT_EQ(straight_lines.size(), 3u);

  const std::string whole_line = straight_lines[2] + "\n", unfinished_line = straight_lines[2].substr(0, 20);
  for (const std::string& written_past_checkpoint : {whole_line, unfinished_line}) {
    const std::string dir = TempDir(written_past_checkpoint == whole_line ? "metrics_killed_after_line" : "metrics_killed_in_line");
    auto first = MakeTrainer(e, dir, /*max_steps=*/2 * straight->steps_per_epoch());
    ASSERT_TRUE(first->Run().ok());
    first.reset();
    std::ofstream(dir + "/metrics.jsonl", std::ios::app) << written_past_checkpoint;
    ASSERT_EQ(MetricsLines(dir).size(), 3u);
    auto resumed = MakeTrainer(e, dir, 0, /*resume=*/true);
    ASSERT_TRUE(resumed->Run().ok());
    EXPECT_TRUE(AllParameters(*resumed) == AllParameters(*straight)) << "parameters differ after resume";
    const std::vector<std::string> lines = MetricsLines(dir);
    ASSERT_EQ(lines.size(), 3u) << dir;
    for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(Untimed(lines[i]), Untimed(straight_lines[i])) << dir << " line " << i + 1;
  }

  // A line the trainer did not write is refused by file and line, not dropped.
  const std::string dir = TempDir("metrics_foreign_line");
  auto first = MakeTrainer(e, dir, /*max_steps=*/straight->steps_per_epoch());
  ASSERT_TRUE(first->Run().ok());
  first.reset();
  std::ofstream(dir + "/metrics.jsonl", std::ios::app) << "{\"step\": 40}\n";
  auto resumed = MakeTrainer(e, dir, 0, /*resume=*/true);
  const absl::Status status = resumed->Run();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_NE(status.message().find(dir + "/metrics.jsonl line 2: does not begin with"), std::string::npos) << status;
  EXPECT_EQ(MetricsLines(dir).size(), 2u) << "a refused file is left as it was";
}

// A run checkpoints before its first step: a process ended in its first
// epoch resumes from step 0. (Here the first step fails: D's weights, blown up
// before it, make its loss infinite.)
TEST(TrainerTest, AFreshRunCheckpointsBeforeItsFirstStep) {
  const proto::Experiment e = SmallExperiment();
  const std::string dir = TempDir("first_step_fails");
  auto trainer = MakeTrainer(e, dir);
  for (const ParameterRef& p : trainer->net("d")->Parameters()) std::fill(p.value, p.value + p.size, 1e30f);
  const std::vector<float> initial = AllParameters(*trainer);
  const absl::Status status = trainer->Run();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_NE(status.message().find("The last good checkpoint is " + dir + "/checkpoint.ckpt (step 0)"), std::string::npos) << status;
  TrainerOptions load_options;
  load_options.output_dir = TempDir("first_step_load");
  auto loaded = Trainer::Create(e, data::FashionMnistTrainingSubset(), load_options).value();
  ASSERT_TRUE(loaded->LoadCheckpoint(dir + "/checkpoint.ckpt").ok());
  EXPECT_EQ(loaded->step(), 0);
  EXPECT_TRUE(AllParameters(*loaded) == initial) << "the step-0 checkpoint does not hold the parameters the run started from";
}

// The report's selection figure chooses best.ckpt: the checkpoint of the epoch
// with the highest figure, kept through a resume.
TEST(TrainerTest, BestCheckpointIsTheEpochWithTheBestSelectionFigure) {
  proto::Experiment e = SmallExperiment();
  e.set_epochs(4);
  const double figures[] = {1.0, 5.0, 3.0, 4.0};  // by epoch: the best is epoch 2
  TrainerOptions options;
  options.output_dir = TempDir("selection");
  options.report_every_epochs = 1;
  int64_t epoch = 0;
  options.report = [&](const float*, int64_t, const std::string&) -> absl::StatusOr<EpochReport> {
    const double figure = figures[epoch++];
    return EpochReport{"", "", figure};
  };
  options.stop_after_epoch = 3;
  auto first = Trainer::Create(e, data::FashionMnistTrainingSubset(), options).value();
  ASSERT_TRUE(first->Run().ok());
  EXPECT_EQ(first->step(), 3 * first->steps_per_epoch());  // stopped after epoch 3, checkpointed
  EXPECT_FALSE(first->finished());
  EXPECT_EQ(first->best_epoch(), 2);
  first.reset();
  options.stop_after_epoch = 0;
  options.resume = true;
  auto resumed = Trainer::Create(e, data::FashionMnistTrainingSubset(), options).value();
  ASSERT_TRUE(resumed->Run().ok());
  EXPECT_TRUE(resumed->finished());
  EXPECT_EQ(resumed->best_epoch(), 2);  // epoch 4's 4.0 does not beat epoch 2's 5.0
  EXPECT_EQ(resumed->best_selection(), 5.0);
  const std::vector<std::string> lines = MetricsLines(options.output_dir);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[3].find("\"best_epoch\": 2}"), std::string::npos) << lines[3];

  // best.ckpt holds the parameters of epoch 2: those of a run stopped there.
  proto::Experiment two = e;
  two.set_epochs(2);
  auto reference = MakeTrainer(two, TempDir("selection_reference"));
  ASSERT_TRUE(reference->Run().ok());
  TrainerOptions load_options;
  load_options.output_dir = TempDir("selection_load");
  auto loaded = Trainer::Create(e, data::FashionMnistTrainingSubset(), load_options).value();
  ASSERT_TRUE(loaded->LoadCheckpoint(resumed->best_checkpoint_path()).ok());
  EXPECT_EQ(loaded->step(), 2 * loaded->steps_per_epoch());
  EXPECT_TRUE(AllParameters(*loaded) == AllParameters(*reference)) << "best.ckpt is not epoch 2's model";
}

// A phase starts fresh optimisers from its first epoch: learning rate and
// velocity as a new stage from the last parameters would have them, and a run
// resumed inside the phase is bit-identical to a straight one.
TEST(TrainerTest, PhasesStartFreshOptimizersAndResumeBitIdentically) {
  proto::Experiment e = SmallExperiment();  // 3 epochs of 20 steps at learning rate 0.1
  e.set_epochs(2);
  proto::Phase* phase = e.add_phases();
  phase->set_epochs(2);
  *phase->mutable_generator_optimizer() = e.generator_optimizer();
  phase->mutable_generator_optimizer()->mutable_sgd()->set_learning_rate(0.01f);
  auto straight = MakeTrainer(e, TempDir("phases_straight"));
  ASSERT_TRUE(straight->Run().ok());
  EXPECT_EQ(straight->total_epochs(), 4);
  EXPECT_EQ(straight->step(), 4 * straight->steps_per_epoch());
  const std::vector<std::string> lines = MetricsLines(TempDir("phases_straight"));
  ASSERT_EQ(lines.size(), 4u);
  // G's learning rate after epoch 2 (40 updates from 0.1) and after epoch 4 (40 updates from 0.01, phase 1).
  char expected[64];
  std::snprintf(expected, sizeof(expected), "\"g_learning_rate\": %.8g,", double{0.1f} / std::pow(1.000004, 40));
  EXPECT_NE(lines[1].find(expected), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("\"phase\": 0,"), std::string::npos) << lines[1];
  std::snprintf(expected, sizeof(expected), "\"g_learning_rate\": %.8g,", double{0.01f} / std::pow(1.000004, 40));
  EXPECT_NE(lines[3].find(expected), std::string::npos) << lines[3];
  EXPECT_NE(lines[3].find("\"phase\": 1,"), std::string::npos) << lines[3];

  // Interrupted in phase 1 (step 50 of 80), resumed.
  const std::string dir = TempDir("phases_interrupted");
  ASSERT_TRUE(MakeTrainer(e, dir, /*max_steps=*/50)->Run().ok());
  auto resumed = MakeTrainer(e, dir, 0, /*resume=*/true);
  ASSERT_TRUE(resumed->Run().ok());
  EXPECT_TRUE(AllParameters(*resumed) == AllParameters(*straight)) << "parameters differ after resume in a phase";

  // Resuming with epochs that put the checkpoint's step in another phase is refused.
  const std::string moved = TempDir("phases_moved");
  ASSERT_TRUE(MakeTrainer(e, moved, /*max_steps=*/50)->Run().ok());
  proto::Experiment longer = e;
  longer.set_epochs(3);
  const absl::Status status = MakeTrainer(longer, moved, 0, true)->Run();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("falls in phase 0"), std::string::npos) << status;

  // A phase's optimiser errors name the phase.
  proto::Experiment bad = e;
  bad.mutable_phases(0)->mutable_generator_optimizer()->mutable_sgd()->set_learning_rate(-1);
  TrainerOptions options;
  options.output_dir = TempDir("phases_bad");
  const absl::Status refused = Trainer::Create(bad, data::FashionMnistTrainingSubset(), options).status();
  EXPECT_NE(refused.message().find("phases[0].generator_optimizer: sgd.learning_rate"), std::string::npos) << refused;
}

// G's moving average follows ema <- d * ema + (1 - d) * w after every update,
// from G's first parameters; it changes nothing of the training, and survives
// a checkpoint and resume bit for bit.
TEST(TrainerTest, GeneratorMovingAverageIsKeptBesideGAndChangesNothing) {
  const proto::Experiment plain_experiment = SmallExperiment();
  auto plain = MakeTrainer(plain_experiment, TempDir("ema_plain"));
  ASSERT_TRUE(plain->Run().ok());
  EXPECT_EQ(plain->generator_ema(), nullptr);

  proto::Experiment e = SmallExperiment();
  e.set_generator_ema_decay(0.9f);
  // Step by step: the average after each step from G's parameters before and after it.
  auto stepped = MakeTrainer(e, TempDir("ema_stepped"), /*max_steps=*/1);
  ASSERT_NE(stepped->generator_ema(), nullptr);
  std::vector<float> expected;
  for (const ParameterRef& p : stepped->generator().Parameters()) expected.insert(expected.end(), p.value, p.value + p.size);
  for (int step = 0; step < 3; ++step) {
    ASSERT_TRUE(stepped->Run().ok());
    size_t i = 0;
    for (const ParameterRef& p : stepped->generator().Parameters()) {
      for (int64_t k = 0; k < p.size; ++k, ++i) expected[i] = 0.9f * expected[i] + (1.0f - 0.9f) * p.value[k];
    }
    std::vector<float> average;
    for (const ParameterRef& p : stepped->generator_ema()->Parameters()) average.insert(average.end(), p.value, p.value + p.size);
    ASSERT_TRUE(average == expected) << "after step " << step + 1;
  }

  auto straight = MakeTrainer(e, TempDir("ema_straight"));
  ASSERT_TRUE(straight->Run().ok());
  EXPECT_TRUE(AllParameters(*straight) == AllParameters(*plain)) << "the moving average changed the training";
  const std::string dir = TempDir("ema_interrupted");
  ASSERT_TRUE(MakeTrainer(e, dir, /*max_steps=*/27)->Run().ok());
  auto resumed = MakeTrainer(e, dir, 0, /*resume=*/true);
  ASSERT_TRUE(resumed->Run().ok());
  std::vector<float> a, b;
  for (const ParameterRef& p : straight->generator_ema()->Parameters()) a.insert(a.end(), p.value, p.value + p.size);
  for (const ParameterRef& p : resumed->generator_ema()->Parameters()) b.insert(b.end(), p.value, p.value + p.size);
  EXPECT_TRUE(a == b) << "the moving average differs after resume";
  const std::vector<float> all = AllParameters(*straight);  // G's tensors first
  EXPECT_FALSE(a == std::vector<float>(all.begin(), all.begin() + a.size())) << "the average is G itself";
}

TEST(TrainerTest, DamagedOrForeignCheckpointIsRefused) {
  const proto::Experiment e = SmallExperiment();
  const std::string dir = TempDir("damaged");
  ASSERT_TRUE(MakeTrainer(e, dir, 5)->Run().ok());
  std::string bytes;
  {
    std::ifstream in(dir + "/checkpoint.ckpt", std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    bytes = s.str();
  }
  proto::Experiment other = e;
  other.set_seed(8);
  absl::Status foreign = MakeTrainer(other, dir, 0, true)->Run();
  EXPECT_EQ(foreign.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(foreign.message().find("different experiment"), std::string::npos) << foreign;

  bytes[bytes.size() / 2] ^= 0x01;
  std::ofstream(dir + "/checkpoint.ckpt", std::ios::binary) << bytes;
  absl::Status damaged = MakeTrainer(e, dir, 0, true)->Run();
  EXPECT_NE(damaged.message().find("corrupt checkpoint"), std::string::npos) << damaged;
  std::ofstream(dir + "/checkpoint.ckpt", std::ios::binary) << bytes.substr(0, 100);
  absl::Status truncated = MakeTrainer(e, dir, 0, true)->Run();
  EXPECT_NE(truncated.message().find("truncated"), std::string::npos) << truncated;
}

TEST(TrainerTest, NanStopsTheRunAndKeepsTheLastGoodCheckpoint) {
  proto::Experiment e = SmallExperiment();
  const std::string dir = TempDir("nan");
  auto trainer = MakeTrainer(e, dir, /*max_steps=*/20);  // one epoch and a checkpoint at step 20
  ASSERT_TRUE(trainer->Run().ok());
  // Blow the weights up: the next loss is not finite.
  for (const ParameterRef& p : trainer->net("d")->Parameters()) std::fill(p.value, p.value + p.size, 1e30f);
  absl::Status status = trainer->Run();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("step 21"), std::string::npos) << status;
  EXPECT_NE(status.message().find("(step 20)"), std::string::npos) << status;
  // The checkpoint still resumes at step 20.
  auto resumed = MakeTrainer(e, dir, 1, true);
  ASSERT_TRUE(resumed->Run().ok());
  EXPECT_EQ(resumed->step(), 21);

  // A parameter that goes infinite while every loss stays finite (a bias of a
  // unit that ReLU then silences), found when the run stops between the
  // periodic checks: an error naming the last good checkpoint, not a success.
  auto stepping = MakeTrainer(e, TempDir("nan_silent"), /*max_steps=*/1);
  ASSERT_TRUE(stepping->Run().ok());  // step 1, checkpointed at the stop
  stepping->generator().Parameters()[1].value[0] = -INFINITY;  // the first layer's bias: ReLU silences the unit
  const absl::Status silent = stepping->Run();  // step 2, then the stop
  EXPECT_TRUE(std::isfinite(LastStats(*stepping).d_loss) && std::isfinite(LastStats(*stepping).g_loss))
      << "the losses should stay finite here: " << silent;
  EXPECT_EQ(silent.code(), absl::StatusCode::kFailedPrecondition) << silent;
  EXPECT_NE(silent.message().find("step 2:"), std::string::npos) << silent;
  EXPECT_NE(silent.message().find("(step 1)"), std::string::npos) << silent;
}

// A conditional GAN (Experiment.conditioning) on four classes of 4 x 4
// images, class c bright in quadrant c: trained briefly, its samples for class
// c are bright in quadrant c far more often than chance; trained on the same
// images with their labels shuffled (a control), they are not.
data::Dataset Quadrants(bool shuffled_labels) {
  data::Dataset d;
  d.name = "quadrants";
  d.shape = {1, 4, 4};
  Rng rng(11);
  for (int64_t i = 0; i < 2000; ++i) {
    const int32_t c = static_cast<int32_t>(i % 4);
    for (int64_t y = 0; y < 4; ++y) {
      for (int64_t x = 0; x < 4; ++x) {
        float noise = 0;
        rng.FillUniform(&noise, 1, -0.05f, 0.05f);
        d.pixels.push_back((y / 2) * 2 + x / 2 == c ? 0.85f + noise : 0.15f + noise);
      }
    }
    d.labels.push_back(c);
  }
  if (shuffled_labels) {
    for (int64_t i = d.rows() - 1; i > 0; --i) std::swap(d.labels[i], d.labels[rng.NextU64() % (i + 1)]);
  }
  return d;
}

// The quadrant models' optimisers.
constexpr char kQuadrantsOptimizers[] = R"(
    generator_optimizer { sgd { learning_rate: 0.05 initial_momentum: 0.5 final_momentum: 0.5 } }
    discriminator_optimizer { sgd { learning_rate: 0.05 initial_momentum: 0.5 final_momentum: 0.5 } })";

// The share of 400 samples (100 per class) whose brightest quadrant is their class.
double ConditionedAccuracy(const data::Dataset& data) {
  const proto::Experiment e = ParseExperiment(R"(
    name: "quadrants" noise_dim: 4 batch_size: 50 epochs: 60 seed: 3 update_mode: SIMULTANEOUS
    noise { uniform { low: 0 high: 1 } } data { dataset: "quadrants" } conditioning { classes: 4 }
    generator {
      layers { linear { units: 48 activation: RELU join { inputs: 4 units: 16 weight_irange: 0.5 } join { inputs: 4 units: 32 weight_irange: 0.5 } } }
      layers { linear { units: 16 activation: SIGMOID weight_irange: 0.3 } }
    }
    discriminator {
      layers { maxout { units: 24 pieces: 2 join { inputs: 16 units: 16 weight_irange: 0.3 } join { inputs: 4 units: 8 weight_irange: 0.3 } } }
      layers { maxout { units: 16 pieces: 2 weight_irange: 0.3 } }
      layers { linear { units: 1 weight_irange: 0.3 } }
    }
  )" + std::string(kQuadrantsOptimizers), "quadrants").value();
  TrainerOptions options;
  options.output_dir = TempDir(absl::StrCat("quadrants_", data.labels[0], data.labels[1], data.labels[2]));
  absl::StatusOr<std::unique_ptr<Trainer>> trainer = Trainer::Create(e, data, options);
  EXPECT_TRUE(trainer.ok()) << trainer.status();
  if (!trainer.ok()) return -1;
  const absl::Status ran = (*trainer)->Run();
  EXPECT_TRUE(ran.ok()) << ran;
  Rng rng(5);
  const std::vector<float> input = DrawNoise(e, rng, 400);  // classes 0, 1, 2, 3, 0, ...
  const std::vector<float> samples = (*trainer)->generator().Infer(input.data(), 400);
  int64_t right = 0;
  for (int64_t i = 0; i < 400; ++i) {
    std::vector<double> quadrant(4, 0.0);
    for (int64_t p = 0; p < 16; ++p) quadrant[(p / 8) * 2 + (p % 4) / 2] += samples[i * 16 + p];
    right += std::max_element(quadrant.begin(), quadrant.end()) - quadrant.begin() == i % 4;
  }
  return static_cast<double>(right) / 400;
}

TEST(TrainerTest, ConditionalSamplesFollowTheirClassAndShuffledLabelsDoNot) {
  const double conditioned = ConditionedAccuracy(Quadrants(false));
  const double control = ConditionedAccuracy(Quadrants(true));
  std::fprintf(stderr, "samples in their class's quadrant: %.3f; with shuffled labels: %.3f (chance 0.25)\n", conditioned, control);
  EXPECT_GT(conditioned, 0.9);
  EXPECT_LT(control, 0.5);
}

// An inpainter (Experiment.inpainting) on the quadrant images, completing
// their bottom half: what the observed top half shows must steer the
// completion. The contrast is the brightest bottom quadrant's mean value in
// completions of images whose top half is dark (classes 2 and 3: the bright
// quadrant is missing) less that of images whose bright quadrant is observed
// (classes 0 and 1: the bottom is dark). 0.7 for a perfect inpainter.
double InpaintingContrast(Trainer& trainer, const proto::Experiment& e, const data::Dataset& data) {
  Rng rng(6);
  const std::vector<float> masks = NamedMasks("bottom_half", rng, 4, 4, 400).value();
  const std::vector<float> input = InputsForMasks(e, rng, data.pixels.data(), masks.data(), 400);
  const std::vector<float> generated = trainer.generator().Infer(input.data(), 400);
  const std::vector<float> completions = CompleteRows(e, input.data(), generated.data(), 400);
  double dark_top = 0, bright_top = 0;
  for (int64_t i = 0; i < 400; ++i) {
    const float* c = completions.data() + i * 16;
    double quadrant[2] = {0, 0};  // bottom left, bottom right
    for (int64_t p = 8; p < 16; ++p) quadrant[(p % 4) / 2] += c[p] / 4;
    (data.labels[i] >= 2 ? dark_top : bright_top) += std::max(quadrant[0], quadrant[1]) / 200;
  }
  return dark_top - bright_top;
}

TEST(TrainerTest, InpainterCompletesFromTheObservedPart) {
  const data::Dataset data = Quadrants(false);
  const proto::Experiment e = ParseExperiment(R"(
    name: "quadrants" noise_dim: 4 batch_size: 50 epochs: 60 seed: 3 update_mode: SIMULTANEOUS
    noise { uniform { low: 0 high: 1 } } data { dataset: "quadrants" } inpainting { height: 4 width: 4 }
    generator {
      layers { linear { units: 48 activation: RELU weight_irange: 0.3 } }
      layers { linear { units: 16 activation: SIGMOID weight_irange: 0.3 } }
    }
    discriminator {
      layers { maxout { units: 32 pieces: 2 weight_irange: 0.3 } }
      layers { maxout { units: 16 pieces: 2 weight_irange: 0.3 } }
      layers { linear { units: 1 weight_irange: 0.3 } }
    }
  )" + std::string(kQuadrantsOptimizers), "quadrants").value();
  TrainerOptions options;
  options.output_dir = TempDir("inpainting_quadrants");
  absl::StatusOr<std::unique_ptr<Trainer>> trainer = Trainer::Create(e, data, options);
  ASSERT_TRUE(trainer.ok()) << trainer.status();
  const double untrained = InpaintingContrast(**trainer, e, data);
  ASSERT_TRUE((*trainer)->Run().ok());
  const double trained = InpaintingContrast(**trainer, e, data);
  std::fprintf(stderr, "bottom-half completions' contrast: untrained %.3f, trained %.3f (perfect 0.7)\n", untrained, trained);
  EXPECT_GT(trained, 0.4);
  EXPECT_LT(std::abs(untrained), 0.2);  // the control: G's reading of the observed part is learnt
}

TEST(TrainerTest, InpainterOfAnotherImageSizeIsRefused) {
  proto::Experiment e = SmallExperiment();
  e.set_update_mode(proto::SIMULTANEOUS);
  e.mutable_inpainting()->set_height(3);
  e.mutable_inpainting()->set_width(3);
  e.mutable_generator()->mutable_layers(1)->mutable_linear()->set_units(16);  // the data's 4 x 4
  e.mutable_data()->set_dataset("quadrants");
  const data::Dataset data = Quadrants(false);
  TrainerOptions options;
  options.output_dir = TempDir("inpainting_refused");
  const absl::StatusOr<std::unique_ptr<Trainer>> refused = Trainer::Create(e, data, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("inpainting: height 3 x width 3 is 9 values, the data set's images have 16"),
            std::string::npos)
      << refused.status();
}

TEST(TrainerTest, ConditioningOnLabelsOutsideTheClassesIsRefused) {
  data::Dataset data = Quadrants(false);
  data.labels[7] = 4;
  proto::Experiment e = SmallExperiment();
  e.mutable_conditioning()->set_classes(4);
  e.mutable_data()->set_dataset("quadrants");
  TrainerOptions options;
  const absl::StatusOr<std::unique_ptr<Trainer>> refused = Trainer::Create(e, data, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("training example 7 of data set 'quadrants' has label 4, not one of the 4 classes"),
            std::string::npos)
      << refused.status();
}

}  // namespace
}  // namespace gan
