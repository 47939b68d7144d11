#ifndef GAN_NETS_LAYERS_H_
#define GAN_NETS_LAYERS_H_

// The layers of the paper's nets: Linear (with a fused activation), Maxout,
// Dropout, GaussianNoise and BatchNorm here, and the convolutional ones in gan/conv_layers.h. Matrix
// products run as oneDNN matmul primitives on the CPU.
//
// A Layer owns its parameters and their gradients. For each batch size it is
// used at, Bind() builds a LayerPass: the primitives and memory objects for that
// shape, made once, bound to buffers the caller (an MlpPass) owns. The training
// loop then only executes; it allocates nothing and makes no primitive.
//
// All matrices are row-major: activations [batch, features] (an example of
// any Shape is its features in row-major order), weights [inputs, outputs].
//
// Layers know nothing of the experiment schema: gan/nets/build.h makes them
// from it (and says how to add a kind).

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/random.h"
#include "gan/nets/inference_graph.h"
#include "gan/nets/shape.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace gan {

// The CPU engine and the stream every primitive runs on.
struct CpuContext {
  dnnl::engine engine;
  dnnl::stream stream;
};
CpuContext& Cpu();

enum class Activation { kIdentity, kRelu, kSigmoid, kSoftplus };

// The precision of a layer's matrix products. kBf16: each product's operands
// are rounded to bfloat16 (8 significant bits) on their way in, its sums are
// kept in fp32 and its result is fp32; the parameters, their gradients and
// the update stay fp32. It needs AVX512_BF16 (Bf16ProductsAvailable).
enum class Products { kFp32, kBf16 };
// Whether this processor (as oneDNN sees it: DNNL_MAX_CPU_ISA may lower it)
// runs bf16 products natively.
bool Bf16ProductsAvailable();

// SGD with momentum (gan/nets/optimizer.h, SgdMomentum) folded into the layer's
// backward: the product that computes a parameter's gradient g writes the
// parameter's velocity instead,
//   velocity = alpha * g + beta * velocity     (beta is 0 or 1: other values
//                                               cost the product a pass of its own)
// and the layer then moves the parameter at once, while the velocity is
// still in cache: value += scale * velocity, after velocity *= scale where
// `renormalize` is set. The factors are the optimiser's for its next update.
// While a fold is set the parameter's `grad` is never written; the layer's
// backward with parameter gradients is the update.
struct FoldedUpdate {
  float alpha, beta, scale;
  bool renormalize;
};
struct FoldedMomentum {
  float* velocity = nullptr;
  std::function<FoldedUpdate()> update;
};

// A parameter tensor and its gradient (same size), owned by a layer.
struct ParameterRef {
  std::string name;  // e.g. "maxout.weights"
  float* value;
  float* grad;
  int64_t size;
  // Where the layer's backward can fold SGD's velocity update into the
  // gradient's product, the layer's fold for this tensor; else null.
  FoldedMomentum* fold = nullptr;
};

// The rows of a batch that one of several processes computes, when they
// share every batch (data parallelism: distributed/group.h). The batch that
// one process alone would run is made of blocks of parts * slice_rows rows
// (e.g. a block of data rows and a block of generated rows), and process
// `part` of `parts` holds rows [part * slice_rows, (part + 1) * slice_rows)
// of each block, block after block: a pass of `batch` rows here stands for
// one of batch * parts rows. Only what is drawn per row (dropout masks) needs
// to know: it draws for the whole batch and keeps this process's rows, so the
// processes together draw exactly what one process would.
struct RowShare {
  int64_t part = 0;
  int64_t parts = 1;
  int64_t slice_rows = 0;  // rows of this process in each block (when parts > 1)
  bool whole() const { return parts == 1; }
};

// The buffers one layer reads and writes at one batch size.
struct LayerBuffers {
  int64_t batch = 0;
  float* x = nullptr;   // [batch, in]  input
  float* y = nullptr;   // [batch, out] output
  float* dx = nullptr;  // [batch, in]  gradient of the objective wrt x
  float* dy = nullptr;  // [batch, out] gradient of the objective wrt y; null: a forward-only pass
  // The first rows, besides 0, that Backward will be called with: their
  // primitives are made with the pass. A forward-only pass (dy null) makes
  // no backward primitives and no gradient buffers; Backward is not called.
  std::vector<int64_t> tail_first_rows;
  RowShare share;  // which rows of a shared batch these are (all of it unless shared)
};

