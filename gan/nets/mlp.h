#ifndef GAN_NETS_MLP_H_
#define GAN_NETS_MLP_H_

// A multilayer perceptron: a stack of layers, and the passes that run it. A
// pass (MlpPass) holds the buffers and primitives of one batch size and is
// held by its user, made before its loop: the training step holds its passes,
// inference (Inference) its own, so nothing is allocated or made in a loop.

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gan/nets/layers.h"

namespace gan {

class MlpPass;

class Mlp {
 public:
  Mlp(const Shape& input, std::vector<std::unique_ptr<Layer>> layers);

  // `net` cut before its layer `at` (0 < at < its layer count) into two
  // nets, layers [0, at) and [at, end): the same layer objects, with their
  // parameters and random streams, moved.
  static std::pair<std::unique_ptr<Mlp>, std::unique_ptr<Mlp>> Split(std::unique_ptr<Mlp> net, size_t at);

  // One example's input and output (gan/nets/shape.h), and their sizes.
  const Shape& input_shape() const { return input_shape_; }
  Shape output_shape() const { return layers_.empty() ? input_shape_ : layers_.back()->output_shape(); }
  int64_t input_dim() const { return input_shape_.size(); }
  int64_t output_dim() const { return output_shape().size(); }
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  // Every parameter tensor, first layer first.
  std::vector<ParameterRef> Parameters();
  // Sets every parameter tensor to `from`'s, a net of the same
  // configuration (the same tensors in the same order; its activations may differ).
  void CopyParametersFrom(Mlp& from);
  // Every layer's random streams, first layer first (Layer::RandomStreams).
  std::vector<Rng*> RandomStreams();
  // Matrix-product FLOPs of a forward pass per row, and those of the first
  // layer that has any (whose input gradient a net's step may skip).
  double ForwardFlopsPerRow() const;
  double FirstLayerForwardFlopsPerRow() const;
  // The precision of every layer's matrix products (gan/nets/layers.h,
  // Products) in the passes made after this call. An error when this
  // processor lacks bf16 products or a layer cannot run them (it names the
  // layer); every layer's products are then fp32.
  absl::Status SetProducts(Products products);
  // The data-dependent initialisation of the layers that have one
  // (Layer::InitializeFromData), first layer first: each sees the training
  // outputs of the layers before it, already initialised, on x [rows, in],
  // noise and dropout on, as Salimans et al. initialise theirs; the draws
  // come from copies of the layers' streams, so the net's own streams (and a
  // run's draws) are left as they were.
  void InitializeFromData(const float* x, int64_t rows);
  // Each layer's constraints (e.g. column norms), to call after an update.
  void ApplyConstraints() {
    for (auto& layer : layers_) layer->ApplyConstraints();
  }

  // A pass at `batch` rows (see MlpPass), whose BackwardRows may start at row
  // 0 and at each of `tail_first_rows`; `share` says which rows of a batch
  // shared by several processes they are (gan/nets/layers.h). It runs this
  // net's parameters: the net must outlive it. oneDNN and allocation
  // failures throw (dnnl::error, std::bad_alloc); the code that builds a run
  // turns them into a Status.
  std::unique_ptr<MlpPass> MakePass(int64_t batch, const std::vector<int64_t>& tail_first_rows = {},
                                    const RowShare& share = {});
  // A pass at `batch` rows that runs Forward only: it holds no gradient
  // buffers and makes no backward primitives (inference; Inference below).
  // Throws as MakePass does.
  std::unique_ptr<MlpPass> MakeForwardPass(int64_t batch);

  // Inference-mode outputs [rows, out] of input [rows, in], by a one-off
  // Inference (below); code that infers repeatedly holds its Inference.
  std::vector<float> Infer(const float* input, int64_t rows);

