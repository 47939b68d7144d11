#include "export/onnx_generator.h"

#include <exception>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/file_bytes.h"
#include "export/onnxruntime_runner.h"
#include "gan/spec/noise.h"
#include "onnx/checker.h"
#include "onnx/onnx_pb.h"

namespace gan::exporter {
namespace {

// Rows per run in ONNX Runtime when the file leaves the batch free: large
// enough that a run's overhead is small, small enough that the
// convolutional G's activations stay under 100 MB.
constexpr int64_t kRowsPerRun = 1000;

std::string DimsText(const onnx::TensorShapeProto& shape) {
  std::vector<std::string> dims;
  for (const onnx::TensorShapeProto::Dimension& d : shape.dim()) dims.push_back(d.has_dim_value() ? absl::StrCat(d.dim_value()) : d.dim_param());
  return absl::StrCat("[", absl::StrJoin(dims, ", "), "]");
}

}  // namespace

absl::StatusOr<OutputRange> ParseOutputRange(const std::string& text, const std::string& what) {
  const std::vector<std::string> parts = absl::StrSplit(text, ',');
  OutputRange range;
  if (parts.size() != 2 || !absl::SimpleAtod(parts[0], &range.low) || !absl::SimpleAtod(parts[1], &range.high) || !(range.low < range.high)) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": '", text, "' is not LOW,HIGH with LOW < HIGH (e.g. -1,1)"));
  }
  return range;
}

absl::StatusOr<std::unique_ptr<OnnxGenerator>> OnnxGenerator::Load(const std::string& path) {
  absl::StatusOr<std::string> bytes = base::ReadFileBytes(path);
  if (!bytes.ok()) return bytes.status();
  onnx::ModelProto model;
  if (!model.ParseFromString(*bytes)) return absl::InvalidArgumentError(absl::StrCat(path, ": not an ONNX model"));
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": the ONNX checker refused it: ", e.what()));
  }
  const onnx::GraphProto& graph = model.graph();
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const onnx::ValueInfoProto& v : graph.input()) {
    bool constant = false;
    for (const onnx::TensorProto& t : graph.initializer()) constant |= t.name() == v.name();
    if (!constant) inputs.push_back(&v);
  }
  if (inputs.empty() || inputs.size() > 2 || graph.output_size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": a generator has one input (the noise) or two (the noise and the class) and one ",
                                                   "output (the images); this graph has ", inputs.size(), " and ", graph.output_size()));
  }
  auto generator = std::unique_ptr<OnnxGenerator>(new OnnxGenerator());
  generator->path_ = path;
  if (inputs.size() == 2) {
    if (inputs[0]->name() == "y") std::swap(inputs[0], inputs[1]);
    const onnx::TypeProto::Tensor& y = inputs[1]->type().tensor_type();
    const onnx::TensorShapeProto& y_shape = y.shape();
    if (y.elem_type() != onnx::TensorProto::FLOAT || y_shape.dim_size() != 2 || !y_shape.dim(1).has_dim_value() || y_shape.dim(1).dim_value() < 2) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": the class input '", inputs[1]->name(), "' is ", DimsText(y_shape),
                                                     "; a conditional generator's class is float [batch, classes], one-hot, with 2 or more classes"));
    }
    generator->class_input_name_ = inputs[1]->name();
    generator->classes_ = y_shape.dim(1).dim_value();
  }
  generator->input_name_ = inputs[0]->name();
  generator->output_name_ = graph.output(0).name();
  const onnx::TypeProto::Tensor& input = inputs[0]->type().tensor_type();
  const onnx::TensorShapeProto& shape = input.shape();
  const bool flat = shape.dim_size() == 2, as_image = shape.dim_size() == 4;
  auto is_one = [&shape](int i) { return shape.dim(i).has_dim_value() && shape.dim(i).dim_value() == 1; };
  if (input.elem_type() != onnx::TensorProto::FLOAT || !(flat || as_image) || !shape.dim(1).has_dim_value() || shape.dim(1).dim_value() < 1 ||
      (as_image && !(is_one(2) && is_one(3)))) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": the input '", generator->input_name_, "' is ", DimsText(shape),
                                                   "; a generator's noise is float [batch, noise_dim] or [batch, noise_dim, 1, 1] with a fixed noise_dim"));
  }
  generator->noise_dim_ = shape.dim(1).dim_value();
  generator->noise_as_image_ = as_image;
  if (shape.dim(0).has_dim_value()) generator->fixed_batch_ = shape.dim(0).dim_value();
  const onnx::TypeProto::Tensor& output = graph.output(0).type().tensor_type();
  if (output.elem_type() != onnx::TensorProto::FLOAT) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": the output '", generator->output_name_, "' is not float"));
  }
  for (const onnx::StringStringEntryProto& entry : model.metadata_props()) generator->metadata_[entry.key()] = entry.value();
  return generator;
}

absl::StatusOr<proto::Noise> OnnxGenerator::NoiseFromMetadata() const {
  absl::StatusOr<proto::Noise> noise = gan::NoiseFromMetadata(metadata_);
  if (!noise.ok()) return absl::Status(noise.status().code(), absl::StrCat(path_, ": ", noise.status().message()));
  return noise;
}

absl::StatusOr<OutputRange> OnnxGenerator::OutputRangeFromMetadata() const {
  const auto it = metadata_.find("output_range");
  if (it == metadata_.end()) return OutputRange{};
  return ParseOutputRange(it->second, absl::StrCat(path_, ": metadata output_range"));
}

absl::StatusOr<std::vector<float>> OnnxGenerator::Run(const float* z, int64_t rows, const OutputRange& range) const {
  std::vector<RuntimeInput> inputs = {{input_name_, {}, {rows, noise_dim_}}};
  if (noise_as_image_) inputs[0].dims.insert(inputs[0].dims.end(), {1, 1});
  if (classes_ > 0) inputs.push_back({class_input_name_, {}, {rows, classes_}});
  // Each row of `z` is the noise followed by the class.
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = z + r * (noise_dim_ + classes_);
    inputs[0].values.insert(inputs[0].values.end(), row, row + noise_dim_);
    if (classes_ > 0) inputs[1].values.insert(inputs[1].values.end(), row + noise_dim_, row + noise_dim_ + classes_);
  }
  RuntimeOptions options;
  options.batch = fixed_batch_ > 0 ? fixed_batch_ : kRowsPerRun;
  options.pad = fixed_batch_ > 0;
  absl::StatusOr<RuntimeResult> run = RunInOnnxRuntime(path_, inputs, output_name_, nullptr, options);
  if (!run.ok()) return absl::Status(run.status().code(), absl::StrCat(path_, ": ", run.status().message()));
  if (run->output_dims.empty() || run->output_dims[0] != rows || run->output.size() % rows != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": the output '", output_name_, "' is [", absl::StrJoin(run->output_dims, ", "),
                                                   "], not one image per row of the noise (", rows, " rows)"));
  }
  const double scale = 1.0 / (range.high - range.low);
  for (float& v : run->output) v = static_cast<float>((v - range.low) * scale);
  return std::move(run->output);
}

}  // namespace gan::exporter
