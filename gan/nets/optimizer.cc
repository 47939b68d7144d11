#include "gan/nets/optimizer.h"

#include <algorithm>
#include <cmath>
#include <utility>


namespace gan {

namespace {
// The folded velocity's scale c below which it is multiplied into s.
constexpr double kRenormalizeBelow = 0x1.0p-16;
}  // namespace

SgdMomentum::SgdMomentum(std::vector<ParameterRef> params, const proto::SgdMomentum& config)
    : params_(std::move(params)), config_(config),
      learning_rate_(config.learning_rate()), momentum_(config.initial_momentum()) {
  for (const ParameterRef& p : params_) {
    velocity_.emplace_back(p.size, 0.0f);
    const bool fold = config.fold_into_products() && p.fold != nullptr;
    if (fold) *p.fold = FoldedMomentum{velocity_.back().data(), [this] { return NextFoldedUpdate(); }};
    folded_.push_back(fold);
  }
}

SgdMomentum::~SgdMomentum() {
  // A later optimiser over the same tensors (a new training phase) may have
  // taken the fold already; only this one's is undone.
  for (size_t t = 0; t < params_.size(); ++t) {
    if (folded_[t] && params_[t].fold->velocity == velocity_[t].data()) *params_[t].fold = FoldedMomentum{};
  }
}

FoldedUpdate SgdMomentum::NextFoldedUpdate() const {
  double scale = NextVelocityScale();
  FoldedUpdate u = {static_cast<float>(-learning_rate_ / scale), 1.0f, 0.0f, false};
  if (scale == 0) u = {-static_cast<float>(learning_rate_), 0.0f, 0.0f, false}, scale = 1;
  u.scale = static_cast<float>(scale);
  u.renormalize = scale < kRenormalizeBelow;
  return u;
}

void SgdMomentum::Step() {
  const float lr = static_cast<float>(learning_rate_), momentum = static_cast<float>(momentum_);
  // The folded tensors moved in their layers' backward (NextFoldedUpdate).
  velocity_scale_ = NextVelocityScale();
  if (velocity_scale_ == 0 || velocity_scale_ < kRenormalizeBelow) velocity_scale_ = 1;
  // One parallel region for all tensors, no barrier between them: the tensors
  // are independent, and the small ones (biases) would otherwise cost a thread
  // fork and join each.
#pragma omp parallel
  for (size_t t = 0; t < params_.size(); ++t) {
    if (folded_[t]) continue;
    float* w = params_[t].value;
    const float* g = params_[t].grad;
    float* v = velocity_[t].data();
    const int64_t n = params_[t].size;
#pragma omp for simd nowait
    for (int64_t i = 0; i < n; ++i) {
      v[i] = momentum * v[i] - lr * g[i];
      w[i] += v[i];
    }
  }
  updates_ += 1;
  if (config_.lr_decay_factor() > 0) {
    learning_rate_ = std::max(double{config_.learning_rate()} / std::pow(config_.lr_decay_factor(), updates_),
                              double{config_.min_learning_rate()});
  }
}

void SgdMomentum::StartEpoch(int epoch) {
  const int start = config_.momentum_start_epoch(), saturate = config_.momentum_saturate_epoch();
  double progress = 1.0;
  if (saturate > start) progress = std::clamp(double(epoch - start) / double(saturate - start), 0.0, 1.0);
  momentum_ = config_.initial_momentum() + (config_.final_momentum() - config_.initial_momentum()) * progress;
}

std::vector<double*> SgdMomentum::StateScalars() {
  if (!config_.fold_into_products()) return {&learning_rate_, &momentum_, &updates_};
  return {&learning_rate_, &momentum_, &updates_, &velocity_scale_};
}

std::vector<std::vector<float>*> SgdMomentum::StateTensors() {
  std::vector<std::vector<float>*> state;
  for (auto& v : velocity_) state.push_back(&v);
  return state;
}

Adam::Adam(std::vector<ParameterRef> params, const proto::Adam& config)
    : params_(std::move(params)), config_(config) {
  for (const ParameterRef& p : params_) {
    first_moment_.emplace_back(p.size, 0.0f);
    second_moment_.emplace_back(p.size, 0.0f);
  }
}

void Adam::Step() {
  steps_ += 1;
  const double beta1 = config_.beta1(), beta2 = config_.beta2();
  // Bias corrections folded into the step size and epsilon.
  const float step = static_cast<float>(config_.learning_rate() * std::sqrt(1 - std::pow(beta2, steps_)) /
                                        (1 - std::pow(beta1, steps_)));
  const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const float eps = static_cast<float>(config_.epsilon() * std::sqrt(1 - std::pow(beta2, steps_)));
#pragma omp parallel  // one region for all tensors, as in SgdMomentum::Step
  for (size_t t = 0; t < params_.size(); ++t) {
    float* w = params_[t].value;
    const float* g = params_[t].grad;
    float* m = first_moment_[t].data();
    float* v = second_moment_[t].data();
    const int64_t n = params_[t].size;
#pragma omp for simd nowait
    for (int64_t i = 0; i < n; ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      w[i] -= step * m[i] / (std::sqrt(v[i]) + eps);
    }
  }
}

std::vector<std::vector<float>*> Adam::StateTensors() {
  std::vector<std::vector<float>*> state;
  for (auto& m : first_moment_) state.push_back(&m);
  for (auto& v : second_moment_) state.push_back(&v);
  return state;
}

}  // namespace gan
