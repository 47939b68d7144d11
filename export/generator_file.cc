#include "export/generator_file.h"

#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/file_bytes.h"
#include "base/file_digest.h"
#include "base/status_macros.h"
#include "export/onnx_export.h"
#include "gan/nets/build.h"
#include "gan/run/trained_model.h"
#include "gan/spec/noise.h"
#include "onnx/onnx_pb.h"

namespace gan::exporter {
namespace {

bool SameMessage(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

// The file's net must be the one the experiment describes, sampling from the same noise.
absl::Status CheckSameGenerator(const std::string& path, const proto::Experiment& file, const proto::Experiment& experiment) {
  if (!SameMessage(file.generator(), experiment.generator())) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": its experiment's `generator` is not the inference experiment's `generator`"));
  }
  if (!SameMessage(file.noise(), experiment.noise()) || file.noise_dim() != experiment.noise_dim()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": its noise (", DescribeNoise(file.noise()), ", noise_dim ", file.noise_dim(),
                                                   ") is not the inference experiment's (", DescribeNoise(experiment.noise()),
                                                   ", noise_dim ", experiment.noise_dim(), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Mlp>> FromCheckpoint(const std::string& path, const proto::Experiment& experiment) {
  absl::StatusOr<TrainedModel> model = LoadTrainedModel(path);
  if (!model.ok()) return model.status();
  GAN_RETURN_IF_ERROR(CheckGeneratesFromNoise(*model));
  if (ConditionClasses(model->experiment) > 0 || model->experiment.has_inference()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": experiment '", model->experiment.name(),
                                                   "' is not an unconditional GAN (an inference net inverts G(z) alone)"));
  }
  GAN_RETURN_IF_ERROR(CheckSameGenerator(path, model->experiment, experiment));
  if (!experiment.inference().generator_moving_average()) return std::move(model->generator);
  if (model->generator_ema == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": inference.generator_moving_average is set, but the run kept no moving average of G"));
  }
  return std::move(model->generator_ema);
}

// The values of a float or int64 tensor, stored as raw_data or as typed fields, widened to double.
std::vector<double> TensorValues(const onnx::TensorProto& t) {
  std::vector<double> values;
  if (t.data_type() == onnx::TensorProto::FLOAT) {
    if (!t.raw_data().empty()) {
      std::vector<float> raw(t.raw_data().size() / sizeof(float));
      std::memcpy(raw.data(), t.raw_data().data(), raw.size() * sizeof(float));
      values.assign(raw.begin(), raw.end());
    } else {
      values.assign(t.float_data().begin(), t.float_data().end());
    }
  } else if (t.data_type() == onnx::TensorProto::INT64) {
    if (!t.raw_data().empty()) {
      std::vector<int64_t> raw(t.raw_data().size() / sizeof(int64_t));
      std::memcpy(raw.data(), t.raw_data().data(), raw.size() * sizeof(int64_t));
      values.assign(raw.begin(), raw.end());
    } else {
      values.assign(t.int64_data().begin(), t.int64_data().end());
    }
  }
  return values;
}

absl::StatusOr<int64_t> MetadataInt(const std::map<std::string, std::string>& metadata, const std::string& key, const std::string& path) {
  int64_t value = 0;
  const auto it = metadata.find(key);
  if (it == metadata.end() || !absl::SimpleAtoi(it->second, &value)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": metadata '", key, "' is missing or not an integer (not an export of this project?)"));
  }
  return value;
}

