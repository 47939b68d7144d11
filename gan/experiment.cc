#include "gan/experiment.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
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
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat(path, ": cannot open the experiment file"));
  std::stringstream text;
  text << file.rdbuf();
  if (file.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return ParseExperiment(text.str(), path);
}

}  // namespace gan
