#include "gan/learners/adversarial_step.h"

#include <algorithm>
#include <utility>

#include "gan/objectives/loss.h"
#include "gan/spec/noise.h"

namespace gan {

AdversarialStep::AdversarialStep(Mlp& generator, Mlp& discriminator, const proto::Experiment& experiment,
                                 Rng& noise_rng, std::function<const float*()> next_data_batch, distributed::Group& group)
    : g_(generator), d_(discriminator), experiment_(experiment), noise_rng_(noise_rng),
      next_data_batch_(std::move(next_data_batch)), group_(group), m_whole_(experiment.batch_size()),
      m_(m_whole_ / group.size()), data_dim_(discriminator.input_dim()), k_(std::max(1, experiment.discriminator_steps())),
      g_rows_(experiment.update_mode() == proto::SIMULTANEOUS ? m_ : (k_ + 1) * m_),
      non_saturating_(experiment.generator_loss() == proto::NON_SATURATING) {
  // Every pass is made of blocks of m rows (data, generated, or one noise
  // batch each), of which this process holds its slice.
  RowShare share;
  if (group.size() > 1) {
    share = {.part = group.rank(), .parts = group.size(), .slice_rows = m_};
    whole_noise_.resize(m_whole_ * g_.input_dim());
    sum_each_layer_ = [this](Layer& layer) {
      for (const ParameterRef& p : layer.Parameters()) group_.StartSum(p.grad, p.size);
      group_.Progress();
    };
  }
  if (experiment_.update_mode() == proto::SIMULTANEOUS) {
    g_pass_ = g_.MakePass(g_rows_, {}, share);
    d_pass_ = d_.MakePass(2 * m_, /*tail_first_rows=*/{m_}, share);
  } else {
    g_pass_ = g_.MakePass(g_rows_, /*tail_first_rows=*/{g_rows_ - m_}, share);
    d_pass_ = d_.MakePass(2 * m_, {}, share);
    d_generated_pass_ = d_.MakePass(m_, {}, share);
  }
}

void AdversarialStep::CopySlice(const float* whole, int64_t width, float* slice) const {
  const float* from = whole + group_.rank() * m_ * width;
  std::copy(from, from + m_ * width, slice);
}

void AdversarialStep::ScaleForGroup(float* output_grad, int64_t rows) const {
  if (group_.size() == 1) return;
  // Each process's objective is the mean over its rows; the group's is the
  // mean of those means.
  const float scale = 1.0f / static_cast<float>(group_.size());
  for (int64_t i = 0; i < rows; ++i) output_grad[i] *= scale;
}

void AdversarialStep::GeneratorForward() {
  // One batch of m rows at a time: the draws, in their order, of m-row forwards.
  float* z = g_pass_->input();  // [g_rows, noise_dim]
  const int64_t noise_dim = g_.input_dim();
  for (int64_t first = 0; first < g_rows_; first += m_) {
    if (group_.size() == 1) {
      FillNoise(experiment_.noise(), noise_rng_, z + first * noise_dim, m_ * noise_dim);
    } else {
      FillNoise(experiment_.noise(), noise_rng_, whole_noise_.data(), m_whole_ * noise_dim);
      CopySlice(whole_noise_.data(), noise_dim, z + first * noise_dim);
    }
  }
  g_pass_->Forward(/*training=*/true);
}

void AdversarialStep::DiscriminatorForward(const float* generated) {
  MlpPass& d = *d_pass_;
  float* d_in = d.input();  // [2m, data_dim]: data rows, then generated rows
  CopySlice(next_data_batch_(), data_dim_, d_in);
  std::copy(generated, generated + m_ * data_dim_, d_in + m_ * data_dim_);
  d.Forward(/*training=*/true);
}

void AdversarialStep::DiscriminatorBackward(StepStats& stats) {
  MlpPass& d = *d_pass_;
  const Objective objective = DiscriminatorObjective(d.output(), m_, d.output_grad(), &stats.mean_d_fake);
  stats.d_loss = objective.value;
  stats.mean_d_real = objective.mean_d;
  ScaleForGroup(d.output_grad(), 2 * m_);
  d.Backward(/*input_grad=*/false, /*param_grads=*/true, sum_each_layer_);
}

absl::StatusOr<StepStats> AdversarialStep::DiscriminatorUpdate(const float* generated, Optimizer& d_optimizer) {
  StepStats stats;
  DiscriminatorForward(generated);
  DiscriminatorBackward(stats);
  if (absl::Status summed = group_.FinishSums(); !summed.ok()) return summed;
  d_optimizer.Step();
  d_.ApplyConstraints();
  return stats;
}

absl::StatusOr<StepStats> AdversarialStep::GeneratorUpdate(Optimizer& g_optimizer) {
  MlpPass& g = *g_pass_;
  MlpPass& d = *d_generated_pass_;
  const int64_t first = g_rows_ - m_;
  const float* generated = g.output() + first * data_dim_;  // G(z_k+1) [m, data_dim]
  std::copy(generated, generated + m_ * data_dim_, d.input());
  d.Forward(/*training=*/true);
  StepStats stats;
  stats.g_loss = GeneratorObjective(d.output(), m_, non_saturating_, d.output_grad()).value;
  ScaleForGroup(d.output_grad(), m_);
  // G's gradient flows through D's input; D's own parameter gradients are not needed.
  d.Backward(/*input_grad=*/true, /*param_grads=*/false);
  std::copy(d.input_grad(), d.input_grad() + m_ * data_dim_, g.output_grad() + first * data_dim_);
  g.BackwardRows(first, /*input_grad=*/false, /*param_grads=*/true, sum_each_layer_);
  if (absl::Status summed = group_.FinishSums(); !summed.ok()) return summed;
  g_optimizer.Step();
  g_.ApplyConstraints();
  return stats;
}

absl::StatusOr<StepStats> AdversarialStep::SimultaneousUpdate(Optimizer& g_optimizer, Optimizer& d_optimizer) {
  MlpPass& g = *g_pass_;
  MlpPass& d = *d_pass_;
  GeneratorForward();
  DiscriminatorForward(g.output());

  // The G objective first: its backward through D must read D's parameters
  // before D's own backward updates them (a folded update moves each layer
  // in its backward: gan/nets/optimizer.h). It depends on the generated rows
  // only, so only their input gradient is computed.
  StepStats stats;
  float* d_out_grad = d.output_grad();  // [2m, 1]
  const float* logits = d.output();
  stats.g_loss = GeneratorObjective(logits + m_, m_, non_saturating_, d_out_grad + m_).value;
  ScaleForGroup(d_out_grad + m_, m_);
  d.BackwardRows(/*first_row=*/m_, /*input_grad=*/true, /*param_grads=*/false);
  const float* fake_input_grad = d.input_grad() + m_ * data_dim_;
  std::copy(fake_input_grad, fake_input_grad + m_ * data_dim_, g.output_grad());

  DiscriminatorBackward(stats);  // D's sums start here, and run while G's backward is computed
  g.Backward(/*input_grad=*/false, /*param_grads=*/true, sum_each_layer_);
  if (absl::Status summed = group_.FinishSums(); !summed.ok()) return summed;

  d_optimizer.Step();
  g_optimizer.Step();
  d_.ApplyConstraints();
  g_.ApplyConstraints();
  return stats;
}

absl::StatusOr<StepStats> AdversarialStep::Run(Optimizer& g_optimizer, Optimizer& d_optimizer) {
  if (experiment_.update_mode() == proto::SIMULTANEOUS) return SimultaneousUpdate(g_optimizer, d_optimizer);
  GeneratorForward();
  StepStats stats;
  for (int64_t i = 0; i < k_; ++i) {
    absl::StatusOr<StepStats> d_stats = DiscriminatorUpdate(g_pass_->output() + i * m_ * data_dim_, d_optimizer);
    if (!d_stats.ok()) return d_stats.status();
    stats = *d_stats;
  }
  absl::StatusOr<StepStats> g_stats = GeneratorUpdate(g_optimizer);
  if (!g_stats.ok()) return g_stats.status();
  stats.g_loss = g_stats->g_loss;
  return stats;
}

double AdversarialStep::MatmulFlops() const {
  // Per row: a forward pass, and the forward of the first layer with products
  // (whose backward data nothing needs).
  struct {
    double forward, first_layer_forward;
  } const g = {g_.ForwardFlopsPerRow(), g_.FirstLayerForwardFlopsPerRow()},
          d = {d_.ForwardFlopsPerRow(), d_.FirstLayerForwardFlopsPerRow()};
  const double m = static_cast<double>(m_);
  // D update: G forward (m rows); D forward, backward weights and backward
  // data of all but the first layer (2m rows).
  const double d_update = m * g.forward + 2 * m * (3 * d.forward - d.first_layer_forward);
  // G update: G forward, backward weights and backward data of all but its
  // first layer (m rows); D forward and backward data (m rows).
  const double g_update = m * 2 * d.forward + m * (3 * g.forward - g.first_layer_forward);
  if (experiment_.update_mode() == proto::SIMULTANEOUS) {
    // D forward, backward weights and backward data of all but the first
    // layer (2m rows, the D objective); backward data of all layers for the
    // generated rows (m rows, the G objective); G forward and backward as in
    // the G update.
    return 2 * m * (3 * d.forward - d.first_layer_forward) + m * d.forward + m * (3 * g.forward - g.first_layer_forward);
  }
  return k_ * d_update + g_update;
}

}  // namespace gan
