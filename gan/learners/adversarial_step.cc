#include "gan/learners/adversarial_step.h"

#include <algorithm>
#include <utility>

#include "gan/objectives/loss.h"
#include "gan/spec/noise.h"

namespace gan {

AdversarialStep::AdversarialStep(Mlp& generator, Mlp& discriminator, const proto::Experiment& experiment,
                                 Rng& noise_rng, std::function<const float*()> next_data_batch)
    : g_(generator), d_(discriminator), experiment_(experiment), noise_rng_(noise_rng),
      next_data_batch_(std::move(next_data_batch)), m_(experiment.batch_size()), data_dim_(discriminator.input_dim()),
      k_(std::max(1, experiment.discriminator_steps())),
      g_rows_(experiment.update_mode() == proto::SIMULTANEOUS ? m_ : (k_ + 1) * m_),
      non_saturating_(experiment.generator_loss() == proto::NON_SATURATING) {
  if (experiment_.update_mode() == proto::SIMULTANEOUS) {
    g_pass_ = g_.MakePass(g_rows_);
    d_pass_ = d_.MakePass(2 * m_, /*tail_first_rows=*/{m_});
  } else {
    g_pass_ = g_.MakePass(g_rows_, /*tail_first_rows=*/{g_rows_ - m_});
    d_pass_ = d_.MakePass(2 * m_);
    d_generated_pass_ = d_.MakePass(m_);
  }
}

void AdversarialStep::GeneratorForward() {
  // One batch of m rows at a time: the draws, in their order, of m-row forwards.
  float* z = g_pass_->input();  // [g_rows, noise_dim]
  const int64_t batch_values = m_ * g_.input_dim();
  for (int64_t first = 0; first < g_rows_; first += m_) {
    FillNoise(experiment_.noise(), noise_rng_, z + first * g_.input_dim(), batch_values);
  }
  g_pass_->Forward(/*training=*/true);
}

void AdversarialStep::DiscriminatorForward(const float* generated) {
  MlpPass& d = *d_pass_;
  float* d_in = d.input();  // [2m, data_dim]: data rows, then generated rows
  const float* x = next_data_batch_();
  std::copy(x, x + m_ * data_dim_, d_in);
  std::copy(generated, generated + m_ * data_dim_, d_in + m_ * data_dim_);
  d.Forward(/*training=*/true);
}

void AdversarialStep::DiscriminatorBackward(StepStats& stats) {
  MlpPass& d = *d_pass_;
  const Objective objective = DiscriminatorObjective(d.output(), m_, d.output_grad(), &stats.mean_d_fake);
  stats.d_loss = objective.value;
  stats.mean_d_real = objective.mean_d;
  d.Backward(/*input_grad=*/false, /*param_grads=*/true);
}

StepStats AdversarialStep::DiscriminatorUpdate(const float* generated, Optimizer& d_optimizer) {
  StepStats stats;
  DiscriminatorForward(generated);
  DiscriminatorBackward(stats);
  d_optimizer.Step();
  d_.ApplyConstraints();
  return stats;
}

StepStats AdversarialStep::GeneratorUpdate(Optimizer& g_optimizer) {
  MlpPass& g = *g_pass_;
  MlpPass& d = *d_generated_pass_;
  const int64_t first = g_rows_ - m_;
  const float* generated = g.output() + first * data_dim_;  // G(z_k+1) [m, data_dim]
  std::copy(generated, generated + m_ * data_dim_, d.input());
  d.Forward(/*training=*/true);
  StepStats stats;
  stats.g_loss = GeneratorObjective(d.output(), m_, non_saturating_, d.output_grad()).value;
  // G's gradient flows through D's input; D's own parameter gradients are not needed.
  d.Backward(/*input_grad=*/true, /*param_grads=*/false);
  std::copy(d.input_grad(), d.input_grad() + m_ * data_dim_, g.output_grad() + first * data_dim_);
  g.BackwardRows(first, /*input_grad=*/false, /*param_grads=*/true);
  g_optimizer.Step();
  g_.ApplyConstraints();
  return stats;
}

StepStats AdversarialStep::SimultaneousUpdate(Optimizer& g_optimizer, Optimizer& d_optimizer) {
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
  d.BackwardRows(/*first_row=*/m_, /*input_grad=*/true, /*param_grads=*/false);
  const float* fake_input_grad = d.input_grad() + m_ * data_dim_;
  std::copy(fake_input_grad, fake_input_grad + m_ * data_dim_, g.output_grad());

  DiscriminatorBackward(stats);
  g.Backward(/*input_grad=*/false, /*param_grads=*/true);

  d_optimizer.Step();
  g_optimizer.Step();
  d_.ApplyConstraints();
  g_.ApplyConstraints();
  return stats;
}

StepStats AdversarialStep::Run(Optimizer& g_optimizer, Optimizer& d_optimizer) {
  if (experiment_.update_mode() == proto::SIMULTANEOUS) return SimultaneousUpdate(g_optimizer, d_optimizer);
  GeneratorForward();
  StepStats stats;
  for (int64_t i = 0; i < k_; ++i) stats = DiscriminatorUpdate(g_pass_->output() + i * m_ * data_dim_, d_optimizer);
  stats.g_loss = GeneratorUpdate(g_optimizer).g_loss;
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
