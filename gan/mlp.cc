#include "gan/mlp.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gan {

Mlp::Mlp(int64_t input_dim, std::vector<std::unique_ptr<Layer>> layers)
    : input_dim_(input_dim), layers_(std::move(layers)), first_parameter_layer_(static_cast<int64_t>(layers_.size())) {
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (!layers_[i]->Parameters().empty()) {
      first_parameter_layer_ = static_cast<int64_t>(i);
      break;
    }
  }
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

std::unique_ptr<MlpPass> Mlp::MakePass(int64_t batch, const std::vector<int64_t>& tail_first_rows) {
  return std::make_unique<MlpPass>(*this, batch, tail_first_rows);
}

std::vector<float> Mlp::Infer(const float* input, int64_t rows) { return Inference(*this, rows).Run(input); }

MlpPass::MlpPass(Mlp& net, int64_t batch, const std::vector<int64_t>& tail_first_rows) : net_(net), batch_(batch) {
  activations_.emplace_back(batch * net.input_dim());
  gradients_.emplace_back(batch * net.input_dim());
  for (const auto& layer : net.layers()) {
    activations_.emplace_back(batch * layer->output_dim());
    gradients_.emplace_back(batch * layer->output_dim());
  }
  for (size_t i = 0; i < net.layers().size(); ++i) {
    LayerBuffers buffers;
    buffers.batch = batch;
    buffers.x = activations_[i].data();
    buffers.y = activations_[i + 1].data();
    buffers.dx = gradients_[i].data();
    buffers.dy = gradients_[i + 1].data();
    buffers.tail_first_rows = tail_first_rows;
    layers_.push_back(net.layers()[i]->Bind(buffers));
  }
}

void MlpPass::Forward(bool training) {
  for (auto& layer : layers_) layer->Forward(training);
}

void MlpPass::BackwardRows(int64_t first_row, bool input_grad, bool param_grads) {
  // Layer i needs its input gradient only if something below it uses it: the
  // caller, or a layer with parameters whose gradients are wanted.
  for (size_t i = layers_.size(); i-- > 0;) {
    const bool below_has_parameters = static_cast<int64_t>(i) > net_.first_parameter_layer_;
    layers_[i]->Backward(first_row, input_grad || (param_grads && below_has_parameters), param_grads);
  }
}

Inference::Inference(Mlp& net, int64_t rows) : net_(net), rows_(std::max<int64_t>(rows, 0)) {
  if (rows_ == 0) return;
  full_ = net.MakePass(std::min(kBatch, rows));
  if (const int64_t last = rows % kBatch; rows > kBatch && last != 0) last_ = net.MakePass(last);
}

std::vector<float> Inference::Run(const float* input) {
  const int64_t in = net_.input_dim(), out = net_.output_dim();
  std::vector<float> outputs(rows_ * out);
  for (int64_t first = 0; first < rows_; first += full_->batch()) {
    MlpPass& pass = first + full_->batch() <= rows_ ? *full_ : *last_;
    std::copy(input + first * in, input + (first + pass.batch()) * in, pass.input());
    pass.Forward(/*training=*/false);
    std::copy(pass.output(), pass.output() + pass.batch() * out, outputs.begin() + first * out);
  }
  return outputs;
}

namespace {

Activation FromProto(proto::Activation activation) {
  switch (activation) {
    case proto::RELU: return Activation::kRelu;
    case proto::SIGMOID: return Activation::kSigmoid;
    default: return Activation::kIdentity;
  }
}

absl::Status CheckIrange(float irange, int64_t index) {
  if (!(irange >= 0.0f) || !std::isfinite(irange)) {
    return absl::InvalidArgumentError(absl::StrCat("layer ", index, ": weight_irange must be finite and >= 0, not ", irange));
  }
  return absl::OkStatus();
}

// Weights, their gradients and up to three optimiser tensors (Adam's two
// moments, SGD's velocity) of 4 bytes per weight: what training an affine
// layer needs, checked before anything is allocated.
constexpr double kBytesPerTrainedWeight = 5 * sizeof(float);

double PhysicalMemoryBytes() {
  return static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

absl::Status CheckAffineSize(int64_t index, const char* kind, int64_t in, int64_t out, double& net_bytes) {
  net_bytes += static_cast<double>(in) * static_cast<double>(out) * kBytesPerTrainedWeight;
  const double memory = PhysicalMemoryBytes();
  if (net_bytes > memory) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "layer %d (%s): %d x %d weights; with their gradients and optimiser state the net needs %.3g GB up to this "
        "layer, and this machine has %.3g GB of memory",
        index, kind, in, out, net_bytes / 1e9, memory / 1e9));
  }
  return absl::OkStatus();
}

}  // namespace

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

