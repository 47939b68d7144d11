#include "gan/gradient_check.h"

#include <algorithm>
#include <cmath>

namespace gan {
namespace {

Activation ActivationOf(Layer* layer) {
  auto* linear = dynamic_cast<Linear*>(layer);
  return linear ? linear->activation() : Activation::kIdentity;
}

// z[n, o] = sum_i x[n, i] W[i, o] + b[o]
std::vector<double> Affine(const std::vector<double>& x, int64_t batch, int64_t in, int64_t out,
                           const std::vector<double>& w, const std::vector<double>& b) {
  std::vector<double> z(batch * out);
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t o = 0; o < out; ++o) {
      double sum = b[o];
      for (int64_t i = 0; i < in; ++i) sum += x[n * in + i] * w[i * out + o];
      z[n * out + o] = sum;
    }
  }
  return z;
}

}  // namespace

std::vector<std::vector<double>> ParametersAsDouble(Mlp& mlp) {
  std::vector<std::vector<double>> params;
  for (const ParameterRef& p : mlp.Parameters()) params.emplace_back(p.value, p.value + p.size);
  return params;
}

std::vector<double> ReferenceForward(Mlp& mlp, const std::vector<std::vector<double>>& params,
                                     const std::vector<double>& x, int64_t batch,
                                     const std::vector<std::vector<float>>& dropout_masks) {
  std::vector<double> a = x;
  size_t param = 0, mask = 0;
  for (const auto& layer : mlp.layers()) {
    const int64_t in = layer->input_dim(), out = layer->output_dim();
    if (auto* maxout = dynamic_cast<Maxout*>(layer.get())) {
      const int64_t pieces = maxout->pieces();
      std::vector<double> z = Affine(a, batch, in, out * pieces, params[param], params[param + 1]);
      param += 2;
      a.assign(batch * out, 0.0);
      for (int64_t i = 0; i < batch * out; ++i) {
        a[i] = *std::max_element(z.begin() + i * pieces, z.begin() + (i + 1) * pieces);
      }
    } else if (dynamic_cast<Dropout*>(layer.get()) != nullptr) {
      if (!dropout_masks.empty()) {
        for (int64_t i = 0; i < batch * in; ++i) a[i] *= dropout_masks[mask][i];
      }
      ++mask;
    } else {
      a = Affine(a, batch, in, out, params[param], params[param + 1]);
      param += 2;
      const Activation activation = ActivationOf(layer.get());
      for (double& v : a) {
        if (activation == Activation::kRelu) v = std::max(v, 0.0);
        if (activation == Activation::kSigmoid) v = 1.0 / (1.0 + std::exp(-v));
      }
    }
  }
  return a;
}

std::vector<std::vector<float>> ForwardRecordingMasks(Mlp& mlp, const std::vector<float>& x, int64_t batch,
                                                      bool training) {
  std::vector<std::vector<float>> masks;
  std::vector<Rng> replay;
  for (const auto& layer : mlp.layers()) {
    if (auto* dropout = dynamic_cast<Dropout*>(layer.get())) replay.push_back(dropout->rng());
  }
  std::copy(x.begin(), x.end(), mlp.Input(batch));
  mlp.Forward(batch, training);
  if (!training) return masks;
  size_t index = 0;
  for (const auto& layer : mlp.layers()) {
    if (auto* dropout = dynamic_cast<Dropout*>(layer.get())) {
      masks.emplace_back(batch * dropout->input_dim());
      DrawDropoutMask(replay[index++], dropout->keep_prob(), masks.back().data(), batch * dropout->input_dim());
    }
  }
  return masks;
}

GradientCheckReport CheckGradients(Mlp& mlp, int64_t batch, bool training, uint64_t seed,
                                   int64_t entries_per_tensor) {
  Rng rng(seed);
  std::vector<float> x(batch * mlp.input_dim()), c(batch * mlp.output_dim());
  rng.FillUniform(x.data(), static_cast<int64_t>(x.size()), -1.0f, 1.0f);
  rng.FillUniform(c.data(), static_cast<int64_t>(c.size()), -1.0f, 1.0f);

  // Analytic: dL/dy = c.
  const std::vector<std::vector<float>> masks = ForwardRecordingMasks(mlp, x, batch, training);
  std::copy(c.begin(), c.end(), mlp.OutputGrad(batch));
  mlp.Backward(batch, /*input_grad=*/true, /*param_grads=*/true);
  std::vector<std::vector<float>> analytic = {std::vector<float>(mlp.InputGrad(batch), mlp.InputGrad(batch) + x.size())};
  for (const ParameterRef& p : mlp.Parameters()) analytic.emplace_back(p.grad, p.grad + p.size);

  // Numeric, in double: tensors[0] is x, then the parameters.
  std::vector<std::vector<double>> tensors = {std::vector<double>(x.begin(), x.end())};
  for (auto& p : ParametersAsDouble(mlp)) tensors.push_back(std::move(p));
  auto objective = [&]() {
    std::vector<std::vector<double>> params(tensors.begin() + 1, tensors.end());
    const std::vector<double> y = ReferenceForward(mlp, params, tensors[0], batch, masks);
    double sum = 0;
    for (size_t i = 0; i < y.size(); ++i) sum += c[i] * y[i];
    return sum;
  };

  constexpr double kStep = 1e-6;
  GradientCheckReport report;
  for (size_t t = 0; t < tensors.size(); ++t) {
    const int64_t size = static_cast<int64_t>(tensors[t].size());
    const int64_t count = std::min(size, entries_per_tensor);
    for (int64_t k = 0; k < count; ++k) {
      const int64_t i = size <= entries_per_tensor ? k : static_cast<int64_t>(rng.NextU64() % size);
      const double saved = tensors[t][i];
      tensors[t][i] = saved + kStep;
      const double plus = objective();
      tensors[t][i] = saved - kStep;
      const double minus = objective();
      tensors[t][i] = saved;
      const double numeric = (plus - minus) / (2 * kStep);
      const double error = std::abs(analytic[t][i] - numeric) / std::max(1.0, std::abs(numeric));
      report.max_error = std::max(report.max_error, error);
      report.max_abs_gradient = std::max(report.max_abs_gradient, std::abs(numeric));
      ++report.checked;
    }
  }
  return report;
}

}  // namespace gan
