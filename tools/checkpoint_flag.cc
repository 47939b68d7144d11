#include "tools/checkpoint_flag.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "tools/user_path.h"

namespace gan::tools {

absl::StatusOr<CheckpointModel> LoadCheckpointFlag(const std::string& flag, bool ema) {
  CheckpointModel loaded;
  loaded.path = UserPath(flag);
  if (loaded.path.empty()) return absl::InvalidArgumentError("--checkpoint is required (a checkpoint.ckpt from //tools:train)");
  absl::StatusOr<TrainedModel> model = LoadTrainedModel(loaded.path);
  if (!model.ok()) return model.status();
  loaded.model = *std::move(model);
  if (ema) {
    if (loaded.model.generator_ema == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(loaded.path, ": the run kept no moving average of G (generator_ema_decay)"));
    }
    loaded.model.generator = std::move(loaded.model.generator_ema);
  }
  const std::string& dataset = loaded.model.experiment.data().dataset();
  absl::StatusOr<data::ImageShape> shape = data::ImageShapeOf(dataset);
  if (!shape.ok()) return shape.status();
  loaded.shape = *shape;
  if (loaded.shape.size() != loaded.model.generator->output_dim()) {
    return absl::DataLossError(absl::StrCat(loaded.path, ": its generator makes ", loaded.model.generator->output_dim(),
                                            " values, not the ", loaded.shape.size(), " of a '", dataset, "' image"));
  }
  return loaded;
}

}  // namespace gan::tools
