#include "export/onnx_export.h"

#include <exception>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/file_bytes.h"
#include "base/status_macros.h"
#include "gan/spec/experiment.h"
#include "gan/spec/noise.h"
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

// The ONNX form of the layers' inference computations.
class OnnxGraph : public InferenceGraph {
 public:
  explicit OnnxGraph(onnx::GraphProto* graph) : graph_(graph) {}

  std::string AddFloats(const std::string& name, const std::vector<int64_t>& dims, const float* values) override {
    onnx::TensorProto* tensor = graph_->add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::FLOAT);
    int64_t count = 1;
    for (int64_t d : dims) {
      tensor->add_dims(d);
      count *= d;
    }
    tensor->set_raw_data(std::string(reinterpret_cast<const char*>(values), count * sizeof(float)));  // little-endian, as ONNX wants
    return name;
  }

  std::string AddInt64s(const std::string& name, const std::vector<int64_t>& values) override {
    onnx::TensorProto* tensor = graph_->add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::INT64);
    tensor->add_dims(static_cast<int64_t>(values.size()));
    for (int64_t v : values) tensor->add_int64_data(v);
    return name;
  }

  std::string AddNode(const std::string& op, const std::vector<std::string>& inputs, const std::string& output,
                      const std::vector<NodeAttribute>& attributes) override {
    onnx::NodeProto* node = graph_->add_node();
    node->set_op_type(op);
    node->set_name(output);
    for (const std::string& input : inputs) node->add_input(input);
    node->add_output(output);
    for (const NodeAttribute& attribute : attributes) {
      onnx::AttributeProto* proto = node->add_attribute();
      proto->set_name(attribute.name);
      if (attribute.is_list) {
        proto->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : attribute.ints) proto->add_ints(v);
      } else {
        proto->set_type(onnx::AttributeProto::INT);
        proto->set_i(attribute.ints.at(0));
      }
    }
    return output;
  }

 private:
  onnx::GraphProto* graph_;
};

// Appends the MLP's inference graph from `input`; returns the last value's
// name. Its input and output are flat rows [batch, features], as our nets'
// buffers are: a net on images reads its rows as NCHW images, and a net
// that makes images gives them as rows.
std::string AddMlp(OnnxGraph& graph, Mlp& mlp, const std::string& input) {
  std::string x = input;
  if (const Shape in = mlp.input_shape(); in.is_image()) {
    std::vector<int64_t> dims = {-1};
    dims.insert(dims.end(), in.dims().begin(), in.dims().end());
    x = graph.AddNode("Reshape", {x, graph.AddInt64s("input.shape", dims)}, "input.image", {});
  }
  for (size_t i = 0; i < mlp.layers().size(); ++i) x = mlp.layers()[i]->AddToInferenceGraph(graph, x, absl::StrCat("layer", i));
  if (mlp.output_shape().is_image()) x = graph.AddNode("Flatten", {x}, "output.rows", {{"axis", {1}, false}});
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
  std::vector<std::pair<std::string, std::string>> properties = {
      {"experiment", e.name()},
      {"network", network},
      {"update_mode", UpdateModeName(e.update_mode())},
      {"seed", absl::StrCat(e.seed())},
      {"image_channels", absl::StrCat(shape.channels)},
      {"image_height", absl::StrCat(shape.height)},
      {"image_width", absl::StrCat(shape.width)},
  };
  for (auto& noise_entry : NoiseMetadata(e.noise())) properties.push_back(std::move(noise_entry));
  properties.insert(properties.end(), {
      {"noise_dim", absl::StrCat(e.noise_dim())},
      {"dataset", e.data().dataset()},
      {"gcn_scale", absl::StrFormat("%.17g", e.data().gcn_scale())},
      {"training_step", absl::StrCat(model.step)},
  });
  if (ConditionClasses(e) > 0) properties.emplace_back("condition_classes", absl::StrCat(ConditionClasses(e)));
  if (e.has_inpainting()) properties.emplace_back("inpainting", "completes the missing pixels of 'observed' where 'mask' is 1");
  for (const auto& [key, value] : properties) {
    onnx::StringStringEntryProto* entry = proto.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
  }
  proto.mutable_graph()->set_name(network);
  return proto;
}

// A conditional net's second input, y [batch, classes] (the class,
// one-hot), and the row the net reads: `first` followed by y. Returns
// `first` for an unconditional net.
absl::StatusOr<std::string> AddClassInput(const proto::Experiment& experiment, onnx::ModelProto& proto, OnnxGraph& graph,
                                          const std::string& first) {
  const int64_t classes = ConditionClasses(experiment);
  if (classes == 0) return first;
  SetTensorType(proto.mutable_graph()->add_input(), "y", classes);
  GAN_RETURN_IF_ERROR(AddMetadata(proto, "input.y", absl::StrCat("the class, one-hot over ", classes, " classes")));
  return graph.AddNode("Concat", {first, "y"}, first + "_and_y", {{"axis", {1}, false}});
}

