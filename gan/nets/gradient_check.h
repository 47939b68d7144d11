#ifndef GAN_NETS_GRADIENT_CHECK_H_
#define GAN_NETS_GRADIENT_CHECK_H_

// Test support: a double-precision reference of an Mlp's forward pass (naive
// loops, no oneDNN), and a check of the Mlp's analytic gradients against
// central finite differences of that reference.

#include <cstdint>
#include <vector>

#include "gan/nets/mlp.h"

namespace gan {

// The Mlp's parameters as double, in Mlp::Parameters() order.
std::vector<std::vector<double>> ParametersAsDouble(Mlp& mlp);

// y = mlp(x) for x [batch, in] in double with the given parameters, each
// layer by its Layer::ReferenceForward. In training, stochastic layers draw
// from copies of `streams_before`: the net's random streams
// (CopyRandomStreams) as they were before the Forward being reproduced; in
// inference `streams_before` may be empty.
std::vector<double> ReferenceForward(Mlp& mlp, const std::vector<std::vector<double>>& params, const std::vector<double>& x,
                                     int64_t batch, bool training, const std::vector<Rng>& streams_before);

// Copies of mlp.RandomStreams(), in order.
std::vector<Rng> CopyRandomStreams(Mlp& mlp);

// Runs pass.Forward(training) on x [pass.batch(), in]; returns the net's
// random streams as they were before it, for ReferenceForward to reproduce
// that pass.
std::vector<Rng> ForwardKeepingStreams(MlpPass& pass, const std::vector<float>& x, bool training);

struct GradientCheckReport {
  int64_t checked = 0;         // entries compared
  double max_error = 0;        // max |analytic - numeric| / max(1, |numeric|)
  double max_abs_gradient = 0; // so a check of all-zero gradients is visible
};

// Objective L = sum(c * mlp(x)) with random x in [-1, 1] and c in [-1, 1].
// Compares dL/dx and dL/dparameter (all entries of tensors up to
// `entries_per_tensor`, else that many random ones) from mlp.Backward with
// central differences (step 1e-6) of ReferenceForward, in a pass of its own.
GradientCheckReport CheckGradients(Mlp& mlp, int64_t batch, bool training, uint64_t seed,
                                   int64_t entries_per_tensor = 64);

}  // namespace gan

#endif  // GAN_NETS_GRADIENT_CHECK_H_
