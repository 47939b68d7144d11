#include "gan/adversarial_step.h"

#include <algorithm>
#include <utility>

#include "gan/loss.h"
#include "gan/noise.h"

namespace gan {

AdversarialStep::AdversarialStep(Mlp& generator, Mlp& discriminator, Optimizer& g_optimizer,
                                 Optimizer& d_optimizer, const proto::Experiment& experiment, Rng& noise_rng,
                                 std::function<const float*()> next_data_batch)
    : g_(generator), d_(discriminator), g_opt_(g_optimizer), d_opt_(d_optimizer), experiment_(experiment),
      noise_rng_(noise_rng), next_data_batch_(std::move(next_data_batch)), m_(experiment.batch_size()),
      data_dim_(discriminator.input_dim()), k_(std::max(1, experiment.discriminator_steps())),
      g_rows_(experiment.update_mode() == proto::SIMULTANEOUS ? m_ : (k_ + 1) * m_),
      non_saturating_(experiment.generator_loss() == proto::NON_SATURATING) {
  // Make every pass's buffers and primitives now, not inside the first step.
  // The backward primitives of trailing rows are made on first use: run them
  // once on the zeroed buffers (every value they write is rewritten before it
  // is read).
  g_.Input(g_rows_);
  d_.Input(2 * m_);
  if (experiment_.update_mode() == proto::SIMULTANEOUS) {
    d_.BackwardRows(2 * m_, m_, /*input_grad=*/true, /*param_grads=*/false);
  } else {
    d_.Input(m_);
    g_.BackwardRows(g_rows_, g_rows_ - m_, /*input_grad=*/false, /*param_grads=*/true);
  }
}

void AdversarialStep::GeneratorForward() {
  // One batch of m rows at a time: the draws, in their order, of m-row forwards.
  float* z = g_.Input(g_rows_);  // [g_rows, noise_dim]
  const int64_t batch_values = m_ * g_.input_dim();
  for (int64_t first = 0; first < g_rows_; first += m_) {
    FillNoise(experiment_.noise(), noise_rng_, z + first * g_.input_dim(), batch_values);
  }
  g_.Forward(g_rows_, /*training=*/true);
}

StepStats AdversarialStep::DiscriminatorGradients(const float* generated) {
  float* d_in = d_.Input(2 * m_);  // [2m, data_dim]: data rows, then generated rows
  const float* x = next_data_batch_();
  std::copy(x, x + m_ * data_dim_, d_in);
  std::copy(generated, generated + m_ * data_dim_, d_in + m_ * data_dim_);
  d_.Forward(2 * m_, /*training=*/true);

  StepStats stats;
  const Objective d = DiscriminatorObjective(d_.Output(2 * m_), m_, d_.OutputGrad(2 * m_), &stats.mean_d_fake);
  stats.d_loss = d.value;
  stats.mean_d_real = d.mean_d;
  d_.Backward(2 * m_, /*input_grad=*/false, /*param_grads=*/true);
  return stats;
}

StepStats AdversarialStep::DiscriminatorUpdate(const float* generated) {
  const StepStats stats = DiscriminatorGradients(generated);
  d_opt_.Step();
  d_.ApplyConstraints();
  return stats;
}

StepStats AdversarialStep::GeneratorUpdate() {
  const int64_t first = g_rows_ - m_;
  const float* generated = g_.Output(g_rows_) + first * data_dim_;  // G(z_k+1) [m, data_dim]
  std::copy(generated, generated + m_ * data_dim_, d_.Input(m_));
  d_.Forward(m_, /*training=*/true);
  StepStats stats;
  stats.g_loss = GeneratorObjective(d_.Output(m_), m_, non_saturating_, d_.OutputGrad(m_)).value;
  // G's gradient flows through D's input; D's own parameter gradients are not needed.
  d_.Backward(m_, /*input_grad=*/true, /*param_grads=*/false);
  std::copy(d_.InputGrad(m_), d_.InputGrad(m_) + m_ * data_dim_, g_.OutputGrad(g_rows_) + first * data_dim_);
  g_.BackwardRows(g_rows_, first, /*input_grad=*/false, /*param_grads=*/true);
  g_opt_.Step();
  g_.ApplyConstraints();
  return stats;
}

StepStats AdversarialStep::SimultaneousUpdate() {
  GeneratorForward();
  StepStats stats = DiscriminatorGradients(g_.Output(m_));

  // The G objective from the same forward pass. It depends on the generated
  // rows only, so only their input gradient is computed.
  float* d_out_grad = d_.OutputGrad(2 * m_);  // [2m, 1]
  const float* logits = d_.Output(2 * m_);
  stats.g_loss = GeneratorObjective(logits + m_, m_, non_saturating_, d_out_grad + m_).value;
  d_.BackwardRows(2 * m_, /*first_row=*/m_, /*input_grad=*/true, /*param_grads=*/false);
  const float* fake_input_grad = d_.InputGrad(2 * m_) + m_ * data_dim_;
  std::copy(fake_input_grad, fake_input_grad + m_ * data_dim_, g_.OutputGrad(m_));
  g_.Backward(m_, /*input_grad=*/false, /*param_grads=*/true);

  d_opt_.Step();
  g_opt_.Step();
  d_.ApplyConstraints();
  g_.ApplyConstraints();
  return stats;
}

StepStats AdversarialStep::Run() {
  if (experiment_.update_mode() == proto::SIMULTANEOUS) return SimultaneousUpdate();
  GeneratorForward();
  StepStats stats;
  for (int64_t i = 0; i < k_; ++i) stats = DiscriminatorUpdate(g_.Output(g_rows_) + i * m_ * data_dim_);
  stats.g_loss = GeneratorUpdate().g_loss;
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
