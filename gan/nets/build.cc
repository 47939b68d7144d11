#include "gan/nets/build.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "gan/nets/conv_layers.h"
#include "gan/spec/noise.h"

namespace gan {
namespace {

Activation FromProto(proto::Activation activation) {
  switch (activation) {
    case proto::RELU: return Activation::kRelu;
    case proto::SIGMOID: return Activation::kSigmoid;
    case proto::SOFTPLUS: return Activation::kSoftplus;
    default: return Activation::kIdentity;
  }
}

absl::Status CheckIrange(const char* kind, float irange) {
  if (!(irange >= 0.0f) || !std::isfinite(irange)) {
    return absl::InvalidArgumentError(absl::StrCat("(", kind, "): weight_irange must be finite and >= 0, not ", irange));
  }
  return absl::OkStatus();
}

// A joined layer's blocks in W's coordinates (a maxout unit owns `pieces`
// consecutive columns), checked against the layer's input and units; errors
// name the layer kind and the block.
absl::StatusOr<std::vector<AffineParameters::Block>> JoinedBlocks(const char* kind,
                                                                  const google::protobuf::RepeatedPtrField<proto::JoinedBlock>& join,
                                                                  const Shape& input, int64_t units, int64_t pieces) {
  std::vector<AffineParameters::Block> blocks;
  int64_t ins = 0, outs = 0;
  for (int i = 0; i < join.size(); ++i) {
    const proto::JoinedBlock& b = join[i];
    if (b.inputs() <= 0 || b.units() <= 0) {
      return absl::InvalidArgumentError(absl::StrCat("(", kind, "): join[", i, "]: inputs and units must be positive"));
    }
    GAN_RETURN_IF_ERROR(CheckIrange(kind, b.weight_irange()));
    blocks.push_back({ins, b.inputs(), outs * pieces, int64_t{b.units()} * pieces, b.weight_irange()});
    ins += b.inputs();
    outs += b.units();
  }
  if (ins != input.size() || outs != units) {
    return absl::InvalidArgumentError(absl::StrCat("(", kind, "): the join's blocks read ", ins, " inputs and make ", outs,
                                                   " units; the layer has ", input.size(), " inputs and ", units, " units"));
  }
  return blocks;
}

// The plan of a Linear or Maxout layer without its make.
LayerPlan AffinePlan(const char* kind, const Shape& input, int64_t outputs, int64_t units) {
  return {kind, Shape::Flat(units), absl::StrCat(input.size(), " x ", outputs),
          static_cast<double>(input.size()) * static_cast<double>(outputs), nullptr};
}

absl::StatusOr<std::unique_ptr<Layer>> MakeLinear(const proto::LinearLayer& linear, const Shape& input, Rng& init_rng,
                                                  const std::vector<float>* data_mean) {
  auto layer = std::make_unique<Linear>(input, linear.units(), FromProto(linear.activation()));
  if (linear.join_size() > 0) {
    absl::StatusOr<std::vector<AffineParameters::Block>> blocks = JoinedBlocks("linear", linear.join(), input, linear.units(), 1);
    if (!blocks.ok()) return blocks.status();
    layer->params().InitializeJoined(*std::move(blocks), linear.bias(), init_rng);
  } else {
    layer->params().Initialize(linear.weight_irange(), linear.bias(), init_rng);
  }
  layer->params().max_column_norm = linear.max_column_norm();
  if (linear.weight_norm()) layer->EnableWeightNorm(linear.fixed_scale());
  if (linear.bias_from_data_mean_logit()) {
    if (data_mean == nullptr || static_cast<int64_t>(data_mean->size()) != linear.units()) {
      return absl::InvalidArgumentError(absl::StrCat("(linear): bias_from_data_mean_logit needs the data's per-pixel mean of ",
                                                     linear.units(), " values, got ", data_mean == nullptr ? 0 : data_mean->size()));
    }
    for (int64_t u = 0; u < linear.units(); ++u) {
      // Clamp so that a pixel that is always 0 (or 1) gets a finite logit.
      const double mean = std::clamp(double{(*data_mean)[u]}, 1e-7, 1 - 1e-7);
      layer->params().bias[u] = static_cast<float>(std::log(mean / (1 - mean)));
    }
  }
  return layer;
}

}  // namespace

Shape GeneratorInputShape(const proto::Experiment& experiment) { return Shape::Flat(GeneratorInputDim(experiment)); }

Shape DiscriminatorInputShape(const proto::Experiment& experiment, const Shape& image) {
  const int64_t condition = ConditionDim(experiment);
  return condition > 0 ? Shape::Flat(image.size() + condition) : image;
}

absl::StatusOr<LayerPlan> PlanLayer(const proto::Layer& spec, const Shape& input) {
  switch (spec.kind_case()) {
    case proto::Layer::kLinear: {
      const proto::LinearLayer& linear = spec.linear();
      if (linear.units() <= 0) return absl::InvalidArgumentError("(linear): units must be positive");
      GAN_RETURN_IF_ERROR(CheckIrange("linear", linear.weight_irange()));
      if (linear.join_size() > 0) GAN_RETURN_IF_ERROR(JoinedBlocks("linear", linear.join(), input, linear.units(), 1).status());
      if (linear.weight_norm() && (linear.join_size() > 0 || linear.max_column_norm() > 0)) {
        return absl::InvalidArgumentError("(linear): weight_norm cannot be combined with join or max_column_norm");
      }
      if (linear.fixed_scale() && !linear.weight_norm()) return absl::InvalidArgumentError("(linear): fixed_scale needs weight_norm");
      LayerPlan plan = AffinePlan("linear", input, linear.units(), linear.units());
      plan.make = [linear, input](Rng& init_rng, const std::vector<float>* data_mean) {
        return MakeLinear(linear, input, init_rng, data_mean);
      };
      return plan;
    }
    case proto::Layer::kMaxout: {
      const proto::MaxoutLayer& maxout = spec.maxout();
      if (maxout.units() <= 0 || maxout.pieces() <= 0) return absl::InvalidArgumentError("(maxout): units and pieces must be positive");
      GAN_RETURN_IF_ERROR(CheckIrange("maxout", maxout.weight_irange()));
      if (maxout.join_size() > 0) {
        GAN_RETURN_IF_ERROR(JoinedBlocks("maxout", maxout.join(), input, maxout.units(), maxout.pieces()).status());
      }
      LayerPlan plan = AffinePlan("maxout", input, int64_t{maxout.units()} * maxout.pieces(), maxout.units());
      plan.make = [maxout, input](Rng& init_rng, const std::vector<float>*) -> absl::StatusOr<std::unique_ptr<Layer>> {
        auto layer = std::make_unique<Maxout>(input, maxout.units(), maxout.pieces());
        if (maxout.join_size() > 0) {
          absl::StatusOr<std::vector<AffineParameters::Block>> blocks =
              JoinedBlocks("maxout", maxout.join(), input, maxout.units(), maxout.pieces());
          if (!blocks.ok()) return blocks.status();
          layer->params().InitializeJoined(*std::move(blocks), maxout.bias(), init_rng);
        } else {
          layer->params().Initialize(maxout.weight_irange(), maxout.bias(), init_rng);
        }
        layer->params().max_column_norm = maxout.max_column_norm();
        return layer;
      };
      return plan;
    }
    case proto::Layer::kDropout: {
      const float keep = spec.dropout().keep_prob();
      if (!(keep > 0.0f && keep <= 1.0f)) {
        return absl::InvalidArgumentError(absl::StrCat("(dropout): keep_prob must be in (0, 1], not ", keep));
      }
      return LayerPlan{"dropout", input, "", 0,
                       [keep, input](Rng& init_rng, const std::vector<float>*) -> absl::StatusOr<std::unique_ptr<Layer>> {
                         return std::make_unique<Dropout>(input, keep, init_rng.NextU64());
                       }};
    }
    case proto::Layer::kGaussianNoise: {
      const float stddev = spec.gaussian_noise().stddev();
      if (!(stddev > 0.0f && std::isfinite(stddev))) {
        return absl::InvalidArgumentError(absl::StrCat("(gaussian_noise): stddev must be positive and finite, not ", stddev));
      }
      return LayerPlan{"gaussian_noise", input, "", 0,
                       [stddev, input](Rng& init_rng, const std::vector<float>*) -> absl::StatusOr<std::unique_ptr<Layer>> {
                         return std::make_unique<GaussianNoise>(input, stddev, init_rng.NextU64());
                       }};
    }
    case proto::Layer::kBatchNorm: {
      const proto::BatchNormLayer batch_norm = spec.batch_norm();
      return LayerPlan{"batch_norm", input, "", 0,
                       [batch_norm, input](Rng&, const std::vector<float>*) -> absl::StatusOr<std::unique_ptr<Layer>> {
                         return std::make_unique<BatchNorm>(input, FromProto(batch_norm.activation()), batch_norm.fixed_scale());
                       }};
    }
    case proto::Layer::kReshape: {
      const proto::ReshapeLayer& r = spec.reshape();
      if (r.channels() <= 0 || r.height() <= 0 || r.width() <= 0) {
        return absl::InvalidArgumentError("(reshape): channels, height and width must be positive");
      }
      const Shape output = Shape::Image(r.channels(), r.height(), r.width());
      if (output.size() != input.size()) {
        return absl::InvalidArgumentError(absl::StrCat("(reshape): ", output.ToString(), " is ", output.size(),
                                                       " values, its input (", input.ToString(), ") has ", input.size()));
      }
      return LayerPlan{"reshape", output, "", 0,
                       [input, output](Rng&, const std::vector<float>*) -> absl::StatusOr<std::unique_ptr<Layer>> {
                         return std::make_unique<Reshape>(input, output);
                       }};
    }
    case proto::Layer::kConvMaxout: {
      const proto::ConvMaxoutLayer& c = spec.conv_maxout();
      if (!input.is_image()) {
        return absl::InvalidArgumentError(absl::StrCat("(conv_maxout): needs an image input (channels x height x width), not ", input.ToString()));
      }
      if (c.units() <= 0 || c.pieces() <= 0 || c.kernel() <= 0 || c.pool_shape() <= 0 || c.pool_stride() <= 0 || c.pad() < 0) {
        return absl::InvalidArgumentError("(conv_maxout): units, pieces, kernel, pool_shape and pool_stride must be positive, pad >= 0");
      }
      GAN_RETURN_IF_ERROR(CheckIrange("conv_maxout", c.weight_irange()));
      const int64_t height = ConvOutputSize(input.dims()[1], c.kernel(), c.pad()), width = ConvOutputSize(input.dims()[2], c.kernel(), c.pad());
      if (height < c.pool_shape() || width < c.pool_shape()) {
        return absl::InvalidArgumentError(absl::StrCat("(conv_maxout): the convolution's output (", height, " x ", width, " from ",
                                                       input.ToString(), ") is smaller than one pool_shape of ", c.pool_shape()));
      }
      const int64_t channels = int64_t{c.units()} * c.pieces();
      LayerPlan plan{"conv_maxout",
                     Shape::Image(c.units(), PooledSize(height, c.pool_shape(), c.pool_stride()),
                                  PooledSize(width, c.pool_shape(), c.pool_stride())),
                     absl::StrCat(channels, " x ", input.dims()[0], " x ", c.kernel(), " x ", c.kernel()),
                     static_cast<double>(channels * input.dims()[0] * c.kernel() * c.kernel()), nullptr};
      plan.make = [c, input](Rng& init_rng, const std::vector<float>*) -> absl::StatusOr<std::unique_ptr<Layer>> {
        auto layer = std::make_unique<ConvMaxout>(input, c.units(), c.pieces(), c.kernel(), c.pad(), c.pool_shape(), c.pool_stride());
        layer->params().Initialize(c.weight_irange(), c.bias(), init_rng);
        return layer;
      };
      return plan;
    }
    case proto::Layer::kConvTranspose: {
      const proto::ConvTransposeLayer& c = spec.conv_transpose();
      if (!input.is_image()) {
        return absl::InvalidArgumentError(absl::StrCat("(conv_transpose): needs an image input (channels x height x width), not ", input.ToString()));
      }
      if (c.channels() <= 0 || c.kernel() <= 0 || c.stride() <= 0 || c.pad() < 0) {
        return absl::InvalidArgumentError("(conv_transpose): channels, kernel and stride must be positive, pad >= 0");
      }
      if (c.output_padding() < 0 || c.output_padding() > c.pad()) {
        return absl::InvalidArgumentError(absl::StrCat("(conv_transpose): output_padding must be in [0, pad = ", c.pad(), "], not ", c.output_padding()));
      }
      GAN_RETURN_IF_ERROR(CheckIrange("conv_transpose", c.weight_irange()));
      const int64_t height = ConvTransposeOutputSize(input.dims()[1], c.kernel(), c.stride(), c.pad(), c.output_padding());
      const int64_t width = ConvTransposeOutputSize(input.dims()[2], c.kernel(), c.stride(), c.pad(), c.output_padding());
      if (height <= 0 || width <= 0) {
        return absl::InvalidArgumentError(absl::StrCat("(conv_transpose): no output from ", input.ToString(), " with this kernel, stride and pad"));
      }
      LayerPlan plan{"conv_transpose", Shape::Image(c.channels(), height, width),
                     absl::StrCat(c.channels(), " x ", input.dims()[0], " x ", c.kernel(), " x ", c.kernel()),
                     static_cast<double>(int64_t{c.channels()} * input.dims()[0] * c.kernel() * c.kernel()), nullptr};
      plan.make = [c, input](Rng& init_rng, const std::vector<float>*) -> absl::StatusOr<std::unique_ptr<Layer>> {
        auto layer = std::make_unique<ConvTranspose>(input, c.channels(), c.kernel(), c.stride(), c.pad(), c.output_padding(), c.untied_bias());
        layer->params().Initialize(c.weight_irange(), c.bias(), init_rng);
        return layer;
      };
      return plan;
    }
    case proto::Layer::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("has no kind (linear, maxout, dropout, gaussian_noise, batch_norm, reshape, conv_maxout or conv_transpose)");
}

absl::StatusOr<std::unique_ptr<Layer>> MakeLayer(const proto::Layer& spec, const Shape& input, Rng& init_rng,
                                                 const std::vector<float>* data_mean) {
  absl::StatusOr<LayerPlan> plan = PlanLayer(spec, input);
  if (!plan.ok()) return plan.status();
  return plan->make(init_rng, data_mean);
}

namespace {

// Weights, their gradients and up to three optimiser tensors (Adam's two
// moments, SGD's velocity) of 4 bytes per weight: what training a layer with
// weights needs, checked before anything is allocated.
constexpr double kBytesPerTrainedWeight = 5 * sizeof(float);

double PhysicalMemoryBytes() {
  return static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// Each layer's plan, in order; errors name the layer.
absl::StatusOr<std::vector<LayerPlan>> PlanLayers(const proto::Mlp& config, const Shape& input) {
  if (input.size() <= 0) return absl::InvalidArgumentError(absl::StrCat("input shape must be positive, not '", input.ToString(), "'"));
  if (config.layers_size() == 0) return absl::InvalidArgumentError("an MLP needs at least one layer");
  std::vector<LayerPlan> plans;
  Shape shape = input;
  for (int i = 0; i < config.layers_size(); ++i) {
    absl::StatusOr<LayerPlan> plan = PlanLayer(config.layers(i), shape);
    if (!plan.ok()) return absl::Status(plan.status().code(), absl::StrCat("layer ", i, " ", plan.status().message()));
    shape = plan->output;
    plans.push_back(*std::move(plan));
  }
  return plans;
}

}  // namespace

absl::StatusOr<Shape> OutputShape(const proto::Mlp& config, const Shape& input) {
  absl::StatusOr<std::vector<LayerPlan>> plans = PlanLayers(config, input);
  if (!plans.ok()) return plans.status();
  return plans->back().output;
}

absl::StatusOr<std::unique_ptr<Mlp>> BuildMlp(const proto::Mlp& config, const Shape& input, uint64_t seed,
                                              const std::vector<float>* data_mean) {
  absl::StatusOr<std::vector<LayerPlan>> plans = PlanLayers(config, input);
  if (!plans.ok()) return plans.status();
  double net_bytes = 0;
  const double memory = PhysicalMemoryBytes();
  for (size_t i = 0; i < plans->size(); ++i) {
    const LayerPlan& plan = (*plans)[i];
    net_bytes += plan.weight_values * kBytesPerTrainedWeight;
    if (net_bytes > memory) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "layer %d (%s): %s weights; with their gradients and optimiser state the net needs %.3g GB up to this "
          "layer, and this machine has %.3g GB of memory",
          i, plan.kind, plan.weights, net_bytes / 1e9, memory / 1e9));
    }
  }
  // Weights and each dropout layer draw from their own streams of one seed.
  Rng init_rng(seed);
  std::vector<std::unique_ptr<Layer>> layers;
  Shape shape = input;
  for (int i = 0; i < config.layers_size(); ++i) {
    absl::StatusOr<std::unique_ptr<Layer>> layer = (*plans)[i].make(init_rng, data_mean);
    if (!layer.ok()) return absl::Status(layer.status().code(), absl::StrCat("layer ", i, " ", layer.status().message()));
    shape = (*layer)->output_shape();
    layers.push_back(*std::move(layer));
  }
  return std::make_unique<Mlp>(input, std::move(layers));
}


