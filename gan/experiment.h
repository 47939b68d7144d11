#ifndef GAN_EXPERIMENT_H_
#define GAN_EXPERIMENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "gan/experiment.pb.h"

namespace gan {

// Reads a text-format gan.proto.Experiment. Errors name the file, and for a
// parse error the line and column.
absl::StatusOr<proto::Experiment> LoadExperimentFile(const std::string& path);

// Parses text-format experiment `text`; `source` names it in errors.
absl::StatusOr<proto::Experiment> ParseExperiment(const std::string& text, const std::string& source);

}  // namespace gan

#endif  // GAN_EXPERIMENT_H_
