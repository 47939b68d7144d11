// Semi-supervised learning with few labels (the paper's section 7, extension
// 4): the table of test errors of classifiers trained on 100, 600, 1,000 and
// 3,000 labelled training images (balanced across classes; --subsets subsets
// each, subset s drawn by Dataset::BalancedSubset with seed s), on
//   pixels           a linear probe on the raw pixels
//   discriminator    a linear probe on D's last hidden layer (--gan_checkpoint)
//   encoder          a linear probe on an inference net's E(x) (--inference_checkpoint)
//   classifier net   the data set's classifier experiment trained from scratch
//   K + 1 D          a semi-supervised GAN's discriminator (--semi_supervised_checkpoint),
//                    in the column of the labels it was trained with
// (eval/few_labels.h). Printed as it goes and written to --output as JSON.
//
//   bazel run //tools:few_labels -- --gan_checkpoint=runs/mnist/best.ckpt
//       --inference_checkpoint=runs/mnist_inference/checkpoint.ckpt --data_dir=...   (one line)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/file_bytes.h"
#include "data/load.h"
#include "eval/few_labels.h"
#include "gan/run/trained_model.h"
#include "gan/spec/experiment.h"
#include "tools/fail.h"
#include "tools/user_path.h"

ABSL_FLAG(std::string, gan_checkpoint, "", "a GAN's checkpoint: its D's last hidden layer is a row of the table");
ABSL_FLAG(std::string, inference_checkpoint, "", "an inference net's checkpoint: its E(x) is a row of the table");
ABSL_FLAG(std::string, semi_supervised_checkpoint, "",
          "a semi-supervised GAN's checkpoint (experiments/mnist_semi_supervised): its D's test errors fill the column of its labelled count");
ABSL_FLAG(std::string, dataset, "", "the data set (default: the checkpoints' experiment's; mnist without any)");
ABSL_FLAG(std::string, data_dir, "", "directory with the data set's files; else $GAN_DATA_DIR, then ~/.cache/gan");
ABSL_FLAG(std::vector<std::string>, labels, std::vector<std::string>({"100", "600", "1000", "3000"}),
          "labelled training images per table column, each a multiple of the number of classes");
ABSL_FLAG(int, subsets, 3, "labelled subsets per column (seeds 1 .. subsets)");
ABSL_FLAG(int, probe_updates, 2000, "Adam updates of each linear probe");
ABSL_FLAG(int, scratch_updates, 2000, "updates of the classifier net trained from scratch (0: leave its row out)");
ABSL_FLAG(std::string, classifier_experiment, "", "the net from scratch (default: experiments/<data set>_classifier.pbtxt)");
ABSL_FLAG(std::string, output, "few_labels.json", "where the table goes as JSON");

