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

}  // namespace

absl::StatusOr<proto::Experiment> ParseExperiment(const std::string& text, const std::string& source) {
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  proto::Experiment experiment;
  if (!parser.ParseFromString(text, &experiment)) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not a valid experiment: ", errors.error));
  }
  return experiment;
}

absl::StatusOr<proto::Experiment> LoadExperimentFile(const std::string& path) {
  absl::StatusOr<std::string> text = base::ReadFileBytes(path);
  if (!text.ok()) return text.status();
  return ParseExperiment(*text, path);
}

absl::StatusOr<proto::Experiment> LoadExperiment(const std::string& name_or_path, const std::vector<std::string>& dirs) {
  std::vector<std::string> tried;
  std::vector<std::string> candidates = {name_or_path};
  for (const std::string& dir : dirs) candidates.push_back(dir + "/" + name_or_path + ".pbtxt");
  for (const std::string& path : candidates) {
    if (std::ifstream(path).good()) return LoadExperimentFile(path);
    tried.push_back(path);
  }
  return absl::NotFoundError(absl::StrCat("experiment '", name_or_path, "' not found; tried: ", absl::StrJoin(tried, ", ")));
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