// The file's graph and tensors against those `generator` exports to, bit for bit.
absl::Status CheckSameGraph(const std::string& path, const onnx::GraphProto& file, const onnx::GraphProto& ours) {
  if (file.node_size() != ours.node_size()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": its graph has ", file.node_size(), " nodes, the experiment's generator exports to ", ours.node_size()));
  }
  for (int i = 0; i < ours.node_size(); ++i) {
    const onnx::NodeProto &a = file.node(i), &b = ours.node(i);
    bool same = a.op_type() == b.op_type() && a.input_size() == b.input_size() && a.output_size() == b.output_size();
    for (int j = 0; same && j < a.input_size(); ++j) same = a.input(j) == b.input(j);
    for (int j = 0; same && j < a.output_size(); ++j) same = a.output(j) == b.output(j);
    for (int j = 0; same && j < b.attribute_size(); ++j) {
      bool found = false;
      for (const onnx::AttributeProto& attribute : a.attribute()) found = found || SameMessage(attribute, b.attribute(j));
      same = found;
    }
    if (!same) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": node ", i, " ('", a.name(), "', ", a.op_type(),
                                                     ") is not the one the experiment's generator exports to ('", b.name(), "', ", b.op_type(), ")"));
    }
  }
  std::map<std::string, const onnx::TensorProto*> tensors;
  for (const onnx::TensorProto& t : file.initializer()) tensors[t.name()] = &t;
  for (const onnx::TensorProto& t : ours.initializer()) {
    const auto it = tensors.find(t.name());
    if (it == tensors.end()) return absl::InvalidArgumentError(absl::StrCat(path, ": it has no tensor '", t.name(), "'"));
    const onnx::TensorProto& theirs = *it->second;
    bool same_dims = theirs.dims_size() == t.dims_size() && theirs.data_type() == t.data_type();
    for (int d = 0; same_dims && d < t.dims_size(); ++d) same_dims = theirs.dims(d) == t.dims(d);
    if (!same_dims || TensorValues(theirs) != TensorValues(t)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": tensor '", t.name(), "' does not read back exactly into the experiment's generator"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Mlp>> FromOnnx(const std::string& path, const proto::Experiment& experiment) {
  absl::StatusOr<std::string> bytes = base::ReadFileBytes(path);
  if (!bytes.ok()) return bytes.status();
  onnx::ModelProto file;
  if (!file.ParseFromString(*bytes)) return absl::InvalidArgumentError(absl::StrCat(path, ": not an ONNX model"));
  if (experiment.inference().generator_moving_average()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": inference.generator_moving_average applies to a checkpoint; an ONNX file holds one generator"));
  }
  std::map<std::string, std::string> metadata;
  for (const onnx::StringStringEntryProto& entry : file.metadata_props()) metadata[entry.key()] = entry.value();
  if (metadata["network"] != "generator" || metadata.count("condition_classes") > 0 || metadata.count("inpainting") > 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": metadata 'network' is '", metadata["network"],
                                                   "': an unconditional generator exported by this project is needed"));
  }
  proto::Experiment as_exported = experiment;
  absl::StatusOr<proto::Noise> noise = NoiseFromMetadata(metadata);
  if (!noise.ok()) return absl::Status(noise.status().code(), absl::StrCat(path, ": ", noise.status().message()));
  *as_exported.mutable_noise() = *noise;
  absl::StatusOr<int64_t> noise_dim = MetadataInt(metadata, "noise_dim", path);
  if (!noise_dim.ok()) return noise_dim.status();
  as_exported.set_noise_dim(static_cast<int32_t>(*noise_dim));
  GAN_RETURN_IF_ERROR(CheckSameGenerator(path, as_exported, experiment));
  data::ImageShape shape;
  for (auto [key, value] : {std::pair{"image_channels", &shape.channels}, std::pair{"image_height", &shape.height},
                            std::pair{"image_width", &shape.width}}) {
    absl::StatusOr<int64_t> read = MetadataInt(metadata, key, path);
    if (!read.ok()) return read.status();
    *value = *read;
  }

  // Each affine layer's Gemm weights [out, in] (transB = 1) and bias [out], as AddAffine writes them.
  std::map<std::string, const onnx::TensorProto*> tensors;
  for (const onnx::TensorProto& t : file.graph().initializer()) tensors[t.name()] = &t;
  const std::vector<float> placeholder_mean(shape.size(), 0.5f);
  absl::StatusOr<std::unique_ptr<Mlp>> generator = BuildMlp(experiment.generator(), Shape::Flat(experiment.noise_dim()), 0, &placeholder_mean);
  if (!generator.ok()) return absl::Status(generator.status().code(), absl::StrCat("generator: ", generator.status().message()));
  for (size_t i = 0; i < (*generator)->layers().size(); ++i) {
    std::vector<ParameterRef> parameters = (*generator)->layers()[i]->Parameters();
    if (parameters.empty()) continue;
    const std::string prefix = absl::StrCat("layer", i);
    if (parameters.size() != 2 || !absl::EndsWith(parameters[0].name, ".weights")) {
      return absl::UnimplementedError(absl::StrCat("generator: layer ", i, " (", parameters[0].name,
                                                   "): only linear and maxout layers are read back from ONNX"));
    }
    const auto weight = tensors.find(prefix + ".weight"), bias = tensors.find(prefix + ".bias");
    if (weight == tensors.end() || bias == tensors.end()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": no tensors '", prefix, ".weight' and '", prefix, ".bias' for the generator's layer ", i));
    }
    const std::vector<double> w = TensorValues(*weight->second), b = TensorValues(*bias->second);
    const int64_t out = parameters[1].size, in = parameters[0].size / out;
    if (static_cast<int64_t>(w.size()) != in * out || static_cast<int64_t>(b.size()) != out) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": tensors '", prefix, ".weight' and '", prefix, ".bias' hold ", w.size(), " and ",
                                                     b.size(), " floats; the generator's layer ", i, " has ", in, " x ", out, " and ", out));
    }
    for (int64_t r = 0; r < in; ++r) {
      for (int64_t o = 0; o < out; ++o) parameters[0].value[r * out + o] = static_cast<float>(w[o * in + r]);
    }
    for (int64_t o = 0; o < out; ++o) parameters[1].value[o] = static_cast<float>(b[o]);
  }

  TrainedModel model;
  model.experiment = experiment;
  model.experiment.clear_inference();
  model.generator = *std::move(generator);
  absl::StatusOr<onnx::ModelProto> ours = ExportGenerator(model, shape);
  if (!ours.ok()) return ours.status();
  GAN_RETURN_IF_ERROR(CheckSameGraph(path, file.graph(), ours->graph()));
  return std::move(model.generator);
}

}  // namespace

absl::StatusOr<GeneratorFile> LoadGeneratorFile(const proto::Experiment& experiment) {
  const std::string& path = experiment.inference().generator_file();
  absl::StatusOr<std::string> sha256 = base::Sha256OfFile(path);
  if (!sha256.ok()) return sha256.status();
  absl::StatusOr<std::unique_ptr<Mlp>> generator = absl::EndsWith(path, ".onnx") ? FromOnnx(path, experiment) : FromCheckpoint(path, experiment);
  if (!generator.ok()) return generator.status();
  return GeneratorFile{*std::move(generator), *std::move(sha256)};
}

}  // namespace gan::exporter
