#ifndef GAN_MLP_H_
#define GAN_MLP_H_

// A multilayer perceptron: a stack of layers with the buffers of each batch size
// it runs at. Buffers and primitives for a batch size are made on its first use
// and reused after, so a training loop at fixed batch sizes allocates nothing.

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "gan/experiment.pb.h"
#include "gan/layers.h"

namespace gan {

class Mlp {
 public:
  Mlp(int64_t input_dim, std::vector<std::unique_ptr<Layer>> layers);

  int64_t input_dim() const { return input_dim_; }
  int64_t output_dim() const { return layers_.empty() ? input_dim_ : layers_.back()->output_dim(); }
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  // Every parameter tensor, first layer first.
  std::vector<ParameterRef> Parameters();
  // Every layer's random streams, first layer first (Layer::RandomStreams).
  std::vector<Rng*> RandomStreams();
  // Matrix-product FLOPs of a forward pass per row, and those of the first
  // layer that has any (whose input gradient a net's step may skip).
  double ForwardFlopsPerRow() const;
  double FirstLayerForwardFlopsPerRow() const;
  // Each layer's constraints (e.g. column norms), to call after an update.
  void ApplyConstraints() {
    for (auto& layer : layers_) layer->ApplyConstraints();
  }

  // The batch's buffers: fill Input before Forward, OutputGrad before Backward.
  float* Input(int64_t batch) { return PassFor(batch).activations.front().data(); }          // [batch, in]
  const float* Output(int64_t batch) { return PassFor(batch).activations.back().data(); }   // [batch, out]
  float* OutputGrad(int64_t batch) { return PassFor(batch).gradients.back().data(); }       // [batch, out]
  const float* InputGrad(int64_t batch) { return PassFor(batch).gradients.front().data(); } // [batch, in]

  void Forward(int64_t batch, bool training);
  // From OutputGrad back: writes InputGrad if input_grad, the parameter
  // gradients if param_grads. Either can be skipped: the generator step needs
  // the discriminator's input gradient only. Overwrites the gradients of the
  // hidden layers (and OutputGrad), keeps what Forward computed, so one
  // Forward may be followed by several Backwards.
  void Backward(int64_t batch, bool input_grad, bool param_grads) { BackwardRows(batch, 0, input_grad, param_grads); }
  // Backward over rows [first_row, batch) alone, as if they were a batch of
  // their own (the values a pass of batch - first_row rows would give): reads
  // those rows of OutputGrad, writes those rows of InputGrad if input_grad and
  // the parameter gradients of those rows if param_grads, and leaves the other
  // rows' gradients as they were. 0 <= first_row < batch.
  void BackwardRows(int64_t batch, int64_t first_row, bool input_grad, bool param_grads);

  // Inference-mode outputs [rows, out] for input [rows, in], in batches of at
  // most 500 rows, so passes exist for at most two batch sizes.
  std::vector<float> Infer(const float* input, int64_t rows);

 private:
  struct Pass {
    std::vector<std::vector<float>> activations;  // [layers + 1][batch * dim]
    std::vector<std::vector<float>> gradients;    // same shapes
    std::vector<std::unique_ptr<LayerPass>> layers;
  };
  Pass& PassFor(int64_t batch);

  int64_t input_dim_;
  std::vector<std::unique_ptr<Layer>> layers_;
  int64_t first_parameter_layer_;  // index of the first layer with parameters
  std::map<int64_t, Pass> passes_;
};

// The output dimension of the net `config` describes on inputs of
// `input_dim`, without building it; -1 if a layer has no kind.
int64_t OutputDim(const proto::Mlp& config, int64_t input_dim);

// Builds an Mlp from its description, initialised from `seed`. `data_mean`
// (per input pixel, in (0, 1)) is needed only by layers that set
// bias_from_data_mean_logit. Errors name the layer and what is wrong with it.
absl::StatusOr<std::unique_ptr<Mlp>> BuildMlp(const gan::proto::Mlp& config, int64_t input_dim, uint64_t seed,
                                              const std::vector<float>* data_mean = nullptr);

}  // namespace gan

#endif  // GAN_MLP_H_
