#include "gan/nets/conv_layers.h"

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gan/nets/pass_contract.h"

namespace gan {
namespace {

using dnnl::memory;
using Dims = memory::dims;

// A plain (row-major) f32 tensor: NCHW or OIHW for 4 dimensions.
memory::desc Plain(const Dims& dims) {
  return memory::desc(dims, memory::data_type::f32, dims.size() == 4 ? memory::format_tag::abcd : memory::format_tag::a);
}
// A tensor whose layout the primitive chooses.
memory::desc Chosen(const Dims& dims) { return memory::desc(dims, memory::data_type::f32, memory::format_tag::any); }

// One oneDNN primitive with its arguments, and the reorders between the plain
// buffers the layer holds and the layouts the primitive chose: inputs before
// it, outputs after it. A layout that is the plain one is bound directly.
class Execution {
 public:
  Execution() = default;
  explicit Execution(dnnl::primitive primitive) : primitive_(std::move(primitive)) {}

  void Input(int arg, const memory::desc& chosen, const Dims& dims, float* plain) { Bind(arg, chosen, dims, plain, before_, true); }
  void Output(int arg, const memory::desc& chosen, const Dims& dims, float* plain) { Bind(arg, chosen, dims, plain, after_, false); }

  void Run() {
    dnnl::stream& stream = Cpu().stream;
    for (auto& [reorder, from, to] : before_) reorder.execute(stream, from, to);
    primitive_.execute(stream, args_);
    for (auto& [reorder, from, to] : after_) reorder.execute(stream, from, to);
    stream.wait();
  }

 private:
  struct Reorder {
    dnnl::reorder reorder;
    memory from, to;
  };

  void Bind(int arg, const memory::desc& chosen, const Dims& dims, float* plain, std::vector<Reorder>& reorders, bool into) {
    memory user(Plain(dims), Cpu().engine, plain);
    if (chosen == user.get_desc()) {
      args_[arg] = user;
      return;
    }
    memory inner(chosen, Cpu().engine);  // oneDNN allocates it
    args_[arg] = inner;
    if (into) {
      reorders.push_back({dnnl::reorder(user, inner), user, inner});
    } else {
      reorders.push_back({dnnl::reorder(inner, user), inner, user});
    }
  }

  dnnl::primitive primitive_;
  std::unordered_map<int, memory> args_;
  std::vector<Reorder> before_, after_;
};

// The geometry of a convolution or a transposed convolution over `rows`
// examples, as oneDNN describes it.
struct ConvGeometry {
  Dims src, weights, bias, dst;  // bias empty: none in the primitive
  Dims strides, padding_l, padding_r;
};

// The forward, backward-data and backward-weights primitives of one family
// (convolution or deconvolution: oneDNN gives both the same interface).
template <typename Forward, typename BackwardData, typename BackwardWeights, dnnl::algorithm kAlgorithm>
struct ConvFamily {
  static typename Forward::primitive_desc ForwardPd(const ConvGeometry& g) {
    const auto desc = g.bias.empty()
                          ? typename Forward::desc(dnnl::prop_kind::forward_training, kAlgorithm, Chosen(g.src), Chosen(g.weights),
                                                   Chosen(g.dst), g.strides, g.padding_l, g.padding_r)
                          : typename Forward::desc(dnnl::prop_kind::forward_training, kAlgorithm, Chosen(g.src), Chosen(g.weights),
                                                   Plain(g.bias), Chosen(g.dst), g.strides, g.padding_l, g.padding_r);
    return typename Forward::primitive_desc(desc, Cpu().engine);
  }

  // dst = f(src, weights) + bias.
  static Execution MakeForward(const ConvGeometry& g, float* src, float* weights, float* bias, float* dst) {
    const auto pd = ForwardPd(g);
    Execution e{Forward(pd)};
    e.Input(DNNL_ARG_SRC, pd.src_desc(), g.src, src);
    e.Input(DNNL_ARG_WEIGHTS, pd.weights_desc(), g.weights, weights);
    if (!g.bias.empty()) e.Input(DNNL_ARG_BIAS, pd.bias_desc(), g.bias, bias);
    e.Output(DNNL_ARG_DST, pd.dst_desc(), g.dst, dst);
    return e;
  }

