#ifndef GAN_SPEC_EXPERIMENT_H_
#define GAN_SPEC_EXPERIMENT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gan/spec/experiment.pb.h"

namespace gan {

// Reads a text-format gan.proto.Experiment. Errors name the file, and for a
// parse error the line and column.
absl::StatusOr<proto::Experiment> LoadExperimentFile(const std::string& path);

// Parses text-format experiment `text`; `source` names it in errors.
absl::StatusOr<proto::Experiment> ParseExperiment(const std::string& text, const std::string& source);

// `name_or_path` is a file path, or the name of a file NAME.pbtxt in one of
// `dirs` (tried in order). NotFound lists every place tried.
absl::StatusOr<proto::Experiment> LoadExperiment(const std::string& name_or_path, const std::vector<std::string>& dirs);

// Checks what the trainer needs of an experiment; errors name the field.
absl::Status ValidateExperiment(const proto::Experiment& experiment);

// The same for a classifier's experiment (gan.proto.ClassifierExperiment).
absl::StatusOr<proto::ClassifierExperiment> ParseClassifierExperiment(const std::string& text, const std::string& source);
absl::StatusOr<proto::ClassifierExperiment> LoadClassifierExperiment(const std::string& name_or_path,
                                                                     const std::vector<std::string>& dirs);
absl::Status ValidateClassifierExperiment(const proto::ClassifierExperiment& experiment);

// "alternating" or "simultaneous", as flags, logs and metadata spell them.
const char* UpdateModeName(proto::UpdateMode mode);

}  // namespace gan

#endif  // GAN_SPEC_EXPERIMENT_H_