class LayerPass {
 public:
  virtual ~LayerPass() = default;
  // Reads x, writes y. `training` switches dropout on.
  virtual void Forward(bool training) = 0;
  // Backward over rows [first_row, batch) alone, as if they were a batch of
  // their own: reads those rows of dy (and may overwrite them) and what
  // Forward left; writes those rows of dx if input_grad, and sets the layer's
  // parameter gradients from those rows if param_grads. Other rows are left
  // as they were. first_row > 0 serves the steps that put several batches
  // through one forward (gan/learners/adversarial_step.h); it must be one of the
  // buffers' tail_first_rows.
  virtual void Backward(int64_t first_row, bool input_grad, bool param_grads) = 0;
};

// Everything that differs between layer kinds is behind this interface, so
// that a new kind is one class here (and its case in PlanLayer, MakeLayer and
// the experiment schema); the pure virtual methods make each kind answer
// every question.
class Layer {
 public:
  virtual ~Layer() = default;
  // One example's input and output (gan/nets/shape.h).
  virtual Shape input_shape() const = 0;
  virtual Shape output_shape() const = 0;
  int64_t input_dim() const { return input_shape().size(); }
  int64_t output_dim() const { return output_shape().size(); }
  virtual std::vector<ParameterRef> Parameters() { return {}; }
  // The precision of the products of passes bound after this call; false
  // (nothing changed) if the layer has products that cannot run in it.
  virtual bool SetProducts(Products products) = 0;
  // Enforces constraints on the parameters after an update (column norms).
  virtual void ApplyConstraints() {}
  // The buffers must outlive the returned pass.
  virtual std::unique_ptr<LayerPass> Bind(const LayerBuffers& buffers) = 0;

  // Matrix-product FLOPs of a forward pass per row (2 * in * out for an affine
  // map); backward data and backward weights cost the same again each.
  virtual double ForwardFlopsPerRow() const = 0;
  // The random streams the layer's passes draw from: a checkpoint saves and
  // restores them, so a resumed run draws what an uninterrupted one would.
  virtual std::vector<Rng*> RandomStreams() = 0;
  // A double-precision reference of Forward, with naive loops, for the
  // gradient checks (gan/nets/gradient_check.h): x [batch, in] -> [batch, out] with
  // `params` in Parameters() order. In training a stochastic layer draws what
  // its Forward drew from `replay`, copies of its RandomStreams() taken before
  // that Forward.
  virtual std::vector<double> ReferenceForward(const std::vector<double>& x, int64_t batch,
                                               const std::vector<std::vector<double>>& params, bool training,
                                               std::vector<Rng>& replay) const = 0;
  // Appends the layer's inference computation on value `x` to `graph`, naming
  // what it adds with `prefix`; returns the name of its output value.
  virtual std::string AddToInferenceGraph(InferenceGraph& graph, const std::string& x, const std::string& prefix) const = 0;
  // A layer whose initialisation depends on the data (a weight-normalised
  // Linear) sets it from its input x [batch, in]; the others do nothing.
  virtual void InitializeFromData(const std::vector<double>& /*x*/, int64_t /*batch*/) {}
};

// Weights W [in, out] and bias b [out] of an affine map, with their gradients.
struct AffineParameters {
  // A block of a joined layer's W: rows [first_in, first_in + ins) (input
  // columns) by columns [first_out, first_out + outs); outside every block W
  // is zero.
  struct Block {
    int64_t first_in, ins, first_out, outs;
    float irange;
  };

  AffineParameters(int64_t in, int64_t out);
  // W uniform in [-irange, irange] from rng; b constant.
  void Initialize(float irange, float bias, Rng& rng);
  // A joined layer's W: zero, then each block's entries uniform in its
  // irange, block by block, row by row; b constant. `blocks` are kept.
  void InitializeJoined(std::vector<Block> blocks, float bias, Rng& rng);
  // After every update: W zero outside the blocks (a joined layer), then, if
  // max_column_norm > 0, each column of W (one output) whose L2 norm exceeds
  // it rescaled to exactly that norm.
  void ApplyConstraints();

  // The tensors as Parameters() lists them, named "<kind>.weights" and "<kind>.bias".
  std::vector<ParameterRef> Refs(const std::string& kind);

  int64_t in, out;
  std::vector<float> weights, weights_grad;  // [in, out]
  std::vector<float> bias, bias_grad;        // [out]
  FoldedMomentum weights_fold, bias_fold;
  float max_column_norm = 0;
  std::vector<Block> blocks;  // empty unless joined
  Products products = Products::kFp32;
};

// y = activation(x W + b) on x as flat features; the activation is a post-op
// of the matmul.
class Linear : public Layer {
 public:
  Linear(const Shape& input, int64_t units, Activation activation);

