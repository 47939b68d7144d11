#ifndef GAN_NETS_BUILD_H_
#define GAN_NETS_BUILD_H_

// The one place where the experiment schema (gan/spec/experiment.proto)
// becomes nets: each layer kind's checks, shapes and construction (one switch,
// in PlanLayer), MLPs made of them, and optimisers.
//
// Adding a layer kind: its class (gan/nets/layers.h or conv_layers.h), its
// message in gan/spec/experiment.proto, its case in PlanLayer, its test.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/random.h"
#include "gan/nets/layers.h"
#include "gan/nets/mlp.h"
#include "gan/nets/optimizer.h"
#include "gan/nets/shape.h"
#include "gan/spec/experiment.pb.h"

namespace gan {

// A layer's description in an experiment, checked against the shape of its
// input: what it would be, and how to build it.
struct LayerPlan {
  std::string kind;          // "linear", "maxout", "dropout", "gaussian_noise", "batch_norm", "reshape", "conv_maxout", "conv_transpose"
  Shape output;
  std::string weights;       // e.g. "784 x 1200", or empty for a layer without weights
  double weight_values = 0;  // values of its weight tensors, biases aside
  // Builds the layer, drawing its initial weights (or a dropout or noise layer's seed)
  // from init_rng. `data_mean` (per input pixel, in (0, 1)) is needed only by
  // layers that set bias_from_data_mean_logit.
  std::function<absl::StatusOr<std::unique_ptr<Layer>>(Rng& init_rng, const std::vector<float>* data_mean)> make;
};
// Errors say what is wrong, starting with the kind: "(maxout): units and
// pieces must be positive".
absl::StatusOr<LayerPlan> PlanLayer(const proto::Layer& spec, const Shape& input);

// PlanLayer, then its plan's make; errors as theirs.
absl::StatusOr<std::unique_ptr<Layer>> MakeLayer(const proto::Layer& spec, const Shape& input, Rng& init_rng,
                                                 const std::vector<float>* data_mean);

// The output shape of the net `config` describes on inputs of `input`,
// without building it; errors as BuildMlp's.
absl::StatusOr<Shape> OutputShape(const proto::Mlp& config, const Shape& input);

// The input shapes of an experiment's nets: G reads noise_dim values (then a
// conditional experiment's classes); D reads G's output `image` (a
// conditional D: its values, then the classes, as flat rows).
Shape GeneratorInputShape(const proto::Experiment& experiment);
Shape DiscriminatorInputShape(const proto::Experiment& experiment, const Shape& image);

// Builds an Mlp from its description, initialised from `seed`. `data_mean`
// (per input pixel, in (0, 1)) is needed only by layers that set
// bias_from_data_mean_logit. Errors name the layer and what is wrong with it;
// a net larger than this machine's memory is refused before anything is
// allocated.
absl::StatusOr<std::unique_ptr<Mlp>> BuildMlp(const proto::Mlp& config, const Shape& input, uint64_t seed,
                                              const std::vector<float>* data_mean = nullptr);

// OK when `config` names an optimiser with valid settings; else an error
// saying which field is wrong.
absl::Status ValidateOptimizer(const proto::Optimizer& config);

// Builds the optimiser a valid config names; errors as ValidateOptimizer.
absl::StatusOr<std::unique_ptr<Optimizer>> MakeOptimizer(const proto::Optimizer& config,
                                                         std::vector<ParameterRef> params);

}  // namespace gan

#endif  // GAN_NETS_BUILD_H_
