#ifndef GAN_NETS_CONV_LAYERS_H_
#define GAN_NETS_CONV_LAYERS_H_

// The layers of the authors' convolutional CIFAR-10 model (paper Figure 2d,
// ../shared/paper.md): a reshape of flat features into an image; the
// discriminator's convolutional maxout (a convolution whose output channels
// are grouped in consecutive pieces with a max over each group, then max
// pooling as pylearn2's max_pool_c01b); and the generator's transposed
// convolution. Convolutions run as oneDNN primitives in the memory layouts
// oneDNN chooses for them (format_tag::any), made once per batch size; the
// layers' buffers stay plain (activations NCHW, weights [out, in, k, k]), and
// reorders run only where a chosen layout meets one of them.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gan/nets/layers.h"

namespace gan {

// How many windows of `pool` positions, starting at 0 in steps of `stride`,
// it takes to cover all `in` positions (pylearn2's max_pool_c01b; ONNX's
// ceil_mode): ceil((in - pool) / stride) + 1. The last window may stick out
// of the input; it covers what it can. Needs in >= pool > 0 and stride > 0.
int64_t PooledSize(int64_t in, int64_t pool, int64_t stride);

// Output positions per side: of a convolution with stride 1 and `pad` zeros
// on each side, and of a transposed convolution.
inline int64_t ConvOutputSize(int64_t in, int64_t kernel, int64_t pad) { return in + 2 * pad - kernel + 1; }
inline int64_t ConvTransposeOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t output_padding) {
  return (in - 1) * stride - 2 * pad + kernel + output_padding;
}

// The weights W [out_channels, in_channels, kernel, kernel] of a convolution
// and its bias (per channel, or per output value), with their gradients.
struct ConvParameters {
  ConvParameters(int64_t out_channels, int64_t in_channels, int64_t kernel, int64_t bias_size);
  // W uniform in [-irange, irange] from rng; b constant.
  void Initialize(float irange, float bias, Rng& rng);

  int64_t out_channels, in_channels, kernel;
  std::vector<float> weights, weights_grad;  // [out_channels, in_channels, kernel, kernel]
  std::vector<float> bias, bias_grad;
};

// The same values in another shape of the same size (the authors' generator:
// 8000 features as 80 channels x 10 x 10).
class Reshape : public Layer {
 public:
  Reshape(const Shape& input, const Shape& output);

  Shape input_shape() const override { return input_; }
  Shape output_shape() const override { return output_; }
  bool SetProducts(Products) override { return true; }  // no products
  std::unique_ptr<LayerPass> Bind(const LayerBuffers& buffers) override;
  double ForwardFlopsPerRow() const override { return 0; }
  std::vector<Rng*> RandomStreams() override { return {}; }
  std::vector<double> ReferenceForward(const std::vector<double>& x, int64_t batch, const std::vector<std::vector<double>>& params,
                                       bool training, std::vector<Rng>& replay) const override;
  std::string AddToInferenceGraph(InferenceGraph& graph, const std::string& x, const std::string& prefix) const override;

 private:
  Shape input_, output_;
};

// On an image input [channels, height, width]:
//   z[c', i, j] = b[c'] + sum over c, a, b' of x[c, i + a - pad, j + b' - pad] W[c', c, a, b']
//                 (zero outside x; stride 1; c' < units * pieces)
//   m[u, i, j]  = max over q < pieces of z[u * pieces + q, i, j]
//   y[u, r, s]  = max of m[u] over the window of rows r * pool_stride .. + pool_shape
//                 and columns s * pool_stride .. + pool_shape, cut at the edge
// with PooledSize rows and columns. The gradient flows to the one z that won
// both maxima (the first in channel, row, column order on a tie).
class ConvMaxout : public Layer {
 public:
  ConvMaxout(const Shape& input, int64_t units, int64_t pieces, int64_t kernel, int64_t pad, int64_t pool_shape,
             int64_t pool_stride);

  Shape input_shape() const override { return input_; }
  Shape output_shape() const override { return Shape::Image(units_, pooled_height_, pooled_width_); }
  std::vector<ParameterRef> Parameters() override;
  // Its convolutions run in fp32 only (bf16 ones are not written yet).
  bool SetProducts(Products products) override { return products == Products::kFp32; }
  std::unique_ptr<LayerPass> Bind(const LayerBuffers& buffers) override;
  double ForwardFlopsPerRow() const override;
  std::vector<Rng*> RandomStreams() override { return {}; }
  std::vector<double> ReferenceForward(const std::vector<double>& x, int64_t batch, const std::vector<std::vector<double>>& params,
                                       bool training, std::vector<Rng>& replay) const override;
  std::string AddToInferenceGraph(InferenceGraph& graph, const std::string& x, const std::string& prefix) const override;

  ConvParameters& params() { return params_; }
  int64_t units() const { return units_; }
  int64_t pieces() const { return pieces_; }
  int64_t pad() const { return pad_; }
  int64_t pool_shape() const { return pool_shape_; }
  int64_t pool_stride() const { return pool_stride_; }
  // The convolution's output, before the maxima: units * pieces x conv_height x conv_width.
  int64_t conv_height() const { return conv_height_; }
  int64_t conv_width() const { return conv_width_; }

 private:
  Shape input_;
  ConvParameters params_;
  int64_t units_, pieces_, pad_, pool_shape_, pool_stride_;
  int64_t conv_height_, conv_width_, pooled_height_, pooled_width_;
};

// The transposed convolution of an image input [in_channels, height, width]:
//   y[c', i * stride + a - pad, j * stride + b' - pad] += x[c, i, j] W[c', c, a, b']
// plus the bias, one per output value [channels, out_height, out_width]
// (untied, as the authors' generator) or one per channel; out_height =
// (height - 1) * stride - 2 * pad + kernel + output_padding (0 <= output_padding <= pad).
class ConvTranspose : public Layer {
 public:
  ConvTranspose(const Shape& input, int64_t channels, int64_t kernel, int64_t stride, int64_t pad, int64_t output_padding,
                bool untied_bias);

  Shape input_shape() const override { return input_; }
  Shape output_shape() const override { return Shape::Image(params_.out_channels, out_height_, out_width_); }
  std::vector<ParameterRef> Parameters() override;
  // Its convolutions run in fp32 only (bf16 ones are not written yet).
  bool SetProducts(Products products) override { return products == Products::kFp32; }
  std::unique_ptr<LayerPass> Bind(const LayerBuffers& buffers) override;
  double ForwardFlopsPerRow() const override;
  std::vector<Rng*> RandomStreams() override { return {}; }
  std::vector<double> ReferenceForward(const std::vector<double>& x, int64_t batch, const std::vector<std::vector<double>>& params,
                                       bool training, std::vector<Rng>& replay) const override;
  std::string AddToInferenceGraph(InferenceGraph& graph, const std::string& x, const std::string& prefix) const override;

  ConvParameters& params() { return params_; }
  int64_t stride() const { return stride_; }
  int64_t pad() const { return pad_; }
  int64_t output_padding() const { return output_padding_; }
  bool untied_bias() const { return untied_bias_; }

 private:
  Shape input_;
  ConvParameters params_;
  int64_t stride_, pad_, output_padding_;
  bool untied_bias_;
  int64_t out_height_, out_width_;
};

}  // namespace gan

#endif  // GAN_NETS_CONV_LAYERS_H_
