#include "gan/nets/mlp.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gan/nets/pass_contract.h"

namespace gan {

Mlp::Mlp(const Shape& input, std::vector<std::unique_ptr<Layer>> layers)
    : input_shape_(input), layers_(std::move(layers)), first_parameter_layer_(static_cast<int64_t>(layers_.size())) {
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (!layers_[i]->Parameters().empty()) {
      first_parameter_layer_ = static_cast<int64_t>(i);
      break;
    }
  }
}

std::pair<std::unique_ptr<Mlp>, std::unique_ptr<Mlp>> Mlp::Split(std::unique_ptr<Mlp> net, size_t at) {
  std::vector<std::unique_ptr<Layer>>& layers = net->layers_;
  const Shape cut = layers[at - 1]->output_shape();
  std::vector<std::unique_ptr<Layer>> tail(std::make_move_iterator(layers.begin() + static_cast<std::ptrdiff_t>(at)),
                                           std::make_move_iterator(layers.end()));
  layers.resize(at);
  return {std::make_unique<Mlp>(net->input_shape_, std::move(layers)), std::make_unique<Mlp>(cut, std::move(tail))};
}

void Mlp::InitializeFromData(const float* x, int64_t rows) {
  // In double through the layers' references: a one-off on a few hundred rows.
  std::vector<double> input(x, x + rows * input_dim());
  for (const std::unique_ptr<Layer>& layer : layers_) {
    layer->InitializeFromData(input, rows);
    std::vector<std::vector<double>> params;
    for (const ParameterRef& p : layer->Parameters()) params.emplace_back(p.value, p.value + p.size);
    std::vector<Rng> copies;
    for (Rng* stream : layer->RandomStreams()) copies.push_back(*stream);
    input = layer->ReferenceForward(input, rows, params, /*training=*/true, copies);
  }
}

void Mlp::CopyParametersFrom(Mlp& from) {
  const std::vector<ParameterRef> source = from.Parameters(), target = Parameters();
  for (size_t t = 0; t < source.size(); ++t) std::copy(source[t].value, source[t].value + source[t].size, target[t].value);
}

std::vector<ParameterRef> Mlp::Parameters() {
  std::vector<ParameterRef> all;
  for (size_t i = 0; i < layers_.size(); ++i) {
    for (ParameterRef p : layers_[i]->Parameters()) {
      p.name = absl::StrCat("layer", i, ".", p.name);
      all.push_back(p);
    }
  }
  return all;
}

absl::Status Mlp::SetProducts(Products products) {
  if (products == Products::kBf16 && !Bf16ProductsAvailable()) {
    return absl::FailedPreconditionError(
        "bf16 products need a processor with AVX512_BF16 (as oneDNN sees it); this one lacks it: use fp32");
  }
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (!layers_[i]->SetProducts(products)) {
      for (size_t j = 0; j < i; ++j) layers_[j]->SetProducts(Products::kFp32);
      return absl::UnimplementedError(absl::StrCat("layer ", i, " (", layers_[i]->Parameters().front().name,
                                                   ") runs its products in fp32 only"));
    }
  }
  return absl::OkStatus();
}

std::unique_ptr<MlpPass> Mlp::MakePass(int64_t batch, const std::vector<int64_t>& tail_first_rows, const RowShare& share) {
  return std::make_unique<MlpPass>(*this, batch, tail_first_rows, share);
}

std::unique_ptr<MlpPass> Mlp::MakeForwardPass(int64_t batch) {
  return std::make_unique<MlpPass>(*this, batch, std::vector<int64_t>{}, RowShare{}, /*forward_only=*/true);
}

std::vector<float> Mlp::Infer(const float* input, int64_t rows) { return Inference(*this, rows).Run(input); }

MlpPass::MlpPass(Mlp& net, int64_t batch, const std::vector<int64_t>& tail_first_rows, const RowShare& share,
                 bool forward_only)
    : net_(net), batch_(batch) {
  activations_.emplace_back(batch * net.input_dim());
  for (const auto& layer : net.layers()) activations_.emplace_back(batch * layer->output_dim());
  if (!forward_only) {
    for (const std::vector<float>& activation : activations_) gradients_.emplace_back(activation.size());
  }
  for (size_t i = 0; i < net.layers().size(); ++i) {
    LayerBuffers buffers;
    buffers.batch = batch;
    buffers.x = activations_[i].data();
    buffers.y = activations_[i + 1].data();
    buffers.dx = forward_only ? nullptr : gradients_[i].data();
    buffers.dy = forward_only ? nullptr : gradients_[i + 1].data();
    buffers.tail_first_rows = tail_first_rows;
    buffers.share = share;
    layers_.push_back(net.layers()[i]->Bind(buffers));
  }
}

void MlpPass::Forward(bool training) {
  for (auto& layer : layers_) layer->Forward(training);
}

void MlpPass::BackwardRows(int64_t first_row, bool input_grad, bool param_grads, const AfterLayer& after_layer) {
  if (gradients_.empty()) PassCallerBug("MlpPass", "Backward of a forward-only pass (Mlp::MakeForwardPass)");
  // Layer i needs its input gradient only if something below it uses it: the
  // caller, or a layer with parameters whose gradients are wanted.
  for (size_t i = layers_.size(); i-- > 0;) {
    const bool below_has_parameters = static_cast<int64_t>(i) > net_.first_parameter_layer_;
    layers_[i]->Backward(first_row, input_grad || (param_grads && below_has_parameters), param_grads);
    if (after_layer) after_layer(*net_.layers_[i]);
  }
}

Inference::Inference(Mlp& net, int64_t rows) : net_(net), rows_(std::max<int64_t>(rows, 0)) {
  if (rows_ == 0) return;
  full_ = net.MakeForwardPass(std::min(kBatch, rows));
  if (const int64_t last = rows % kBatch; rows > kBatch && last != 0) last_ = net.MakeForwardPass(last);
}

std::vector<float> Inference::Run(const float* input) {
  const int64_t out = net_.output_dim();
  std::vector<float> outputs(rows_ * out);
  ForEachBatch(input, [&](int64_t first, const MlpPass& pass) {
    std::copy(pass.output(), pass.output() + pass.batch() * out, outputs.begin() + first * out);
  });
  return outputs;
}

void Inference::ForEachBatch(const float* input, const std::function<void(int64_t first, const MlpPass& pass)>& visit) {
  const int64_t in = net_.input_dim();
  for (int64_t first = 0; first < rows_; first += full_->batch()) {
    MlpPass& pass = first + full_->batch() <= rows_ ? *full_ : *last_;
    std::copy(input + first * in, input + (first + pass.batch()) * in, pass.input());
    pass.Forward(/*training=*/false);
    visit(first, pass);
  }
}

std::vector<Rng*> Mlp::RandomStreams() {
  std::vector<Rng*> streams;
  for (auto& layer : layers_) {
    for (Rng* stream : layer->RandomStreams()) streams.push_back(stream);
  }
  return streams;
}

double Mlp::ForwardFlopsPerRow() const {
  double flops = 0;
  for (const auto& layer : layers_) flops += layer->ForwardFlopsPerRow();
  return flops;
}

double Mlp::FirstLayerForwardFlopsPerRow() const {
  for (const auto& layer : layers_) {
    if (layer->ForwardFlopsPerRow() > 0) return layer->ForwardFlopsPerRow();
  }
  return 0;
}

}  // namespace gan