// An inpainter's condition inputs, observed [batch, dim] (an image, whose
// missing pixels are ignored) and mask [batch, dim] (1 where a pixel is
// missing, 0 where observed), and what the net reads from them.
struct InpaintingInputs {
  std::string row;       // `first`, then the observed image with its missing pixels 0, then the mask
  std::string observed;  // the observed image with its missing pixels 0
};
absl::StatusOr<InpaintingInputs> AddInpaintingInputs(const proto::Experiment& experiment, onnx::ModelProto& proto,
                                                     OnnxGraph& graph, const std::string& first) {
  const int64_t dim = InpaintingImageDim(experiment);
  SetTensorType(proto.mutable_graph()->add_input(), "observed", dim);
  SetTensorType(proto.mutable_graph()->add_input(), "mask", dim);
  GAN_RETURN_IF_ERROR(AddMetadata(proto, "input.observed", "the image to complete, as a row; its missing pixels are ignored"));
  GAN_RETURN_IF_ERROR(AddMetadata(proto, "input.mask", "1 where a pixel is missing (to be completed), 0 where it is observed"));
  const float one = 1.0f;
  const std::string kept = graph.AddNode("Sub", {graph.AddFloats("one", {}, &one), "mask"}, "observed_pixels", {});
  const std::string observed = graph.AddNode("Mul", {"observed", kept}, "observed_only", {});
  return InpaintingInputs{graph.AddNode("Concat", {first, observed, "mask"}, first + "_and_condition", {{"axis", {1}, false}}),
                          observed};
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
  GAN_RETURN_IF_ERROR(CheckShape(model, shape));
  onnx::ModelProto proto = NewModel(model, shape, "generator");
  OnnxGraph graph(proto.mutable_graph());
  SetTensorType(proto.mutable_graph()->add_input(), "z", model.experiment.noise_dim());
  GAN_RETURN_IF_ERROR(AddMetadata(proto, "input.z", "the noise (noise_distribution)"));
  if (model.experiment.has_inpainting()) {
    // The completion: the observed pixels, and G's output on the missing ones.
    const absl::StatusOr<InpaintingInputs> inputs = AddInpaintingInputs(model.experiment, proto, graph, "z");
    if (!inputs.ok()) return inputs.status();
    const std::string generated = graph.AddNode("Mul", {"mask", AddMlp(graph, *model.generator, inputs->row)}, "missing_pixels", {});
    graph.AddNode("Add", {inputs->observed, generated}, "x", {});
    SetTensorType(proto.mutable_graph()->add_output(), "x", shape.size());
    return proto;
  }
  GAN_RETURN_IF_ERROR(CheckGeneratesFromNoise(model));
  const absl::StatusOr<std::string> input = AddClassInput(model.experiment, proto, graph, "z");
  if (!input.ok()) return input.status();
  graph.AddNode("Identity", {AddMlp(graph, *model.generator, *input)}, "x", {});
  SetTensorType(proto.mutable_graph()->add_output(), "x", shape.size());
  return proto;
}

absl::StatusOr<onnx::ModelProto> ExportDiscriminator(TrainedModel& model, const data::ImageShape& shape) {
  GAN_RETURN_IF_ERROR(CheckShape(model, shape));
  if (model.discriminator == nullptr) return absl::FailedPreconditionError("the model has no discriminator (an autoencoder)");
  if (model.experiment.has_semi_supervised()) {
    return absl::UnimplementedError("a semi-supervised D gives one logit per class, not the one logit an exported D has; only its G exports");
  }
  onnx::ModelProto proto = NewModel(model, shape, "discriminator");
  OnnxGraph graph(proto.mutable_graph());
  SetTensorType(proto.mutable_graph()->add_input(), "x", shape.size());
  GAN_RETURN_IF_ERROR(AddMetadata(proto, "input.x", "images as rows, C*H*W values each"));
  absl::StatusOr<std::string> input = AddClassInput(model.experiment, proto, graph, "x");
  if (model.experiment.has_inpainting()) {
    const absl::StatusOr<InpaintingInputs> inputs = AddInpaintingInputs(model.experiment, proto, graph, "x");
    if (!inputs.ok()) return inputs.status();
    input = inputs->row;
  }
  if (!input.ok()) return input.status();
  const std::string logit = AddMlp(graph, *model.discriminator, *input);
  graph.AddNode("Identity", {logit}, "logit", {});
  graph.AddNode("Sigmoid", {logit}, "probability", {});
  SetTensorType(proto.mutable_graph()->add_output(), "logit", 1);
  SetTensorType(proto.mutable_graph()->add_output(), "probability", 1);
  return proto;
}

absl::StatusOr<onnx::ModelProto> ExportEncoder(TrainedModel& model, const data::ImageShape& shape) {
  GAN_RETURN_IF_ERROR(CheckShape(model, shape));
  if (!model.experiment.has_inference() || model.encoder == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("experiment '", model.experiment.name(), "' is not an inference net: it has no encoder to export"));
  }
  onnx::ModelProto proto = NewModel(model, shape, "encoder");
  OnnxGraph graph(proto.mutable_graph());
  SetTensorType(proto.mutable_graph()->add_input(), "x", shape.size());
  GAN_RETURN_IF_ERROR(AddMetadata(proto, "input.x", "images as rows, C*H*W values each"));
  GAN_RETURN_IF_ERROR(AddMetadata(proto, "generator_sha256", model.generator_file_sha256));
  graph.AddNode("Identity", {AddMlp(graph, *model.encoder, "x")}, "z", {});
  SetTensorType(proto.mutable_graph()->add_output(), "z", model.experiment.noise_dim());
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