namespace {

constexpr char kProgram[] = "few_labels";
constexpr int32_t kClasses = 10;

struct Row {
  std::string name, what;
  std::vector<std::vector<int64_t>> errors;  // [column][subset]
};

absl::StatusOr<gan::TrainedModel> LoadModel(const std::string& flag) {
  return gan::LoadTrainedModel(gan::tools::UserPath(flag));
}

std::string Cell(const std::vector<int64_t>& errors) {
  if (errors.empty()) return "-";
  if (errors.size() == 1) return absl::StrCat(errors[0]);
  double mean = 0, square = 0;
  for (int64_t e : errors) mean += static_cast<double>(e) / static_cast<double>(errors.size());
  for (int64_t e : errors) square += (e - mean) * (e - mean);
  const double sd = errors.size() > 1 ? std::sqrt(square / static_cast<double>(errors.size() - 1)) : 0.0;
  return absl::StrFormat("%.0f +- %.0f", mean, sd);
}

absl::StatusOr<std::string> Run(const char* argv0) {
  std::vector<int64_t> columns;
  for (const std::string& text : absl::GetFlag(FLAGS_labels)) {
    int64_t n = 0;
    if (!absl::SimpleAtoi(text, &n) || n <= 0 || n % kClasses != 0) {
      return absl::InvalidArgumentError(absl::StrCat("--labels: '", text, "' is not a positive multiple of ", kClasses));
    }
    columns.push_back(n);
  }
  const int subsets = absl::GetFlag(FLAGS_subsets);
  if (subsets < 1) return absl::InvalidArgumentError("--subsets must be at least 1");

  std::unique_ptr<gan::TrainedModel> gan_model, inference_model;
  std::string dataset = absl::GetFlag(FLAGS_dataset);
  for (auto [flag, model] : {std::pair{absl::GetFlag(FLAGS_gan_checkpoint), &gan_model},
                             std::pair{absl::GetFlag(FLAGS_inference_checkpoint), &inference_model}}) {
    if (flag.empty()) continue;
    absl::StatusOr<gan::TrainedModel> loaded = LoadModel(flag);
    if (!loaded.ok()) return loaded.status();
    *model = std::make_unique<gan::TrainedModel>(*std::move(loaded));
    if (dataset.empty()) dataset = (*model)->experiment.data().dataset();
  }
  if (dataset.empty()) dataset = "mnist";
  absl::StatusOr<gan::data::Splits> splits = gan::data::LoadSplits(dataset, gan::tools::UserPath(absl::GetFlag(FLAGS_data_dir)));
  if (!splits.ok()) return splits.status();
  const gan::data::Dataset& train = splits->train;
  const gan::data::Dataset& test = splits->test;
  const std::vector<int64_t> counts = train.ClassCounts(kClasses);
  for (int64_t n : columns) {
    for (int32_t c = 0; c < kClasses; ++c) {
      if (counts[c] < n / kClasses) {
        return absl::InvalidArgumentError(absl::StrCat("--labels: ", n, " needs ", n / kClasses, " training images of class ", c, "; data set '",
                                                       dataset, "' has ", counts[c]));
      }
    }
  }

  std::vector<gan::eval::FeatureMap> maps = {gan::eval::PixelFeatures(train.dim())};
  std::vector<std::string> whats = {"a linear probe on the raw pixels"};
  if (gan_model != nullptr) {
    absl::StatusOr<gan::eval::FeatureMap> d = gan::eval::DiscriminatorFeatures(*gan_model);
    if (!d.ok()) return absl::Status(d.status().code(), absl::StrCat("--gan_checkpoint: ", d.status().message()));
    maps.push_back(*std::move(d));
    whats.push_back(absl::StrCat("a linear probe on D's last hidden layer (", maps.back().dim, " values) of ", absl::GetFlag(FLAGS_gan_checkpoint),
                                 ", step ", gan_model->step));
  }
  if (inference_model != nullptr) {
    absl::StatusOr<gan::eval::FeatureMap> e = gan::eval::EncoderFeatures(*inference_model);
    if (!e.ok()) return absl::Status(e.status().code(), absl::StrCat("--inference_checkpoint: ", e.status().message()));
    maps.push_back(*std::move(e));
    whats.push_back(absl::StrCat("a linear probe on E(x) (", maps.back().dim, " values) of ", absl::GetFlag(FLAGS_inference_checkpoint),
                                 ", step ", inference_model->step));
  }

  std::vector<Row> rows;
  auto say = [](const std::string& text) { std::fprintf(stderr, "few_labels: %s\n", text.c_str()); };
  for (size_t m = 0; m < maps.size(); ++m) {
    say(absl::StrCat("features '", maps[m].name, "' of ", train.rows(), " training and ", test.rows(), " test images"));
    const gan::eval::StandardisedFeatures features = gan::eval::Standardise(maps[m], train, test);
    Row row{maps[m].name, whats[m], {}};
    for (int64_t n : columns) {
      row.errors.emplace_back();
      for (int s = 1; s <= subsets; ++s) {
        std::vector<int64_t> labelled;
        train.BalancedSubset(n / kClasses, kClasses, static_cast<uint64_t>(s), &labelled);
        absl::StatusOr<int64_t> errors = gan::eval::LinearProbeTestErrors(features, labelled, train.labels, test.labels, kClasses,
                                                                          absl::GetFlag(FLAGS_probe_updates), static_cast<uint64_t>(s));
        if (!errors.ok()) return errors.status();
        row.errors.back().push_back(*errors);
        say(absl::StrFormat("%s, %d labels, subset %d: %d test errors of %d", row.name, n, s, *errors, test.rows()));
      }
    }
    rows.push_back(std::move(row));
  }
  if (const int updates = absl::GetFlag(FLAGS_scratch_updates); updates > 0) {
    const std::string named = gan::tools::UserPath(absl::GetFlag(FLAGS_classifier_experiment));
    absl::StatusOr<gan::proto::ClassifierExperiment> experiment =
        gan::LoadClassifierExperiment(named.empty() ? dataset + "_classifier" : named, gan::tools::ExperimentDirs(argv0));
    if (!experiment.ok()) return experiment.status();
    Row row{"classifier net", absl::StrCat("experiments' ", experiment->name(), " trained from scratch on the labelled images, about ", updates, " updates"), {}};
    for (int64_t n : columns) {
      row.errors.emplace_back();
      for (int s = 1; s <= subsets; ++s) {
        const gan::data::Dataset labelled = train.BalancedSubset(n / kClasses, kClasses, static_cast<uint64_t>(s));
        absl::StatusOr<int64_t> errors = gan::eval::ScratchClassifierTestErrors(*experiment, labelled, test, updates);
        if (!errors.ok()) return errors.status();
        row.errors.back().push_back(*errors);
        say(absl::StrFormat("%s, %d labels, subset %d: %d test errors of %d", row.name, n, s, *errors, test.rows()));
      }
    }
    rows.push_back(std::move(row));
  }

  if (const std::string flag = absl::GetFlag(FLAGS_semi_supervised_checkpoint); !flag.empty()) {
    absl::StatusOr<gan::TrainedModel> model = LoadModel(flag);
    if (!model.ok()) return model.status();
    const gan::proto::Experiment& e = model->experiment;
    if (!e.has_semi_supervised() || e.semi_supervised().classes() != kClasses || e.data().dataset() != dataset) {
      return absl::InvalidArgumentError(absl::StrCat("--semi_supervised_checkpoint: ", flag, " is not a semi-supervised GAN of ", kClasses,
                                                     " classes on data set '", dataset, "'"));
    }
    // D itself, and its average where the run kept one.
    const int64_t labelled = e.semi_supervised().labelled();
    for (auto [name, what, d] : {std::tuple{"K + 1 D", "the discriminator", model->discriminator.get()},
                                 std::tuple{"K + 1 D average", "the average of the discriminator", model->discriminator_average.get()}}) {
      if (d == nullptr) continue;
      const std::vector<float> logits = d->Infer(test.pixels.data(), test.rows());
      int64_t errors = 0;
      for (int64_t i = 0; i < test.rows(); ++i) {
        const float* l = logits.data() + i * kClasses;
        errors += std::max_element(l, l + kClasses) - l != test.labels[i];
      }
      Row row{name, absl::StrCat(what, " of K + 1 classes of ", flag, ", step ", model->step, " (", labelled,
                                 " labels, subset seed ", e.semi_supervised().labelled_seed(), ")"), {}};
      for (int64_t n : columns) row.errors.push_back(n == labelled ? std::vector<int64_t>{errors} : std::vector<int64_t>{});
      say(absl::StrFormat("%s, %d labels: %d test errors of %d", name, labelled, errors, test.rows()));
      rows.push_back(std::move(row));
    }
  }

  // The table: mean +- standard deviation over the subsets of the test errors.
  std::string table = absl::StrFormat("%-16s", "features");
  for (int64_t n : columns) absl::StrAppendFormat(&table, "%16s", absl::StrCat(n, " labels"));
  table += "\n";
  std::string json = absl::StrCat("{\n  \"dataset\": \"", dataset, "\",\n  \"test_images\": ", test.rows(), ",\n  \"labels\": [",
                                  absl::StrJoin(columns, ", "), "],\n  \"subsets\": ", subsets, ",\n  \"probe_updates\": ",
                                  absl::GetFlag(FLAGS_probe_updates), ",\n  \"rows\": [");
  for (size_t r = 0; r < rows.size(); ++r) {
    absl::StrAppendFormat(&table, "%-16s", rows[r].name);
    std::vector<std::string> cells;
    for (const std::vector<int64_t>& errors : rows[r].errors) {
      absl::StrAppendFormat(&table, "%16s", Cell(errors));
      cells.push_back(absl::StrCat("[", absl::StrJoin(errors, ", "), "]"));
    }
    absl::StrAppend(&table, "  ", rows[r].what, "\n");
    absl::StrAppend(&json, r ? ",\n" : "\n", "    {\"features\": \"", rows[r].name, "\", \"what\": \"", rows[r].what,
                    "\", \"test_errors\": [", absl::StrJoin(cells, ", "), "]}");
  }
  json += "\n  ]\n}\n";
  const std::string output = gan::tools::UserPath(absl::GetFlag(FLAGS_output));
  if (absl::Status s = gan::base::WriteFileAtomically(output, json); !s.ok()) return s;
  std::printf("Test errors of %lld (mean +- standard deviation over %d labelled subsets):\n%s", static_cast<long long>(test.rows()),
              subsets, table.c_str());
  return absl::StrCat("wrote ", output);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<std::string> done = Run(argv[0]);
  if (!done.ok()) return gan::tools::Fail(kProgram, done.status());
  std::fprintf(stderr, "few_labels: %s\n", done->c_str());
  return 0;
}
