#include "gan/nets/gradient_check.h"

#include <algorithm>
#include <cmath>

namespace gan {
std::vector<std::vector<double>> ParametersAsDouble(Mlp& mlp) {
  std::vector<std::vector<double>> params;
  for (const ParameterRef& p : mlp.Parameters()) params.emplace_back(p.value, p.value + p.size);
  return params;
}

std::vector<double> ReferenceForward(Mlp& mlp, const std::vector<std::vector<double>>& params, const std::vector<double>& x,
                                     int64_t batch, bool training, const std::vector<Rng>& streams_before) {
  std::vector<double> a = x;
  size_t param = 0, stream = 0;
  for (const auto& layer : mlp.layers()) {
    const size_t tensors = layer->Parameters().size(), streams = layer->RandomStreams().size();
    const std::vector<std::vector<double>> own(params.begin() + param, params.begin() + param + tensors);
    // Inference draws nothing: no streams to replay.
    std::vector<Rng> replay;
    if (training) replay.assign(streams_before.begin() + stream, streams_before.begin() + stream + streams);
    a = layer->ReferenceForward(a, batch, own, training, replay);
    param += tensors;
    stream += streams;
  }
  return a;
}

std::vector<Rng> CopyRandomStreams(Mlp& mlp) {
  std::vector<Rng> copies;
  for (Rng* stream : mlp.RandomStreams()) copies.push_back(*stream);
  return copies;
}

std::vector<Rng> ForwardKeepingStreams(MlpPass& pass, const std::vector<float>& x, bool training) {
  std::vector<Rng> before = CopyRandomStreams(pass.net());
  std::copy(x.begin(), x.end(), pass.input());
  pass.Forward(training);
  return before;
}

GradientCheckReport CheckGradients(Mlp& mlp, int64_t batch, bool training, uint64_t seed,
                                   int64_t entries_per_tensor) {
  Rng rng(seed);
  std::vector<float> x(batch * mlp.input_dim()), c(batch * mlp.output_dim());
  rng.FillUniform(x.data(), static_cast<int64_t>(x.size()), -1.0f, 1.0f);
  rng.FillUniform(c.data(), static_cast<int64_t>(c.size()), -1.0f, 1.0f);

  // Analytic: dL/dy = c.
  const std::unique_ptr<MlpPass> pass = mlp.MakePass(batch);
  const std::vector<Rng> streams_before = ForwardKeepingStreams(*pass, x, training);
  std::copy(c.begin(), c.end(), pass->output_grad());
  pass->Backward(/*input_grad=*/true, /*param_grads=*/true);
  std::vector<std::vector<float>> analytic = {std::vector<float>(pass->input_grad(), pass->input_grad() + x.size())};
  for (const ParameterRef& p : mlp.Parameters()) analytic.emplace_back(p.grad, p.grad + p.size);

  // Numeric, in double: tensors[0] is x, then the parameters.
  std::vector<std::vector<double>> tensors = {std::vector<double>(x.begin(), x.end())};
  for (auto& p : ParametersAsDouble(mlp)) tensors.push_back(std::move(p));
  auto objective = [&]() {
    std::vector<std::vector<double>> params(tensors.begin() + 1, tensors.end());
    const std::vector<double> y = ReferenceForward(mlp, params, tensors[0], batch, training, streams_before);
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