 private:
  Shape input_shape_;
  std::vector<std::unique_ptr<Layer>> layers_;
  int64_t first_parameter_layer_;  // index of the first layer with parameters
  friend class MlpPass;
};

// The buffers of every layer's input and output and their gradients at one
// batch size, with each layer's LayerPass bound to them.
class MlpPass {
 public:
  // forward_only: see Mlp::MakeForwardPass.
  MlpPass(Mlp& net, int64_t batch, const std::vector<int64_t>& tail_first_rows, const RowShare& share = {},
          bool forward_only = false);

  Mlp& net() { return net_; }
  int64_t batch() const { return batch_; }
  // Fill input() before Forward, output_grad() before Backward (both
  // gradients are null in a forward-only pass).
  float* input() { return activations_.front().data(); }                                    // [batch, in]
  const float* output() const { return activations_.back().data(); }                        // [batch, out]
  float* output_grad() { return gradients_.empty() ? nullptr : gradients_.back().data(); }  // [batch, out]
  const float* input_grad() const { return gradients_.empty() ? nullptr : gradients_.front().data(); }  // [batch, in]
  // The input of layer `layer` as the last Forward left it, [batch, that
  // layer's input size] (a classifier's features are its last layer's input).
  const float* layer_input(size_t layer) const { return activations_[layer].data(); }

  void Forward(bool training);
  // From output_grad() back: writes input_grad() if input_grad, the parameter
  // gradients if param_grads. Either can be skipped: the generator step needs
  // the discriminator's input gradient only. Overwrites the gradients of the
  // hidden layers (and output_grad()), keeps what Forward computed, so one
  // Forward may be followed by several Backwards.
  // after_layer, when set, is called after each layer's backward, last layer
  // first, with that layer: its parameter gradients are final from then on
  // (a group of processes starts summing them there while the layers below
  // are computed: gan/learners/adversarial_step.h).
  using AfterLayer = std::function<void(Layer& layer)>;
  void Backward(bool input_grad, bool param_grads, const AfterLayer& after_layer = nullptr) {
    BackwardRows(0, input_grad, param_grads, after_layer);
  }
  // Backward over rows [first_row, batch) alone, as if they were a batch of
  // their own (the values a pass of batch - first_row rows would give): reads
  // those rows of output_grad(), writes those rows of input_grad() if
  // input_grad and the parameter gradients of those rows if param_grads, and
  // leaves the other rows' gradients as they were. first_row is 0 or one of
  // the pass's tail_first_rows.
  void BackwardRows(int64_t first_row, bool input_grad, bool param_grads, const AfterLayer& after_layer = nullptr);

 private:
  Mlp& net_;
  int64_t batch_;
  std::vector<std::vector<float>> activations_;  // [layers + 1][batch * dim]
  std::vector<std::vector<float>> gradients_;    // same shapes; empty in a forward-only pass
  std::vector<std::unique_ptr<LayerPass>> layers_;
};

// Inference-mode outputs of a net for a fixed number of rows, in batches of at
// most kBatch rows: its passes (at most two batch sizes) are made here, once.
class Inference {
 public:
  static constexpr int64_t kBatch = 500;
  // Throws as Mlp::MakePass does. The net must outlive this. Its passes are
  // forward-only (Mlp::MakeForwardPass).
  Inference(Mlp& net, int64_t rows);

  int64_t rows() const { return rows_; }
  // The outputs [rows, out] of input [rows, in].
  std::vector<float> Run(const float* input);
  // Runs input [rows, in] batch by batch, calling visit(first row, pass)
  // after each batch's forward, for callers that read more of a pass than
  // its output (e.g. MlpPass::layer_input).
  void ForEachBatch(const float* input, const std::function<void(int64_t first, const MlpPass& pass)>& visit);

 private:
  Mlp& net_;
  int64_t rows_;
  std::unique_ptr<MlpPass> full_;  // min(kBatch, rows) rows; null when rows is 0
  std::unique_ptr<MlpPass> last_;  // the last batch's rows when fewer than full_'s, else null
};

}  // namespace gan

#endif  // GAN_NETS_MLP_H_
