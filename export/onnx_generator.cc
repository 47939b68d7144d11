#include "export/onnx_generator.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/file_bytes.h"
#include "export/onnx_export.h"
#include "gan/spec/noise.h"
#include "onnx/onnx_pb.h"

namespace gan::exporter {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A float tensor, row-major.
struct Tensor {
  std::vector<int64_t> dims;
  std::vector<float> values;
  int64_t size() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    return n;
  }
};

constexpr int64_t kBatch = 500;

const std::set<std::string>& KnownOperators() {
  static const std::set<std::string> ops = {"Gemm", "MatMul", "Add", "Relu", "Sigmoid", "Flatten", "Reshape", "ConvTranspose", "Identity"};
  return ops;
}

int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t otherwise) {
  for (const onnx::AttributeProto& a : node.attribute()) {
    if (a.name() == name) return a.i();
  }
  return otherwise;
}

float FloatAttribute(const onnx::NodeProto& node, const std::string& name, float otherwise) {
  for (const onnx::AttributeProto& a : node.attribute()) {
    if (a.name() == name) return a.f();
  }
  return otherwise;
}

std::vector<int64_t> IntsAttribute(const onnx::NodeProto& node, const std::string& name, std::vector<int64_t> otherwise) {
  for (const onnx::AttributeProto& a : node.attribute()) {
    if (a.name() == name) return {a.ints().begin(), a.ints().end()};
  }
  return otherwise;
}

std::string Describe(const onnx::NodeProto& node) {
  return absl::StrCat(node.op_type(), " node '", node.name().empty() ? node.output(0) : node.name(), "'");
}

std::string DimsText(const std::vector<int64_t>& dims) { return absl::StrCat("[", absl::StrJoin(dims, ", "), "]"); }

// A constant of the graph as a float tensor (INT64 constants, e.g. a
// Reshape's shape, are converted: their values are small integers).
absl::StatusOr<Tensor> ReadInitializer(const onnx::TensorProto& t) {
  Tensor tensor;
  tensor.dims.assign(t.dims().begin(), t.dims().end());
  const int64_t n = tensor.size();
  tensor.values.resize(n);
  if (t.data_type() == onnx::TensorProto::FLOAT) {
    if (!t.raw_data().empty()) {
      if (static_cast<int64_t>(t.raw_data().size()) != n * 4) return absl::DataLossError(absl::StrCat("constant '", t.name(), "' has the wrong size"));
      std::memcpy(tensor.values.data(), t.raw_data().data(), n * 4);
    } else {
      if (t.float_data_size() != n) return absl::DataLossError(absl::StrCat("constant '", t.name(), "' has the wrong size"));
      std::copy(t.float_data().begin(), t.float_data().end(), tensor.values.begin());
    }
  } else if (t.data_type() == onnx::TensorProto::INT64) {
    std::vector<int64_t> ints(n);
    if (!t.raw_data().empty()) {
      if (static_cast<int64_t>(t.raw_data().size()) != n * 8) return absl::DataLossError(absl::StrCat("constant '", t.name(), "' has the wrong size"));
      std::memcpy(ints.data(), t.raw_data().data(), n * 8);
    } else {
      if (t.int64_data_size() != n) return absl::DataLossError(absl::StrCat("constant '", t.name(), "' has the wrong size"));
      std::copy(t.int64_data().begin(), t.int64_data().end(), ints.begin());
    }
    std::transform(ints.begin(), ints.end(), tensor.values.begin(), [](int64_t v) { return static_cast<float>(v); });
  } else {
    return absl::UnimplementedError(absl::StrCat("constant '", t.name(), "' has data type ", t.data_type(), " (only FLOAT and INT64 are read)"));
  }
  return tensor;
}