  Shape input_shape() const override { return input_; }
  Shape output_shape() const override { return Shape::Flat(params_.out); }
  std::vector<ParameterRef> Parameters() override;
  void ApplyConstraints() override { params_.ApplyConstraints(); }
  bool SetProducts(Products products) override {
    params_.products = products;
    return true;
  }
  std::unique_ptr<LayerPass> Bind(const LayerBuffers& buffers) override;
  double ForwardFlopsPerRow() const override { return 2.0 * params_.in * params_.out; }
  std::vector<Rng*> RandomStreams() override { return {}; }
  std::vector<double> ReferenceForward(const std::vector<double>& x, int64_t batch, const std::vector<std::vector<double>>& params,
                                       bool training, std::vector<Rng>& replay) const override;
  std::string AddToInferenceGraph(InferenceGraph& graph, const std::string& x, const std::string& prefix) const override;

  Activation activation() const { return activation_; }
  AffineParameters& params() { return params_; }

  // Weight normalisation: from here on the parameters are v (W as it is
  // now), the scales (W's column norms, so W is unchanged) and the bias, and
  // W = scale * v / |v| per column is computed from them (RefreshWeights)
  // before every forward. Not with joined blocks or a column-norm limit.
  // With fixed_scale the scales' gradient is always 0: an optimiser leaves
  // them where the initialisation put them.
  void EnableWeightNorm(bool fixed_scale = false);
  bool weight_norm() const { return !scale_.empty(); }
  // W from v and the scales, and v's column norms for the backward.
  void RefreshWeights();
  // The gradients of v and the scales from W's (params().weights_grad).
  void WeightNormGradients();
  // Weight normalisation's data-dependent initialisation: the scales and
  // the bias set so that each unit's pre-activation x v / |v| * scale + b
  // has mean 0 and standard deviation 1 over x's rows.
  void InitializeFromData(const std::vector<double>& x, int64_t batch) override;

 private:
  // W [in, out] of v [in, out], scales [out] and bias [out], in double.
  std::vector<double> EffectiveWeights(const std::vector<double>& v, const std::vector<double>& scale) const;

  Shape input_;
  AffineParameters params_;
  Activation activation_;
  // Weight normalisation only: v [in, out] and the scales [out] with their
  // gradients, and v's column norms as the last RefreshWeights found them.
  std::vector<float> direction_, direction_grad_, scale_, scale_grad_, norms_;
  bool fixed_scale_ = false;
};

// y[n, u] = max over p < pieces of z[n, u * pieces + p], where z = x W + b,
// x as flat features, and W is [in, units * pieces]. The gradient flows to the
// piece that won.
class Maxout : public Layer {
 public:
  Maxout(const Shape& input, int64_t units, int64_t pieces);

  Shape input_shape() const override { return input_; }
  Shape output_shape() const override { return Shape::Flat(units_); }
  std::vector<ParameterRef> Parameters() override;
  void ApplyConstraints() override { params_.ApplyConstraints(); }
  bool SetProducts(Products products) override {
    params_.products = products;
    return true;
  }
  std::unique_ptr<LayerPass> Bind(const LayerBuffers& buffers) override;
  double ForwardFlopsPerRow() const override { return 2.0 * params_.in * params_.out; }
  std::vector<Rng*> RandomStreams() override { return {}; }
  std::vector<double> ReferenceForward(const std::vector<double>& x, int64_t batch, const std::vector<std::vector<double>>& params,
                                       bool training, std::vector<Rng>& replay) const override;
  std::string AddToInferenceGraph(InferenceGraph& graph, const std::string& x, const std::string& prefix) const override;

  int64_t pieces() const { return pieces_; }
  AffineParameters& params() { return params_; }

 private:
  Shape input_;
  AffineParameters params_;
  int64_t units_, pieces_;
};

// Draws an inverted-dropout mask: each mask[i] is 1 / keep_prob with
// probability keep_prob, else 0. Given x, also writes y = x * mask (all [n]).
void DrawDropoutMask(Rng& rng, float keep_prob, float* mask, int64_t n, const float* x = nullptr, float* y = nullptr);

// What every training-only noise layer (Dropout, GaussianNoise) shares: the
// output has the input's shape, there are no parameters or products, one
// random stream serves all batch sizes (so the draws are one sequence, which
// checkpoints save), and the layer is the identity at inference, so an
// exported graph has nothing of it.
class TrainingNoiseLayer : public Layer {
 public:
  TrainingNoiseLayer(const Shape& shape, uint64_t seed) : shape_(shape), rng_(seed) {}