  // diff_src from diff_dst.
  static Execution MakeBackwardData(const ConvGeometry& g, float* diff_dst, float* weights, float* diff_src) {
    const typename BackwardData::desc desc(kAlgorithm, Chosen(g.src), Chosen(g.weights), Chosen(g.dst), g.strides, g.padding_l,
                                           g.padding_r);
    const typename BackwardData::primitive_desc pd(desc, Cpu().engine, ForwardPd(g));
    Execution e{BackwardData(pd)};
    e.Input(DNNL_ARG_DIFF_DST, pd.diff_dst_desc(), g.dst, diff_dst);
    e.Input(DNNL_ARG_WEIGHTS, pd.weights_desc(), g.weights, weights);
    e.Output(DNNL_ARG_DIFF_SRC, pd.diff_src_desc(), g.src, diff_src);
    return e;
  }

  // diff_weights (and diff_bias, if the primitive has a bias) from src and diff_dst.
  static Execution MakeBackwardWeights(const ConvGeometry& g, float* src, float* diff_dst, float* diff_weights, float* diff_bias) {
    const auto desc = g.bias.empty()
                          ? typename BackwardWeights::desc(kAlgorithm, Chosen(g.src), Chosen(g.weights), Chosen(g.dst), g.strides,
                                                           g.padding_l, g.padding_r)
                          : typename BackwardWeights::desc(kAlgorithm, Chosen(g.src), Chosen(g.weights), Plain(g.bias),
                                                           Chosen(g.dst), g.strides, g.padding_l, g.padding_r);
    const typename BackwardWeights::primitive_desc pd(desc, Cpu().engine, ForwardPd(g));
    Execution e{BackwardWeights(pd)};
    e.Input(DNNL_ARG_SRC, pd.src_desc(), g.src, src);
    e.Input(DNNL_ARG_DIFF_DST, pd.diff_dst_desc(), g.dst, diff_dst);
    e.Output(DNNL_ARG_DIFF_WEIGHTS, pd.diff_weights_desc(), g.weights, diff_weights);
    if (!g.bias.empty()) e.Output(DNNL_ARG_DIFF_BIAS, pd.diff_bias_desc(), g.bias, diff_bias);
    return e;
  }
};

using Convolution = ConvFamily<dnnl::convolution_forward, dnnl::convolution_backward_data, dnnl::convolution_backward_weights,
                               dnnl::algorithm::convolution_direct>;
using Deconvolution = ConvFamily<dnnl::deconvolution_forward, dnnl::deconvolution_backward_data,
                                 dnnl::deconvolution_backward_weights, dnnl::algorithm::deconvolution_direct>;

class ReshapePass : public LayerPass {
 public:
  ReshapePass(const Reshape& layer, const LayerBuffers& b) : b_(b), dim_(layer.input_dim()) {}
  void Forward(bool) override { std::copy(b_.x, b_.x + b_.batch * dim_, b_.y); }
  void Backward(int64_t first_row, bool input_grad, bool) override {
    if (input_grad) std::copy(b_.dy + first_row * dim_, b_.dy + b_.batch * dim_, b_.dx + first_row * dim_);
  }

