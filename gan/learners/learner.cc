#include "gan/learners/learner.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace gan {

std::vector<Rng*> Learner::OwnAndNetStreams(Rng& own) {
  std::vector<Rng*> streams = {&own};
  for (const auto& [prefix, net] : TrainedNets()) {
    for (Rng* stream : net->RandomStreams()) streams.push_back(stream);
  }
  return streams;
}

std::string ParameterRecordName(const std::string& prefix, const std::string& tensor) {
  return absl::StrCat(prefix, ".", tensor);
}

void AddParameterRecords(CheckpointSchema& schema, const std::string& prefix, Mlp& net) {
  for (const ParameterRef& p : net.Parameters()) schema.Floats(ParameterRecordName(prefix, p.name), p.value, p.size);
}

void AddOptimizerRecords(CheckpointSchema& schema, const std::string& prefix, Optimizer& optimizer) {
  const std::vector<std::vector<float>*> tensors = optimizer.StateTensors();
  for (size_t i = 0; i < tensors.size(); ++i) {
    schema.Floats(absl::StrCat(prefix, ".optimizer.", i), tensors[i]->data(), static_cast<int64_t>(tensors[i]->size()));
  }
  const std::vector<double*> scalars = optimizer.StateScalars();
  schema.Doubles(
      absl::StrCat(prefix, ".optimizer.scalars"),
      [scalars] {
        std::vector<double> values;
        for (double* s : scalars) values.push_back(*s);
        return values;
      },
      [scalars](const std::vector<double>& values) -> absl::Status {
        if (values.size() != scalars.size()) {
          return absl::DataLossError(absl::StrCat("optimizer state does not match: the checkpoint holds ", values.size(),
                                                  " scalars, this build's optimizer ", scalars.size(),
                                                  " (written by another version of the optimizer? resume it with that build)"));
        }
        for (size_t i = 0; i < scalars.size(); ++i) *scalars[i] = values[i];
        return absl::OkStatus();
      });
}

void AddBatcherRecords(CheckpointSchema& schema, const std::string& name, data::Batcher& batcher, int64_t rows) {
  auto loading = std::make_shared<data::Batcher::State>();
  schema.U64s(
      name,
      [&batcher] {
        const data::Batcher::State state = batcher.state();
        std::vector<uint64_t> words(state.rng.begin(), state.rng.end());
        words.push_back(state.epoch);
        words.push_back(state.position);
        return words;
      },
      [loading](const std::vector<uint64_t>& words) -> absl::Status {
        if (words.size() != 6) return absl::DataLossError("batch order does not match the training set");
        loading->rng = {words[0], words[1], words[2], words[3]};
        loading->epoch = static_cast<int64_t>(words[4]);
        loading->position = static_cast<int64_t>(words[5]);
        return absl::OkStatus();
      });
  schema.U64s(
      name + ".order",
      [&batcher] {
        const data::Batcher::State state = batcher.state();
        return std::vector<uint64_t>(state.order.begin(), state.order.end());
      },
      [&batcher, loading, rows](const std::vector<uint64_t>& order) -> absl::Status {
        if (static_cast<int64_t>(order.size()) != rows) return absl::DataLossError("batch order does not match the training set");
        loading->order.clear();
        for (uint64_t row : order) {
          if (row >= static_cast<uint64_t>(rows)) return absl::DataLossError("batch order out of range");
          loading->order.push_back(static_cast<int64_t>(row));
        }
        batcher.set_state(*loading);
        return absl::OkStatus();
      });
}

void MoveAverage(const std::vector<ParameterRef>& values, const std::vector<ParameterRef>& averages, float keep, float take) {
#pragma omp parallel  // one region for all tensors, as in SgdMomentum::Step
  for (size_t t = 0; t < values.size(); ++t) {
    const float* w = values[t].value;
    float* average = averages[t].value;
    const int64_t n = values[t].size;
#pragma omp for simd nowait
    for (int64_t i = 0; i < n; ++i) average[i] = keep * average[i] + take * w[i];
  }
}

absl::Status ReadParameterRecords(const CheckpointReader& reader, const std::string& prefix, Mlp& net) {
  for (const ParameterRef& p : net.Parameters()) {
    GAN_RETURN_IF_ERROR(reader.ReadFloats(ParameterRecordName(prefix, p.name), p.value, p.size));
  }
  return absl::OkStatus();
}

absl::Status InitializeTrainedNets(Learner& learner, const std::string& checkpoint_path) {
  absl::StatusOr<CheckpointReader> reader = CheckpointReader::Open(checkpoint_path);
  if (!reader.ok()) return reader.status();
  for (const auto& [prefix, net] : learner.TrainedNets()) {
    if (absl::Status s = ReadParameterRecords(*reader, prefix, *net); !s.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(checkpoint_path, ": its net '", prefix, "' is not this experiment's: ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace gan