  Shape input_shape() const override { return shape_; }
  Shape output_shape() const override { return shape_; }
  bool SetProducts(Products) override { return true; }  // no products
  double ForwardFlopsPerRow() const override { return 0; }
  std::vector<Rng*> RandomStreams() override { return {&rng_}; }
  std::string AddToInferenceGraph(InferenceGraph&, const std::string& x, const std::string&) const override { return x; }

  Rng& rng() { return rng_; }

 protected:
  Shape shape_;

 private:
  Rng rng_;
};

// Inverted dropout: while training, y = x * mask / keep_prob with mask ~
// Bernoulli(keep_prob) drawn anew on every Forward; at inference y = x.
class Dropout : public TrainingNoiseLayer {
 public:
  Dropout(const Shape& shape, float keep_prob, uint64_t seed) : TrainingNoiseLayer(shape, seed), keep_prob_(keep_prob) {}

  std::unique_ptr<LayerPass> Bind(const LayerBuffers& buffers) override;
  std::vector<double> ReferenceForward(const std::vector<double>& x, int64_t batch, const std::vector<std::vector<double>>& params,
                                       bool training, std::vector<Rng>& replay) const override;

  float keep_prob() const { return keep_prob_; }

 private:
  float keep_prob_;
};

// Additive Gaussian noise: while training, y = x + stddev * n with n
// standard normal, drawn anew for every element on every Forward; at
// inference y = x. The gradient passes unchanged (dy/dx = 1).
class GaussianNoise : public TrainingNoiseLayer {
 public:
  GaussianNoise(const Shape& shape, float stddev, uint64_t seed) : TrainingNoiseLayer(shape, seed), stddev_(stddev) {}

  std::unique_ptr<LayerPass> Bind(const LayerBuffers& buffers) override;
  std::vector<double> ReferenceForward(const std::vector<double>& x, int64_t batch, const std::vector<std::vector<double>>& params,
                                       bool training, std::vector<Rng>& replay) const override;

  float stddev() const { return stddev_; }

 private:
  float stddev_;
};

// Batch normalisation of each input value over the batch's rows, then an
// activation (the experiment schema's BatchNormLayer says when):
//   training   y = act(scale * (x - mean) / sqrt(var + kEpsilon) + shift),
//              mean and var (biased) over the pass's rows, and the running
//              averages moved kMomentum of the way to mean and var * rows / (rows - 1);
//   inference  the same with the running averages.
// Its parameters are the shift, the scale and the two running averages; the
// averages' gradient is always 0 (a forward sets them), and so is the
// scale's with fixed_scale, so an optimiser leaves them where they are
// (Adam and SGD move a parameter whose gradient has always been 0 by 0).
// Listing the averages as parameters puts them in checkpoints, the
// generator's moving average and the export with the rest.
class BatchNorm : public Layer {
 public:
  static constexpr float kEpsilon = 1e-6f, kMomentum = 0.1f;

  BatchNorm(const Shape& shape, Activation activation, bool fixed_scale);

  Shape input_shape() const override { return shape_; }
  Shape output_shape() const override { return shape_; }
  std::vector<ParameterRef> Parameters() override;
  bool SetProducts(Products) override { return true; }  // no products
  std::unique_ptr<LayerPass> Bind(const LayerBuffers& buffers) override;
  double ForwardFlopsPerRow() const override { return 0; }
  std::vector<Rng*> RandomStreams() override { return {}; }
  std::vector<double> ReferenceForward(const std::vector<double>& x, int64_t batch, const std::vector<std::vector<double>>& params,
                                       bool training, std::vector<Rng>& replay) const override;
  std::string AddToInferenceGraph(InferenceGraph& graph, const std::string& x, const std::string& prefix) const override;

  Activation activation() const { return activation_; }
  bool fixed_scale() const { return fixed_scale_; }
  // [dim] each.
  std::vector<float>& shift() { return shift_; }
  std::vector<float>& scale() { return scale_; }
  std::vector<float>& running_mean() { return running_mean_; }
  std::vector<float>& running_variance() { return running_variance_; }
  // 1 / sqrt(running variance + epsilon) of value j: inference's normaliser.
  float RunningInverseSd(int64_t j) const { return 1.0f / std::sqrt(running_variance_[j] + kEpsilon); }
  // The gradients of the shift and the scale (the pass writes them).
  std::vector<float>& shift_grad() { return shift_grad_; }
  std::vector<float>& scale_grad() { return scale_grad_; }

 private:
  Shape shape_;
  Activation activation_;
  bool fixed_scale_;
  std::vector<float> shift_, shift_grad_, scale_, scale_grad_;
  std::vector<float> running_mean_, running_variance_, zero_grad_;  // zero_grad_: the averages' gradient, always 0
};

}  // namespace gan

#endif  // GAN_NETS_LAYERS_H_