// y = alpha * A' B' + beta * C, A' = A or A^T, B' = B or B^T; C broadcast to [M, N].
absl::StatusOr<Tensor> Gemm(const onnx::NodeProto& node, const Tensor& a, const Tensor& b, const Tensor* c) {
  const bool trans_a = IntAttribute(node, "transA", 0) != 0, trans_b = IntAttribute(node, "transB", 0) != 0;
  if (a.dims.size() != 2 || b.dims.size() != 2) return absl::InvalidArgumentError(absl::StrCat(Describe(node), ": inputs must be matrices"));
  const int64_t m = trans_a ? a.dims[1] : a.dims[0], k = trans_a ? a.dims[0] : a.dims[1];
  const int64_t kb = trans_b ? b.dims[1] : b.dims[0], n = trans_b ? b.dims[0] : b.dims[1];
  if (k != kb) {
    return absl::InvalidArgumentError(absl::StrCat(Describe(node), ": inner sizes differ (", DimsText(a.dims), " and ", DimsText(b.dims), ")"));
  }
  Eigen::Map<const RowMajor> am(a.values.data(), a.dims[0], a.dims[1]), bm(b.values.data(), b.dims[0], b.dims[1]);
  Tensor y{{m, n}, std::vector<float>(m * n)};
  Eigen::Map<RowMajor> ym(y.values.data(), m, n);
  const float alpha = FloatAttribute(node, "alpha", 1.0f), beta = FloatAttribute(node, "beta", 1.0f);
  if (trans_a && trans_b) ym.noalias() = alpha * (am.transpose() * bm.transpose());
  else if (trans_a) ym.noalias() = alpha * (am.transpose() * bm);
  else if (trans_b) ym.noalias() = alpha * (am * bm.transpose());
  else ym.noalias() = alpha * (am * bm);
  if (c != nullptr) {
    // C is [N], [1, N], [M, 1], [M, N] or a scalar.
    const int64_t c_rows = c->dims.size() == 2 ? c->dims[0] : 1, c_cols = c->dims.empty() ? 1 : c->dims.back();
    if ((c_rows != 1 && c_rows != m) || (c_cols != 1 && c_cols != n) || c->dims.size() > 2) {
      return absl::InvalidArgumentError(absl::StrCat(Describe(node), ": C of shape ", DimsText(c->dims), " does not broadcast to [", m, ", ", n, "]"));
    }
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) y.values[i * n + j] += beta * c->values[(c_rows == 1 ? 0 : i) * c_cols + (c_cols == 1 ? 0 : j)];
    }
  }
  return y;
}

// Numpy-style broadcasting of two tensors, right-aligned.
absl::StatusOr<Tensor> Add(const onnx::NodeProto& node, const Tensor& a, const Tensor& b) {
  const size_t rank = std::max(a.dims.size(), b.dims.size());
  auto padded = [rank](const std::vector<int64_t>& dims) {
    std::vector<int64_t> p(rank - dims.size(), 1);
    p.insert(p.end(), dims.begin(), dims.end());
    return p;
  };
  const std::vector<int64_t> da = padded(a.dims), db = padded(b.dims);
  Tensor y;
  for (size_t i = 0; i < rank; ++i) {
    if (da[i] != db[i] && da[i] != 1 && db[i] != 1) {
      return absl::InvalidArgumentError(absl::StrCat(Describe(node), ": shapes ", DimsText(a.dims), " and ", DimsText(b.dims), " do not broadcast"));
    }
    y.dims.push_back(std::max(da[i], db[i]));
  }
  y.values.resize(y.size());
  // Strides of a and b in y's index space (0 along a broadcast dimension).
  std::vector<int64_t> sa(rank), sb(rank);
  for (int64_t i = static_cast<int64_t>(rank) - 1, ra = 1, rb = 1; i >= 0; --i) {
    sa[i] = da[i] == 1 ? 0 : ra;
    sb[i] = db[i] == 1 ? 0 : rb;
    ra *= da[i];
    rb *= db[i];
  }
  std::vector<int64_t> index(rank, 0);
  for (int64_t flat = 0; flat < y.size(); ++flat) {
    int64_t ia = 0, ib = 0;
    for (size_t i = 0; i < rank; ++i) ia += index[i] * sa[i], ib += index[i] * sb[i];
    y.values[flat] = a.values[ia] + b.values[ib];
    for (int64_t i = static_cast<int64_t>(rank) - 1; i >= 0 && ++index[i] == y.dims[i]; --i) index[i] = 0;
  }
  return y;
}