 private:
  LayerBuffers b_;
  int64_t dim_;
};

// The convolution (oneDNN) into z, then the maxima over pieces and pooling
// windows, by hand on plain NCHW, remembering each output's winner.
class ConvMaxoutPass : public LayerPass {
 public:
  ConvMaxoutPass(ConvMaxout& layer, const LayerBuffers& b)
      : layer_(layer), b_(b), z_per_row_(layer.params().out_channels * layer.conv_height() * layer.conv_width()),
        z_(b.batch * z_per_row_), dz_(b.dy != nullptr ? z_.size() : 0), winner_(b.batch * layer.output_dim()) {
    ConvParameters& p = layer.params();
    forward_ = Convolution::MakeForward(Geometry(b.batch), b.x, p.weights.data(), p.bias.data(), z_.data());
    for (int64_t first_row : BackwardFirstRows("ConvMaxoutPass", b.batch, b.tail_first_rows, b.dy != nullptr)) {
      const ConvGeometry g = Geometry(b.batch - first_row);
      if (b.dx != nullptr) {
        backward_data_.emplace(first_row, Convolution::MakeBackwardData(g, dz_.data() + first_row * z_per_row_, p.weights.data(),
                                                                        b.dx + first_row * layer.input_dim()));
      }
      backward_weights_.emplace(first_row, Convolution::MakeBackwardWeights(g, b.x + first_row * layer.input_dim(),
                                                                            dz_.data() + first_row * z_per_row_,
                                                                            p.weights_grad.data(), p.bias_grad.data()));
    }
  }

  void Forward(bool) override {
    forward_.Run();
    const int64_t units = layer_.units(), pieces = layer_.pieces(), pool = layer_.pool_shape(), stride = layer_.pool_stride();
    const int64_t height = layer_.conv_height(), width = layer_.conv_width(), plane = height * width;
    const Shape out = layer_.output_shape();
    const int64_t out_height = out.dims()[1], out_width = out.dims()[2];
    // Each output's candidates are taken piece by piece, row by row, column
    // by column, and a later one wins only if it is strictly greater: the
    // first maximum in that order is the winner (the backward's routing).
    // The running maximum stays in registers (the first candidate compared
    // with itself changes nothing).
#pragma omp parallel for
    for (int64_t nu = 0; nu < b_.batch * units; ++nu) {
      const int64_t n = nu / units, u = nu % units;
      const float* z = z_.data() + n * z_per_row_;
      const int64_t unit_first = u * pieces * plane;  // the unit's first piece's channel in z
      for (int64_t r = 0; r < out_height; ++r) {
        const int64_t top = r * stride, bottom = std::min(top + pool, height);
        const int64_t o = (nu * out_height + r) * out_width;
        for (int64_t s = 0; s < out_width; ++s) {
          const int64_t left = s * stride, right = std::min(left + pool, width);
          int64_t winner = unit_first + top * width + left;
          float best = z[winner];
          for (int64_t q = 0; q < pieces; ++q) {
            for (int64_t i = top; i < bottom; ++i) {
              const int64_t row = unit_first + q * plane + i * width;
              for (int64_t j = left; j < right; ++j) {
                const bool wins = z[row + j] > best;
                best = wins ? z[row + j] : best;
                winner = wins ? row + j : winner;
              }
            }
          }
          b_.y[o + s] = best;
          winner_[o + s] = static_cast<int32_t>(winner);
        }
      }
    }
  }

  void Backward(int64_t first_row, bool input_grad, bool param_grads) override {
    // dz: each output's gradient at its winner (summed where overlapping
    // windows share one); the units' channels are disjoint, so they run in parallel.
    const int64_t units = layer_.units(), per_unit = layer_.output_dim() / units;
    const int64_t unit_values = layer_.pieces() * layer_.conv_height() * layer_.conv_width();  // a unit's channels in z
#pragma omp parallel for
    for (int64_t nu = first_row * units; nu < b_.batch * units; ++nu) {
      const int64_t n = nu / units, u = nu % units;
      float* dz = dz_.data() + n * z_per_row_;
      std::fill(dz + u * unit_values, dz + (u + 1) * unit_values, 0.0f);
      for (int64_t o = nu * per_unit; o < (nu + 1) * per_unit; ++o) dz[winner_[o]] += b_.dy[o];
    }
    if (input_grad) MadeForRow("ConvMaxoutPass", backward_data_, first_row).Run();
    if (param_grads) MadeForRow("ConvMaxoutPass", backward_weights_, first_row).Run();
  }

