#include "export/onnx_export.h"

#include <exception>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/file_bytes.h"
#include "gan/experiment.h"
#include "gan/noise.h"
#include "onnx/checker.h"
#include "onnx/shape_inference/implementation.h"

namespace gan::exporter {
namespace {

void SetTensorType(onnx::ValueInfoProto* value, const std::string& name, int64_t columns) {
  value->set_name(name);
  onnx::TypeProto_Tensor* tensor = value->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  tensor->mutable_shape()->add_dim()->set_dim_param("batch");
  tensor->mutable_shape()->add_dim()->set_dim_value(columns);
}

void AddInitializer(onnx::GraphProto* graph, const std::string& name, const std::vector<int64_t>& dims, const float* values) {
  onnx::TensorProto* tensor = graph->add_initializer();
  tensor->set_name(name);
  tensor->set_data_type(onnx::TensorProto::FLOAT);
  int64_t count = 1;
  for (int64_t d : dims) {
    tensor->add_dims(d);
    count *= d;
  }
  tensor->set_raw_data(std::string(reinterpret_cast<const char*>(values), count * sizeof(float)));  // little-endian, as ONNX wants
}

onnx::NodeProto* AddNode(onnx::GraphProto* graph, const std::string& op, const std::vector<std::string>& inputs,
                         const std::string& output) {
  onnx::NodeProto* node = graph->add_node();
  node->set_op_type(op);
  node->set_name(output);
  for (const std::string& input : inputs) node->add_input(input);
  node->add_output(output);
  return node;
}

// y = x W + b as a Gemm with W [in, out] and b [out] as initializers.
std::string AddAffine(onnx::GraphProto* graph, const std::string& x, AffineParameters& p, const std::string& prefix) {
  AddInitializer(graph, prefix + ".weight", {p.in, p.out}, p.weights.data());
  AddInitializer(graph, prefix + ".bias", {p.out}, p.bias.data());
  AddNode(graph, "Gemm", {x, prefix + ".weight", prefix + ".bias"}, prefix + ".affine");
  return prefix + ".affine";
}

// Appends the MLP's inference graph from `input`; returns the last value's name.
absl::StatusOr<std::string> AddMlp(onnx::GraphProto* graph, Mlp& mlp, const std::string& input) {
  std::string x = input;
  for (size_t i = 0; i < mlp.layers().size(); ++i) {
    Layer* layer = mlp.layers()[i].get();
    const std::string prefix = absl::StrCat("layer", i);
    if (auto* linear = dynamic_cast<Linear*>(layer)) {
      x = AddAffine(graph, x, linear->params(), prefix);
      if (linear->activation() == Activation::kRelu) {
        AddNode(graph, "Relu", {x}, prefix + ".relu");
        x = prefix + ".relu";
      } else if (linear->activation() == Activation::kSigmoid) {
        AddNode(graph, "Sigmoid", {x}, prefix + ".sigmoid");
        x = prefix + ".sigmoid";
      }
    } else if (auto* maxout = dynamic_cast<Maxout*>(layer)) {
      x = AddAffine(graph, x, maxout->params(), prefix);
      // Columns u * pieces + p hold unit u's pieces: [batch, units, pieces].
      onnx::TensorProto* shape = graph->add_initializer();
      shape->set_name(prefix + ".shape");
      shape->set_data_type(onnx::TensorProto::INT64);
      shape->add_dims(3);
      for (int64_t d : {int64_t{-1}, maxout->output_dim(), maxout->pieces()}) shape->add_int64_data(d);
      AddNode(graph, "Reshape", {x, prefix + ".shape"}, prefix + ".pieces");
      onnx::NodeProto* max = AddNode(graph, "ReduceMax", {prefix + ".pieces"}, prefix + ".maxout");
      onnx::AttributeProto* axes = max->add_attribute();
      axes->set_name("axes");
      axes->set_type(onnx::AttributeProto::INTS);
      axes->add_ints(2);
      onnx::AttributeProto* keepdims = max->add_attribute();
      keepdims->set_name("keepdims");
      keepdims->set_type(onnx::AttributeProto::INT);
      keepdims->set_i(0);
      x = prefix + ".maxout";
    } else if (dynamic_cast<Dropout*>(layer) != nullptr) {
      continue;  // the identity at inference
    } else {
      return absl::UnimplementedError(absl::StrCat("layer ", i, " has no ONNX form"));
    }
  }
  return x;
}

onnx::ModelProto NewModel(const TrainedModel& model, const data::ImageShape& shape, const std::string& network) {
  onnx::ModelProto proto;
  proto.set_ir_version(kIrVersion);
  proto.set_producer_name("gan");
  proto.set_producer_version("0.1");
  proto.set_doc_string(absl::StrCat("The ", network, " of experiment '", model.experiment.name(),
                                    "' (Goodfellow et al. 2014, Generative Adversarial Nets)"));
  proto.add_opset_import()->set_version(kOpsetVersion);
  const proto::Experiment& e = model.experiment;
  const std::pair<std::string, std::string> properties[] = {
      {"experiment", e.name()},
      {"network", network},
      {"update_mode", UpdateModeName(e.update_mode())},
      {"seed", absl::StrCat(e.seed())},
      {"image_channels", absl::StrCat(shape.channels)},
      {"image_height", absl::StrCat(shape.height)},
      {"image_width", absl::StrCat(shape.width)},
      {"noise_distribution", NoiseKind(e.noise())},
      {"noise_description", DescribeNoise(e.noise())},
      {e.noise().has_uniform() ? "noise_low" : "noise_mean",
       absl::StrFormat("%.17g", e.noise().has_uniform() ? e.noise().uniform().low() : e.noise().normal().mean())},
      {e.noise().has_uniform() ? "noise_high" : "noise_stddev",
       absl::StrFormat("%.17g", e.noise().has_uniform() ? e.noise().uniform().high() : e.noise().normal().stddev())},
      {"noise_dim", absl::StrCat(e.noise_dim())},
      {"training_step", absl::StrCat(model.step)},
  };
  for (const auto& [key, value] : properties) {
    onnx::StringStringEntryProto* entry = proto.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
  }
  proto.mutable_graph()->set_name(network);
  return proto;
}

absl::Status CheckShape(const TrainedModel& model, const data::ImageShape& shape) {
  if (model.generator->output_dim() != shape.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the generator makes ", model.generator->output_dim(), " values, an image of ",
                                                   shape.channels, "x", shape.height, "x", shape.width, " has ", shape.size()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<onnx::ModelProto> ExportGenerator(TrainedModel& model, const data::ImageShape& shape) {
  if (absl::Status s = CheckShape(model, shape); !s.ok()) return s;
  onnx::ModelProto proto = NewModel(model, shape, "generator");
  onnx::GraphProto* graph = proto.mutable_graph();
  SetTensorType(graph->add_input(), "z", model.generator->input_dim());
  absl::StatusOr<std::string> last = AddMlp(graph, *model.generator, "z");
  if (!last.ok()) return last.status();
  AddNode(graph, "Identity", {*last}, "x");
  SetTensorType(graph->add_output(), "x", shape.size());
  return proto;
}

absl::StatusOr<onnx::ModelProto> ExportDiscriminator(TrainedModel& model, const data::ImageShape& shape) {
  if (absl::Status s = CheckShape(model, shape); !s.ok()) return s;
  onnx::ModelProto proto = NewModel(model, shape, "discriminator");
  onnx::GraphProto* graph = proto.mutable_graph();
  SetTensorType(graph->add_input(), "x", shape.size());
  absl::StatusOr<std::string> last = AddMlp(graph, *model.discriminator, "x");
  if (!last.ok()) return last.status();
  AddNode(graph, "Identity", {*last}, "logit");
  AddNode(graph, "Sigmoid", {*last}, "probability");
  SetTensorType(graph->add_output(), "logit", 1);
  SetTensorType(graph->add_output(), "probability", 1);
  return proto;
}

absl::Status AddMetadata(onnx::ModelProto& model, const std::string& key, const std::string& value) {
  if (key.empty()) return absl::InvalidArgumentError("a metadata key must not be empty");
  for (const onnx::StringStringEntryProto& entry : model.metadata_props()) {
    if (entry.key() == key) return absl::InvalidArgumentError(absl::StrCat("metadata '", key, "' is already set (to '", entry.value(), "')"));
  }
  onnx::StringStringEntryProto* entry = model.add_metadata_props();
  entry->set_key(key);
  entry->set_value(value);
  return absl::OkStatus();
}

absl::Status CheckModel(const onnx::ModelProto& model) {
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("the ONNX checker refused the model: ", e.what()));
  }
  try {
    // Strict: type checks, node-level errors thrown, data propagation on.
    onnx::ModelProto inferred = model;
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(true, 1, true));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("ONNX shape inference failed: ", e.what()));
  }
  return absl::OkStatus();
}

absl::Status WriteModel(const onnx::ModelProto& model, const std::string& path) {
  std::string bytes;
  if (!model.SerializeToString(&bytes)) return absl::InternalError(absl::StrCat(path, ": could not serialise the model"));
  return base::WriteFileAtomically(path, bytes);
}

}  // namespace gan::exporter