absl::StatusOr<Tensor> Reshape(const onnx::NodeProto& node, Tensor x, const Tensor& shape) {
  std::vector<int64_t> dims;
  int64_t known = 1, unknown = -1;
  for (size_t i = 0; i < shape.values.size(); ++i) {
    const int64_t d = static_cast<int64_t>(shape.values[i]);
    if (d == 0) {
      if (i >= x.dims.size()) return absl::InvalidArgumentError(absl::StrCat(Describe(node), ": shape copies a dimension the input lacks"));
      dims.push_back(x.dims[i]);
    } else if (d == -1) {
      unknown = static_cast<int64_t>(i);
      dims.push_back(1);
    } else {
      dims.push_back(d);
    }
    if (d != -1) known *= dims.back();
  }
  if (unknown >= 0 && known > 0) dims[unknown] = x.size() / known;
  x.dims = dims;
  if (x.size() != static_cast<int64_t>(x.values.size())) {
    return absl::InvalidArgumentError(absl::StrCat(Describe(node), ": cannot reshape ", x.values.size(), " values to ", DimsText(dims)));
  }
  return x;
}

// ConvTranspose, 2-D, one group, no dilation: X [N, C, H, W], W [C, M, kh, kw],
// B [M]; each input pixel scatters its kernel into the output. Written from
// the ONNX operator's definition, apart from the layer's own arithmetic
// (gan/nets/conv_layers.cc), so that running an export here checks it.
absl::StatusOr<Tensor> ConvTranspose(const onnx::NodeProto& node, const Tensor& x, const Tensor& w, const Tensor* b) {
  if (x.dims.size() != 4 || w.dims.size() != 4 || w.dims[0] != x.dims[1]) {
    return absl::InvalidArgumentError(absl::StrCat(Describe(node), ": needs X [N, C, H, W] and W [C, M, kh, kw], got ", DimsText(x.dims), " and ", DimsText(w.dims)));
  }
  if (IntAttribute(node, "group", 1) != 1) return absl::UnimplementedError(absl::StrCat(Describe(node), ": only group 1 is run here"));
  for (int64_t d : IntsAttribute(node, "dilations", {1, 1})) {
    if (d != 1) return absl::UnimplementedError(absl::StrCat(Describe(node), ": only dilation 1 is run here"));
  }
  if (!IntsAttribute(node, "output_shape", {}).empty()) return absl::UnimplementedError(absl::StrCat(Describe(node), ": output_shape is not run here"));
  const std::vector<int64_t> strides = IntsAttribute(node, "strides", {1, 1}), pads = IntsAttribute(node, "pads", {0, 0, 0, 0}),
                             output_padding = IntsAttribute(node, "output_padding", {0, 0});
  if (strides.size() != 2 || pads.size() != 4 || output_padding.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat(Describe(node), ": strides, pads and output_padding must be 2-D"));
  }
  const int64_t batch = x.dims[0], in_c = x.dims[1], in_h = x.dims[2], in_w = x.dims[3];
  const int64_t out_c = w.dims[1], kh = w.dims[2], kw = w.dims[3];
  const int64_t out_h = (in_h - 1) * strides[0] - pads[0] - pads[2] + kh + output_padding[0];
  const int64_t out_w = (in_w - 1) * strides[1] - pads[1] - pads[3] + kw + output_padding[1];
  if (b != nullptr && b->size() != out_c) return absl::InvalidArgumentError(absl::StrCat(Describe(node), ": B must have one value per output channel"));
  Tensor y{{batch, out_c, out_h, out_w}, std::vector<float>(batch * out_c * out_h * out_w, 0.0f)};
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t c = 0; c < in_c; ++c) {
      for (int64_t i = 0; i < in_h; ++i) {
        for (int64_t j = 0; j < in_w; ++j) {
          const float v = x.values[((n * in_c + c) * in_h + i) * in_w + j];
          for (int64_t m = 0; m < out_c; ++m) {
            const float* kernel = w.values.data() + (c * out_c + m) * kh * kw;
            float* plane = y.values.data() + (n * out_c + m) * out_h * out_w;
            for (int64_t u = 0; u < kh; ++u) {
              const int64_t oy = i * strides[0] - pads[0] + u;
              if (oy < 0 || oy >= out_h) continue;
              for (int64_t t = 0; t < kw; ++t) {
                const int64_t ox = j * strides[1] - pads[1] + t;
                if (ox >= 0 && ox < out_w) plane[oy * out_w + ox] += v * kernel[u * kw + t];
              }
            }
          }
        }
      }
    }
  }
  if (b != nullptr) {
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t m = 0; m < out_c; ++m) {
        float* plane = y.values.data() + (n * out_c + m) * out_h * out_w;
        for (int64_t p = 0; p < out_h * out_w; ++p) plane[p] += b->values[m];
      }
    }
  }
  return y;
}

}  // namespace