 private:
  ConvGeometry Geometry(int64_t rows) const {
    const ConvParameters& p = layer_.params();
    const Shape in = layer_.input_shape();
    const int64_t pad = layer_.pad();
    return {{rows, p.in_channels, in.dims()[1], in.dims()[2]},
            {p.out_channels, p.in_channels, p.kernel, p.kernel},
            {p.out_channels},
            {rows, p.out_channels, layer_.conv_height(), layer_.conv_width()},
            {1, 1},
            {pad, pad},
            {pad, pad}};
  }

  ConvMaxout& layer_;
  LayerBuffers b_;
  int64_t z_per_row_;
  std::vector<float> z_, dz_;     // the convolution's output and its gradient, NCHW
  std::vector<int32_t> winner_;   // per output: the index of its z within its row
  Execution forward_;
  std::map<int64_t, Execution> backward_data_, backward_weights_;  // by first row
};

// The transposed convolution (oneDNN, with its bias when tied); an untied
// bias is added by hand.
class ConvTransposePass : public LayerPass {
 public:
  ConvTransposePass(ConvTranspose& layer, const LayerBuffers& b) : layer_(layer), b_(b) {
    ConvParameters& p = layer.params();
    forward_ = Deconvolution::MakeForward(Geometry(b.batch), b.x, p.weights.data(), p.bias.data(), b.y);
    for (int64_t first_row : BackwardFirstRows("ConvTransposePass", b.batch, b.tail_first_rows, b.dy != nullptr)) {
      const ConvGeometry g = Geometry(b.batch - first_row);
      float* dy = b.dy + first_row * layer.output_dim();
      if (b.dx != nullptr) {
        backward_data_.emplace(first_row, Deconvolution::MakeBackwardData(g, dy, p.weights.data(), b.dx + first_row * layer.input_dim()));
      }
      backward_weights_.emplace(first_row, Deconvolution::MakeBackwardWeights(g, b.x + first_row * layer.input_dim(), dy,
                                                                              p.weights_grad.data(), p.bias_grad.data()));
    }
  }

  void Forward(bool) override {
    forward_.Run();
    if (!layer_.untied_bias()) return;
    const int64_t dim = layer_.output_dim();
    const float* bias = layer_.params().bias.data();
    float* y = b_.y;
#pragma omp parallel for
    for (int64_t n = 0; n < b_.batch; ++n) {
#pragma omp simd
      for (int64_t i = 0; i < dim; ++i) y[n * dim + i] += bias[i];
    }
  }

  void Backward(int64_t first_row, bool input_grad, bool param_grads) override {
    if (input_grad) MadeForRow("ConvTransposePass", backward_data_, first_row).Run();
    if (!param_grads) return;
    MadeForRow("ConvTransposePass", backward_weights_, first_row).Run();
    if (!layer_.untied_bias()) return;
    // db[i] sums dy[., i] over the rows in row order; the threads split i.
    const int64_t dim = layer_.output_dim();
    float* db = layer_.params().bias_grad.data();
    const float* dy = b_.dy;
#pragma omp parallel for
    for (int64_t i = 0; i < dim; ++i) {
      float sum = 0.0f;
      for (int64_t n = first_row; n < b_.batch; ++n) sum += dy[n * dim + i];
      db[i] = sum;
    }
  }

 private:
  ConvGeometry Geometry(int64_t rows) const {
    const ConvParameters& p = layer_.params();
    const Shape in = layer_.input_shape(), out = layer_.output_shape();
    const int64_t pad = layer_.pad(), right = layer_.pad() - layer_.output_padding();
    return {{rows, p.in_channels, in.dims()[1], in.dims()[2]},
            {p.out_channels, p.in_channels, p.kernel, p.kernel},
            layer_.untied_bias() ? Dims{} : Dims{p.out_channels},
            {rows, p.out_channels, out.dims()[1], out.dims()[2]},
            {layer_.stride(), layer_.stride()},
            {pad, pad},
            {right, right}};
  }