absl::Status ValidateOptimizer(const proto::Optimizer& config) {
  if (config.has_sgd()) {
    const proto::SgdMomentum& sgd = config.sgd();
    if (!(sgd.learning_rate() > 0)) return absl::InvalidArgumentError("sgd.learning_rate must be positive");
    if (sgd.lr_decay_factor() != 0 && !(sgd.lr_decay_factor() >= 1)) {
      return absl::InvalidArgumentError(absl::StrCat("sgd.lr_decay_factor must be >= 1 (or unset), not ", sgd.lr_decay_factor()));
    }
    for (float momentum : {sgd.initial_momentum(), sgd.final_momentum()}) {
      if (!(momentum >= 0 && momentum < 1)) return absl::InvalidArgumentError("sgd momentum must be in [0, 1)");
    }
    return absl::OkStatus();
  }
  if (config.has_adam()) {
    const proto::Adam& adam = config.adam();
    if (!(adam.learning_rate() > 0)) return absl::InvalidArgumentError("adam.learning_rate must be positive");
    if (!(adam.beta1() >= 0 && adam.beta1() < 1 && adam.beta2() >= 0 && adam.beta2() < 1)) {
      return absl::InvalidArgumentError("adam.beta1 and adam.beta2 must be in [0, 1)");
    }
    if (!(adam.epsilon() > 0)) return absl::InvalidArgumentError("adam.epsilon must be positive");
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError("the optimizer must be sgd or adam");
}

absl::StatusOr<std::unique_ptr<Optimizer>> MakeOptimizer(const proto::Optimizer& config,
                                                         std::vector<ParameterRef> params) {
  GAN_RETURN_IF_ERROR(ValidateOptimizer(config));
  if (config.has_sgd()) return std::make_unique<SgdMomentum>(std::move(params), config.sgd());
  return std::make_unique<Adam>(std::move(params), config.adam());
}

}  // namespace gan
