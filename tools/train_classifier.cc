// Trains the classifier behind //tools:evaluate's feature-space figures and
// keeps it where evaluate looks for it (the per-user cache):
//
//   bazel run //tools:train_classifier -- --experiment=mnist_classifier
//
// evaluate trains it by itself when it is missing; this program does it ahead
// of time, shows each epoch, and can write a copy elsewhere (--output).

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "base/file_bytes.h"
#include "data/load.h"
#include "eval/data_classifier.h"
#include "gan/spec/experiment.h"
#include "tools/fail.h"
#include "tools/user_path.h"

ABSL_FLAG(std::string, experiment, "mnist_classifier",
          "a classifier experiment: a path, or a name in experiments/ (mnist_classifier, fashion_mnist_classifier)");
ABSL_FLAG(std::string, data_dir, "", "directory with the data set's files; else $GAN_DATA_DIR, then ~/.cache/gan");
ABSL_FLAG(int, epochs, 0, "override the experiment's epochs (0: keep)");
ABSL_FLAG(int, max_train_examples, 0, "train on only the first N training images (0: all)");
ABSL_FLAG(std::string, output, "", "also write the classifier here");

namespace {

constexpr char kProgram[] = "train_classifier";

}  // namespace

int main(int argc, char** argv) {
  using gan::tools::UserPath;
  absl::ParseCommandLine(argc, argv);
  const std::string name = absl::GetFlag(FLAGS_experiment);
  absl::StatusOr<gan::proto::ClassifierExperiment> experiment =
      gan::LoadClassifierExperiment(UserPath(name), gan::tools::ExperimentDirs(argv[0]));
  if (!experiment.ok()) experiment = gan::LoadClassifierExperiment(name, gan::tools::ExperimentDirs(argv[0]));
  if (!experiment.ok()) return gan::tools::Fail(kProgram, experiment.status());
  if (absl::GetFlag(FLAGS_epochs) > 0) experiment->set_epochs(absl::GetFlag(FLAGS_epochs));
  if (absl::GetFlag(FLAGS_max_train_examples) > 0) experiment->mutable_data()->set_max_train_examples(absl::GetFlag(FLAGS_max_train_examples));
  if (absl::Status valid = gan::ValidateClassifierExperiment(*experiment); !valid.ok()) return gan::tools::Fail(kProgram, valid);

  absl::StatusOr<gan::data::Splits> splits = gan::data::LoadSplits(experiment->data().dataset(), UserPath(absl::GetFlag(FLAGS_data_dir)),
                                                                   experiment->data().tfd_fold(), experiment->data().gcn_scale());
  if (!splits.ok()) return gan::tools::Fail(kProgram, splits.status());
  absl::StatusOr<std::unique_ptr<gan::eval::Classifier>> classifier = gan::eval::TrainClassifier(*experiment, *splits, stderr);
  if (!classifier.ok()) return gan::tools::Fail(kProgram, classifier.status());

  const std::string cache_dir = gan::eval::ClassifierCacheDir();
  const std::string cached = gan::eval::ClassifierCachePath(*experiment, *splits, cache_dir);
  absl::Status saved = gan::base::MakeDirs(cache_dir);
  if (saved.ok()) saved = (*classifier)->Save(cached);
  if (!saved.ok()) return gan::tools::Fail(kProgram, saved);
  std::fprintf(stderr, "%s: saved to %s (where //tools:evaluate looks for it)\n", kProgram, cached.c_str());
  if (const std::string output = UserPath(absl::GetFlag(FLAGS_output)); !output.empty()) {
    if (absl::Status s = (*classifier)->Save(output); !s.ok()) return gan::tools::Fail(kProgram, s);
    std::fprintf(stderr, "%s: and to %s\n", kProgram, output.c_str());
  }
  return 0;
}
