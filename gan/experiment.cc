#include "gan/experiment.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/tokenizer.h"
#include "base/file_bytes.h"
#include "gan/noise.h"
#include "google/protobuf/text_format.h"

namespace gan {
namespace {

class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (error.empty()) error = absl::StrCat("line ", line + 1, " column ", column + 1, ": ", message);
  }
  std::string error;
};

// Parses text-format `text` as a `Message`; `source` and `what` name it in errors.
template <typename Message>
absl::StatusOr<Message> ParseText(const std::string& text, const std::string& source, const char* what) {
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  Message message;
  if (!parser.ParseFromString(text, &message)) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not a valid ", what, ": ", errors.error));
  }
  return message;
}

// The file `name_or_path` names: itself, or NAME.pbtxt in one of `dirs`.
absl::StatusOr<std::string> FindExperimentFile(const std::string& name_or_path, const std::vector<std::string>& dirs,
                                               const char* what) {
  std::vector<std::string> tried;
  std::vector<std::string> candidates = {name_or_path};
  for (const std::string& dir : dirs) candidates.push_back(dir + "/" + name_or_path + ".pbtxt");
  for (const std::string& path : candidates) {
    if (std::ifstream(path).good()) return path;
    tried.push_back(path);
  }
  return absl::NotFoundError(absl::StrCat(what, " '", name_or_path, "' not found; tried: ", absl::StrJoin(tried, ", ")));
}

}  // namespace

absl::StatusOr<proto::Experiment> ParseExperiment(const std::string& text, const std::string& source) {
  return ParseText<proto::Experiment>(text, source, "experiment");
}

absl::StatusOr<proto::Experiment> LoadExperimentFile(const std::string& path) {
  absl::StatusOr<std::string> text = base::ReadFileBytes(path);
  if (!text.ok()) return text.status();
  return ParseExperiment(*text, path);
}

absl::StatusOr<proto::Experiment> LoadExperiment(const std::string& name_or_path, const std::vector<std::string>& dirs) {
  absl::StatusOr<std::string> path = FindExperimentFile(name_or_path, dirs, "experiment");
  if (!path.ok()) return path.status();
  return LoadExperimentFile(*path);
}

absl::StatusOr<proto::ClassifierExperiment> ParseClassifierExperiment(const std::string& text, const std::string& source) {
  return ParseText<proto::ClassifierExperiment>(text, source, "classifier experiment");
}

absl::StatusOr<proto::ClassifierExperiment> LoadClassifierExperiment(const std::string& name_or_path,
                                                                     const std::vector<std::string>& dirs) {
  absl::StatusOr<std::string> path = FindExperimentFile(name_or_path, dirs, "classifier experiment");
  if (!path.ok()) return path.status();
  absl::StatusOr<std::string> text = base::ReadFileBytes(*path);
  if (!text.ok()) return text.status();
  return ParseClassifierExperiment(*text, *path);
}

absl::Status ValidateClassifierExperiment(const proto::ClassifierExperiment& e) {
  if (e.classes() < 2) return absl::InvalidArgumentError(absl::StrCat("classifier experiment: classes must be at least 2, not ", e.classes()));
  if (e.batch_size() <= 0) return absl::InvalidArgumentError("classifier experiment: batch_size must be positive");
  if (e.epochs() <= 0) return absl::InvalidArgumentError("classifier experiment: epochs must be positive");
  if (e.data().dataset().empty()) return absl::InvalidArgumentError("classifier experiment: data.dataset is not set");
  if (e.net().layers_size() == 0) return absl::InvalidArgumentError("classifier experiment: net has no layers");
  const proto::Layer& last = e.net().layers(e.net().layers_size() - 1);
  if (!last.has_linear() || last.linear().units() != e.classes() || last.linear().activation() != proto::IDENTITY) {
    return absl::InvalidArgumentError(absl::StrCat("classifier experiment: the net's last layer must be linear with ", e.classes(),
                                                   " units (one per class) and activation IDENTITY (logits)"));
  }
  if (!e.has_optimizer()) return absl::InvalidArgumentError("classifier experiment: optimizer is not set");
  return absl::OkStatus();
}

absl::Status ValidateExperiment(const proto::Experiment& e) {
  if (e.noise_dim() <= 0) return absl::InvalidArgumentError("experiment: noise_dim must be positive");
  if (absl::Status noise = ValidateNoise(e.noise()); !noise.ok()) return noise;
  if (e.batch_size() <= 0) return absl::InvalidArgumentError("experiment: batch_size must be positive");
  if (e.epochs() <= 0) return absl::InvalidArgumentError("experiment: epochs must be positive");
  if (e.discriminator_steps() < 0) return absl::InvalidArgumentError("experiment: discriminator_steps must be >= 1");
  if (e.data().dataset().empty()) return absl::InvalidArgumentError("experiment: data.dataset is not set");
  if (!(e.generator_ema_decay() >= 0 && e.generator_ema_decay() < 1)) {
    return absl::InvalidArgumentError(absl::StrCat("experiment: generator_ema_decay must be in [0, 1), not ", e.generator_ema_decay()));
  }
  for (int p = 0; p < e.phases_size(); ++p) {
    if (e.phases(p).epochs() <= 0) return absl::InvalidArgumentError(absl::StrCat("experiment: phases[", p, "].epochs must be positive"));
  }
  return absl::OkStatus();
}

const char* UpdateModeName(proto::UpdateMode mode) {
  return mode == proto::SIMULTANEOUS ? "simultaneous" : "alternating";
}

}  // namespace gan