struct OnnxGenerator::Graph {
  onnx::GraphProto proto;
  std::map<std::string, Tensor> constants;
  std::string input, output;
};

OnnxGenerator::OnnxGenerator(std::string path, std::unique_ptr<Graph> graph, int64_t noise_dim, std::map<std::string, std::string> metadata)
    : path_(std::move(path)), graph_(std::move(graph)), noise_dim_(noise_dim), metadata_(std::move(metadata)) {}

OnnxGenerator::~OnnxGenerator() = default;

absl::StatusOr<std::unique_ptr<OnnxGenerator>> OnnxGenerator::Load(const std::string& path) {
  absl::StatusOr<std::string> bytes = base::ReadFileBytes(path);
  if (!bytes.ok()) return bytes.status();
  onnx::ModelProto model;
  if (!model.ParseFromString(*bytes)) return absl::InvalidArgumentError(absl::StrCat(path, ": not an ONNX model"));
  if (absl::Status checked = CheckModel(model); !checked.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", checked.message()));
  auto graph = std::make_unique<Graph>();
  graph->proto = model.graph();
  for (const onnx::TensorProto& t : graph->proto.initializer()) {
    absl::StatusOr<Tensor> tensor = ReadInitializer(t);
    if (!tensor.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", tensor.status().message()));
    graph->constants[t.name()] = *std::move(tensor);
  }
  for (const onnx::NodeProto& node : graph->proto.node()) {
    if (!KnownOperators().count(node.op_type())) {
      return absl::UnimplementedError(absl::StrCat(path, ": operator ", node.op_type(), " (", Describe(node), ") is not one this program runs (",
                                                   absl::StrJoin(KnownOperators(), ", "), ")"));
    }
  }
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const onnx::ValueInfoProto& v : graph->proto.input()) {
    if (!graph->constants.count(v.name())) inputs.push_back(&v);
  }
  if (inputs.size() != 1 || graph->proto.output_size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": a generator has one input (the noise) and one output; this graph has ", inputs.size(),
                                                   " and ", graph->proto.output_size()));
  }
  const onnx::TypeProto::Tensor& type = inputs[0]->type().tensor_type();
  if (type.elem_type() != onnx::TensorProto::FLOAT || type.shape().dim_size() != 2 || !type.shape().dim(1).has_dim_value()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": the input '", inputs[0]->name(), "' must be float [batch, noise_dim] with a fixed noise_dim"));
  }
  graph->input = inputs[0]->name();
  graph->output = graph->proto.output(0).name();
  std::map<std::string, std::string> metadata;
  for (const onnx::StringStringEntryProto& entry : model.metadata_props()) metadata[entry.key()] = entry.value();
  return std::unique_ptr<OnnxGenerator>(new OnnxGenerator(path, std::move(graph), type.shape().dim(1).dim_value(), std::move(metadata)));
}