  ConvTranspose& layer_;
  LayerBuffers b_;
  Execution forward_;
  std::map<int64_t, Execution> backward_data_, backward_weights_;  // by first row
};

}  // namespace

int64_t PooledSize(int64_t in, int64_t pool, int64_t stride) { return (in - pool + stride - 1) / stride + 1; }

ConvParameters::ConvParameters(int64_t out_channels, int64_t in_channels, int64_t kernel, int64_t bias_size)
    : out_channels(out_channels), in_channels(in_channels), kernel(kernel),
      weights(out_channels * in_channels * kernel * kernel), weights_grad(weights.size()), bias(bias_size),
      bias_grad(bias_size) {}

void ConvParameters::Initialize(float irange, float bias_value, Rng& rng) {
  rng.FillUniform(weights.data(), static_cast<int64_t>(weights.size()), -irange, irange);
  std::fill(bias.begin(), bias.end(), bias_value);
}

Reshape::Reshape(const Shape& input, const Shape& output) : input_(input), output_(output) {}

std::unique_ptr<LayerPass> Reshape::Bind(const LayerBuffers& buffers) { return std::make_unique<ReshapePass>(*this, buffers); }

std::vector<double> Reshape::ReferenceForward(const std::vector<double>& x, int64_t, const std::vector<std::vector<double>>&, bool,
                                              std::vector<Rng>&) const {
  return x;
}

std::string Reshape::AddToInferenceGraph(InferenceGraph& graph, const std::string& x, const std::string& prefix) const {
  std::vector<int64_t> dims = {-1};
  dims.insert(dims.end(), output_.dims().begin(), output_.dims().end());
  return graph.AddNode("Reshape", {x, graph.AddInt64s(prefix + ".shape", dims)}, prefix + ".reshape");
}

ConvMaxout::ConvMaxout(const Shape& input, int64_t units, int64_t pieces, int64_t kernel, int64_t pad, int64_t pool_shape,
                       int64_t pool_stride)
    : input_(input), params_(units * pieces, input.dims()[0], kernel, units * pieces), units_(units), pieces_(pieces), pad_(pad),
      pool_shape_(pool_shape), pool_stride_(pool_stride), conv_height_(ConvOutputSize(input.dims()[1], kernel, pad)),
      conv_width_(ConvOutputSize(input.dims()[2], kernel, pad)), pooled_height_(PooledSize(conv_height_, pool_shape, pool_stride)),
      pooled_width_(PooledSize(conv_width_, pool_shape, pool_stride)) {}

std::vector<ParameterRef> ConvMaxout::Parameters() {
  return {{"conv_maxout.weights", params_.weights.data(), params_.weights_grad.data(), static_cast<int64_t>(params_.weights.size())},
          {"conv_maxout.bias", params_.bias.data(), params_.bias_grad.data(), static_cast<int64_t>(params_.bias.size())}};
}

std::unique_ptr<LayerPass> ConvMaxout::Bind(const LayerBuffers& buffers) { return std::make_unique<ConvMaxoutPass>(*this, buffers); }

double ConvMaxout::ForwardFlopsPerRow() const {
  return 2.0 * static_cast<double>(params_.weights.size()) * static_cast<double>(conv_height_ * conv_width_);
}

std::vector<double> ConvMaxout::ReferenceForward(const std::vector<double>& x, int64_t batch,
                                                 const std::vector<std::vector<double>>& params, bool, std::vector<Rng>&) const {
  const std::vector<double>& w = params[0];
  const std::vector<double>& b = params[1];
  const int64_t in_channels = params_.in_channels, height = input_.dims()[1], width = input_.dims()[2], k = params_.kernel;
  const int64_t channels = params_.out_channels;
  std::vector<double> y(batch * output_dim());
  std::vector<double> z(channels * conv_height_ * conv_width_);
  for (int64_t n = 0; n < batch; ++n) {
    const double* image = x.data() + n * input_dim();
    for (int64_t c2 = 0; c2 < channels; ++c2) {
      for (int64_t i = 0; i < conv_height_; ++i) {
        for (int64_t j = 0; j < conv_width_; ++j) {
          double sum = b[c2];
          for (int64_t c = 0; c < in_channels; ++c) {
            for (int64_t a = 0; a < k; ++a) {
              for (int64_t e = 0; e < k; ++e) {
                const int64_t row = i + a - pad_, column = j + e - pad_;
                if (row < 0 || row >= height || column < 0 || column >= width) continue;
                sum += image[(c * height + row) * width + column] * w[((c2 * in_channels + c) * k + a) * k + e];
              }
            }
          }
          z[(c2 * conv_height_ + i) * conv_width_ + j] = sum;
        }
      }
    }
    for (int64_t u = 0; u < units_; ++u) {
      for (int64_t r = 0; r < pooled_height_; ++r) {
        for (int64_t s = 0; s < pooled_width_; ++s) {
          double best = -std::numeric_limits<double>::infinity();
          for (int64_t q = 0; q < pieces_; ++q) {
            for (int64_t i = r * pool_stride_; i < std::min(r * pool_stride_ + pool_shape_, conv_height_); ++i) {
              for (int64_t j = s * pool_stride_; j < std::min(s * pool_stride_ + pool_shape_, conv_width_); ++j) {
                best = std::max(best, z[((u * pieces_ + q) * conv_height_ + i) * conv_width_ + j]);
              }
            }
          }
          y[n * output_dim() + (u * pooled_height_ + r) * pooled_width_ + s] = best;
        }
      }
    }
  }
  return y;
}

std::string ConvMaxout::AddToInferenceGraph(InferenceGraph& graph, const std::string& x, const std::string& prefix) const {
  const int64_t k = params_.kernel;
  const std::string w = graph.AddFloats(prefix + ".weight", {params_.out_channels, params_.in_channels, k, k}, params_.weights.data());
  const std::string b = graph.AddFloats(prefix + ".bias", {params_.out_channels}, params_.bias.data());
  const std::string z = graph.AddNode("Conv", {x, w, b}, prefix + ".conv",
                                      {{"kernel_shape", {k, k}, true}, {"pads", {pad_, pad_, pad_, pad_}, true}, {"strides", {1, 1}, true}});
  // Channels u * pieces + q are unit u's pieces: [batch, units, pieces, h, w], then the max over pieces.
  const std::string shape = graph.AddInt64s(prefix + ".shape", {-1, units_, pieces_, conv_height_, conv_width_});
  const std::string pieces = graph.AddNode("Reshape", {z, shape}, prefix + ".pieces");
  const std::string m = graph.AddNode("ReduceMax", {pieces}, prefix + ".maxout", {{"axes", {2}, true}, {"keepdims", {0}, false}});
  return graph.AddNode("MaxPool", {m}, prefix + ".pool",
                       {{"kernel_shape", {pool_shape_, pool_shape_}, true},
                        {"strides", {pool_stride_, pool_stride_}, true},
                        {"ceil_mode", {1}, false}});
}

ConvTranspose::ConvTranspose(const Shape& input, int64_t channels, int64_t kernel, int64_t stride, int64_t pad,
                             int64_t output_padding, bool untied_bias)
    : input_(input),
      params_(channels, input.dims()[0], kernel,
              untied_bias ? channels * ConvTransposeOutputSize(input.dims()[1], kernel, stride, pad, output_padding) *
                                ConvTransposeOutputSize(input.dims()[2], kernel, stride, pad, output_padding)
                          : channels),
      stride_(stride), pad_(pad), output_padding_(output_padding), untied_bias_(untied_bias),
      out_height_(ConvTransposeOutputSize(input.dims()[1], kernel, stride, pad, output_padding)),
      out_width_(ConvTransposeOutputSize(input.dims()[2], kernel, stride, pad, output_padding)) {}

std::vector<ParameterRef> ConvTranspose::Parameters() {
  return {{"conv_transpose.weights", params_.weights.data(), params_.weights_grad.data(), static_cast<int64_t>(params_.weights.size())},
          {"conv_transpose.bias", params_.bias.data(), params_.bias_grad.data(), static_cast<int64_t>(params_.bias.size())}};
}

std::unique_ptr<LayerPass> ConvTranspose::Bind(const LayerBuffers& buffers) {
  return std::make_unique<ConvTransposePass>(*this, buffers);
}

double ConvTranspose::ForwardFlopsPerRow() const {
  return 2.0 * static_cast<double>(params_.weights.size()) * static_cast<double>(input_.dims()[1] * input_.dims()[2]);
}

// The transposed convolution's arithmetic once more, naively and in double
// precision, apart from the oneDNN pass on purpose: the tests check the pass
// against it.
std::vector<double> ConvTranspose::ReferenceForward(const std::vector<double>& x, int64_t batch,
                                                    const std::vector<std::vector<double>>& params, bool, std::vector<Rng>&) const {
  const std::vector<double>& w = params[0];
  const std::vector<double>& b = params[1];
  const int64_t in_channels = params_.in_channels, height = input_.dims()[1], width = input_.dims()[2], k = params_.kernel;
  const int64_t channels = params_.out_channels, plane = out_height_ * out_width_;
  std::vector<double> y(batch * output_dim());
  for (int64_t n = 0; n < batch; ++n) {
    double* out = y.data() + n * output_dim();
    for (int64_t o = 0; o < output_dim(); ++o) out[o] = untied_bias_ ? b[o] : b[o / plane];
    for (int64_t c2 = 0; c2 < channels; ++c2) {
      for (int64_t c = 0; c < in_channels; ++c) {
        for (int64_t i = 0; i < height; ++i) {
          for (int64_t j = 0; j < width; ++j) {
            const double v = x[n * input_dim() + (c * height + i) * width + j];
            for (int64_t a = 0; a < k; ++a) {
              for (int64_t e = 0; e < k; ++e) {
                const int64_t row = i * stride_ + a - pad_, column = j * stride_ + e - pad_;
                if (row < 0 || row >= out_height_ || column < 0 || column >= out_width_) continue;
                out[(c2 * out_height_ + row) * out_width_ + column] += v * w[((c2 * in_channels + c) * k + a) * k + e];
              }
            }
          }
        }
      }
    }
  }
  return y;
}

std::string ConvTranspose::AddToInferenceGraph(InferenceGraph& graph, const std::string& x, const std::string& prefix) const {
  // ONNX's ConvTranspose weights are [in_channels, out_channels, k, k].
  const int64_t k = params_.kernel, in = params_.in_channels, out = params_.out_channels;
  std::vector<float> transposed(params_.weights.size());
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t c = 0; c < in; ++c) {
      std::copy_n(params_.weights.data() + (o * in + c) * k * k, k * k, transposed.data() + (c * out + o) * k * k);
    }
  }
  const std::string w = graph.AddFloats(prefix + ".weight", {in, out, k, k}, transposed.data());
  const std::vector<NodeAttribute> attributes = {{"kernel_shape", {k, k}, true},
                                                 {"strides", {stride_, stride_}, true},
                                                 {"pads", {pad_, pad_, pad_, pad_}, true},
                                                 {"output_padding", {output_padding_, output_padding_}, true}};
  if (!untied_bias_) {
    const std::string b = graph.AddFloats(prefix + ".bias", {out}, params_.bias.data());
    return graph.AddNode("ConvTranspose", {x, w, b}, prefix + ".conv_transpose", attributes);
  }
  // The untied bias is added to the flattened output, then the image shape
  // restored: OpenCV 4.6 folds an Add that directly follows a
  // (transposed) convolution into its per-channel bias and fails on a
  // per-pixel one ("b.empty() || numOutput == b.total()").
  const std::string y = graph.AddNode("ConvTranspose", {x, w}, prefix + ".conv_transpose", attributes);
  const std::string rows = graph.AddNode("Flatten", {y}, prefix + ".rows", {{"axis", {1}, false}});
  const std::string b = graph.AddFloats(prefix + ".bias", {out * out_height_ * out_width_}, params_.bias.data());
  const std::string biased = graph.AddNode("Add", {rows, b}, prefix + ".biased");
  return graph.AddNode("Reshape", {biased, graph.AddInt64s(prefix + ".shape", {-1, out, out_height_, out_width_})}, prefix + ".image");
}

}  // namespace gan