int64_t OutputDim(const proto::Mlp& config, int64_t input_dim) {
  int64_t dim = input_dim;
  for (const proto::Layer& layer : config.layers()) {
    switch (layer.kind_case()) {
      case proto::Layer::kLinear:
        dim = layer.linear().units();
        break;
      case proto::Layer::kMaxout:
        dim = layer.maxout().units();
        break;
      case proto::Layer::kDropout:
        break;
      case proto::Layer::KIND_NOT_SET:
        return -1;
    }
  }
  return dim;
}

absl::StatusOr<std::unique_ptr<Mlp>> BuildMlp(const proto::Mlp& config, int64_t input_dim, uint64_t seed,
                                              const std::vector<float>* data_mean) {
  if (input_dim <= 0) return absl::InvalidArgumentError(absl::StrCat("input dimension must be positive, not ", input_dim));
  if (config.layers_size() == 0) return absl::InvalidArgumentError("an MLP needs at least one layer");
  // Weights and each dropout layer draw from their own streams of one seed.
  Rng init_rng(seed);
  std::vector<std::unique_ptr<Layer>> layers;
  int64_t dim = input_dim;
  double net_bytes = 0;
  for (int i = 0; i < config.layers_size(); ++i) {
    const proto::Layer& spec = config.layers(i);
    switch (spec.kind_case()) {
      case proto::Layer::kLinear: {
        const proto::LinearLayer& linear = spec.linear();
        if (linear.units() <= 0) return absl::InvalidArgumentError(absl::StrCat("layer ", i, " (linear): units must be positive"));
        if (absl::Status s = CheckIrange(linear.weight_irange(), i); !s.ok()) return s;
        if (absl::Status s = CheckAffineSize(i, "linear", dim, linear.units(), net_bytes); !s.ok()) return s;
        auto layer = std::make_unique<Linear>(dim, linear.units(), FromProto(linear.activation()));
        layer->params().Initialize(linear.weight_irange(), linear.bias(), init_rng);
        layer->params().max_column_norm = linear.max_column_norm();
        if (linear.bias_from_data_mean_logit()) {
          if (data_mean == nullptr || static_cast<int64_t>(data_mean->size()) != linear.units()) {
            return absl::InvalidArgumentError(absl::StrCat(
                "layer ", i, " (linear): bias_from_data_mean_logit needs the data's per-pixel mean of ", linear.units(),
                " values, got ", data_mean == nullptr ? 0 : data_mean->size()));
          }
          for (int64_t u = 0; u < linear.units(); ++u) {
            // Clamp so that a pixel that is always 0 (or 1) gets a finite logit.
            const double mean = std::clamp(double{(*data_mean)[u]}, 1e-7, 1 - 1e-7);
            layer->params().bias[u] = static_cast<float>(std::log(mean / (1 - mean)));
          }
        }
        dim = linear.units();
        layers.push_back(std::move(layer));
        break;
      }
      case proto::Layer::kMaxout: {
        const proto::MaxoutLayer& maxout = spec.maxout();
        if (maxout.units() <= 0 || maxout.pieces() <= 0) {
          return absl::InvalidArgumentError(absl::StrCat("layer ", i, " (maxout): units and pieces must be positive"));
        }
        if (absl::Status s = CheckIrange(maxout.weight_irange(), i); !s.ok()) return s;
        if (absl::Status s = CheckAffineSize(i, "maxout", dim, int64_t{maxout.units()} * maxout.pieces(), net_bytes); !s.ok()) {
          return s;
        }
        auto layer = std::make_unique<Maxout>(dim, maxout.units(), maxout.pieces());
        layer->params().Initialize(maxout.weight_irange(), maxout.bias(), init_rng);
        layer->params().max_column_norm = maxout.max_column_norm();
        dim = maxout.units();
        layers.push_back(std::move(layer));
        break;
      }
      case proto::Layer::kDropout: {
        const float keep = spec.dropout().keep_prob();
        if (!(keep > 0.0f && keep <= 1.0f)) {
          return absl::InvalidArgumentError(absl::StrCat("layer ", i, " (dropout): keep_prob must be in (0, 1], not ", keep));
        }
        layers.push_back(std::make_unique<Dropout>(dim, keep, init_rng.NextU64()));
        break;
      }
      default:
        return absl::InvalidArgumentError(absl::StrCat("layer ", i, " has no kind (linear, maxout or dropout)"));
    }
  }
  return std::make_unique<Mlp>(input_dim, std::move(layers));
}

}  // namespace gan