absl::StatusOr<proto::Noise> OnnxGenerator::NoiseFromMetadata() const {
  absl::StatusOr<proto::Noise> noise = gan::NoiseFromMetadata(metadata_);
  if (!noise.ok()) return absl::Status(noise.status().code(), absl::StrCat(path_, ": ", noise.status().message()));
  return noise;
}

absl::StatusOr<std::vector<float>> OnnxGenerator::Run(const float* z, int64_t rows) const {
  std::vector<float> outputs;
  int64_t row_size = 0;
  for (int64_t first = 0; first < rows; first += kBatch) {
    const int64_t batch = std::min(kBatch, rows - first);
    std::map<std::string, Tensor> values;
    values[graph_->input] = Tensor{{batch, noise_dim_}, std::vector<float>(z + first * noise_dim_, z + (first + batch) * noise_dim_)};
    auto get = [&](const std::string& name) -> const Tensor* {
      if (const auto it = values.find(name); it != values.end()) return &it->second;
      if (const auto it = graph_->constants.find(name); it != graph_->constants.end()) return &it->second;
      return nullptr;
    };
    for (const onnx::NodeProto& node : graph_->proto.node()) {
      std::vector<const Tensor*> in;
      for (const std::string& name : node.input()) {
        in.push_back(name.empty() ? nullptr : get(name));
        if (!name.empty() && in.back() == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat(path_, ": ", Describe(node), " reads '", name, "', which nothing before it makes"));
        }
      }
      const std::string& op = node.op_type();
      absl::StatusOr<Tensor> y = absl::InternalError("no result");
      auto need = [&](size_t n) { return in.size() >= n && in[0] != nullptr && (n < 2 || in[1] != nullptr); };
      if (!need(op == "Gemm" || op == "MatMul" || op == "Add" || op == "Reshape" || op == "ConvTranspose" ? 2 : 1)) {
        return absl::InvalidArgumentError(absl::StrCat(path_, ": ", Describe(node), " lacks an input"));
      }
      if (op == "Gemm") {
        y = Gemm(node, *in[0], *in[1], in.size() > 2 ? in[2] : nullptr);
      } else if (op == "MatMul") {
        y = Gemm(node, *in[0], *in[1], nullptr);
      } else if (op == "Add") {
        y = Add(node, *in[0], *in[1]);
      } else if (op == "Identity") {
        y = *in[0];
      } else if (op == "Relu" || op == "Sigmoid") {
        Tensor t = *in[0];
        for (float& v : t.values) v = op == "Relu" ? std::max(v, 0.0f) : 1.0f / (1.0f + std::exp(-v));
        y = std::move(t);
      } else if (op == "Flatten") {
        const int64_t axis = IntAttribute(node, "axis", 1);
        Tensor t = *in[0];
        int64_t outer = 1;
        for (int64_t i = 0; i < axis && i < static_cast<int64_t>(t.dims.size()); ++i) outer *= t.dims[i];
        t.dims = {outer, t.size() / std::max<int64_t>(outer, 1)};
        y = std::move(t);
      } else if (op == "Reshape") {
        y = Reshape(node, *in[0], *in[1]);
      } else {  // ConvTranspose
        y = ConvTranspose(node, *in[0], *in[1], in.size() > 2 ? in[2] : nullptr);
      }
      if (!y.ok()) return absl::Status(y.status().code(), absl::StrCat(path_, ": ", y.status().message()));
      values[node.output(0)] = *std::move(y);
    }
    const Tensor* out = get(graph_->output);
    if (out == nullptr || out->dims.empty() || out->dims[0] != batch) {
      return absl::InvalidArgumentError(absl::StrCat(path_, ": the output '", graph_->output, "' is not [batch, ...]"));
    }
    if (first == 0) {
      row_size = out->size() / batch;
      outputs.reserve(rows * row_size);
    }
    outputs.insert(outputs.end(), out->values.begin(), out->values.end());
  }
  return outputs;
}

}  // namespace gan::exporter
