#ifndef TOOLS_CHECKPOINT_FLAG_H_
#define TOOLS_CHECKPOINT_FLAG_H_

#include <string>

#include "absl/status/statusor.h"
#include "data/load.h"
#include "gan/run/trained_model.h"

namespace gan::tools {

// The trained model that a program's --checkpoint flag names.
struct CheckpointModel {
  std::string path;         // the flag's value, resolved with UserPath
  TrainedModel model;
  data::ImageShape shape;   // of the images of the experiment's data set
};

// Reads the checkpoint `flag` names. Errors: the flag is empty; the checkpoint
// is missing or damaged (LoadTrainedModel names it); its generator does not
// make one image of its data set's shape.
// With `ema`, the model's generator is G's moving average (an error naming
// the checkpoint if the run kept none).
absl::StatusOr<CheckpointModel> LoadCheckpointFlag(const std::string& flag, bool ema = false);

}  // namespace gan::tools

#endif  // TOOLS_CHECKPOINT_FLAG_H_
