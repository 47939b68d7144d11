#include "gan/learners/adversarial_step.h"

#include <algorithm>
#include <utility>

#include "gan/objectives/loss.h"
#include "gan/spec/inpainting.h"
#include "gan/spec/noise.h"

namespace gan {

AdversarialStep::AdversarialStep(Mlp& generator, Mlp& discriminator, const proto::Experiment& experiment,
                                 Rng& noise_rng, std::function<const float*()> next_data_batch, distributed::Group& group,
                                 std::vector<int32_t> class_frequencies)
    : g_(generator), d_(discriminator), experiment_(experiment), noise_rng_(noise_rng),
      next_data_batch_(std::move(next_data_batch)), group_(group), m_whole_(experiment.batch_size()),
      m_(m_whole_ / group.size()), data_dim_(discriminator.input_dim()), image_dim_(generator.output_dim()),
      classes_(ConditionClasses(experiment)), condition_dim_(ConditionDim(experiment)), inpainting_(experiment.has_inpainting()),
      class_frequencies_(std::move(class_frequencies)), k_(std::max(1, experiment.discriminator_steps())),
      g_rows_(experiment.update_mode() == proto::SIMULTANEOUS ? m_ : (k_ + 1) * m_),
      non_saturating_(experiment.generator_loss() == proto::NON_SATURATING) {
  // Every pass is made of blocks of m rows (data, generated, or one noise
  // batch each), of which this process holds its slice.
  RowShare share;
  if (classes_ > 0) whole_classes_.resize(m_whole_);
  if (inpainting_) inpainting_mask_.resize(image_dim_);
  if (group.size() > 1 || classes_ > 0) whole_noise_.resize(m_whole_ * experiment.noise_dim());
  if (group.size() > 1) {
    share = {.part = group.rank(), .parts = group.size(), .slice_rows = m_};
    // Each layer's gradient tensors, listed once: Parameters() builds names.
    for (const Mlp* net : {&g_, &d_}) {
      for (const std::unique_ptr<Layer>& layer : net->layers()) {
        std::vector<GradientTensor>& tensors = gradients_of_layer_[layer.get()];
        for (const ParameterRef& p : layer->Parameters()) tensors.push_back({p.grad, p.size});
      }
    }
    sum_each_layer_ = [this](Layer& layer) {
      for (const GradientTensor& tensor : gradients_of_layer_.at(&layer)) group_.StartSum(tensor.values, tensor.size);
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
  float* g_in = g_pass_->input();  // [g_rows, noise_dim (+ condition)]
  const int64_t noise_dim = experiment_.noise_dim();
  if (inpainting_) {  // simultaneous and alone: one batch of m rows
    inpainting_images_ = next_data_batch_();
    FillTrainingInputs(experiment_, noise_rng_, inpainting_images_, m_, m_, g_in);
    g_pass_->Forward(/*training=*/true);
    return;
  }
  for (int64_t first = 0; first < g_rows_; first += m_) {
    if (group_.size() == 1 && classes_ == 0) {
      FillNoise(experiment_.noise(), noise_rng_, g_in + first * noise_dim, m_ * noise_dim);
      continue;
    }
    FillNoise(experiment_.noise(), noise_rng_, whole_noise_.data(), m_whole_ * noise_dim);
    if (classes_ == 0) {
      CopySlice(whole_noise_.data(), noise_dim, g_in + first * noise_dim);
      continue;
    }
    // A conditional G's rows: z, then its class one-hot, the class of a
    // training example drawn at random (the labels' frequencies).
    for (int32_t& c : whole_classes_) c = class_frequencies_[noise_rng_.NextU64() % class_frequencies_.size()];
    const int64_t width = noise_dim + classes_;
    for (int64_t r = 0; r < m_; ++r) {
      const int64_t whole_row = group_.rank() * m_ + r;
      float* row = g_in + (first + r) * width;
      std::copy(whole_noise_.data() + whole_row * noise_dim, whole_noise_.data() + (whole_row + 1) * noise_dim, row);
      std::fill(row + noise_dim, row + width, 0.0f);
      row[noise_dim + whole_classes_[whole_row]] = 1.0f;
    }
  }
  g_pass_->Forward(/*training=*/true);
}

void AdversarialStep::GeneratedToDiscriminator(int64_t first_g_row, float* d_rows) const {
  const float* generated = g_pass_->output() + first_g_row * image_dim_;  // [m, image_dim]
  if (condition_dim_ == 0) {
    std::copy(generated, generated + m_ * image_dim_, d_rows);
    return;
  }
  const int64_t noise_dim = experiment_.noise_dim(), g_width = noise_dim + condition_dim_;
  const float* g_in = g_pass_->input() + first_g_row * g_width;
  for (int64_t r = 0; r < m_; ++r) {
    const float* condition = g_in + r * g_width + noise_dim;
    float* d_row = d_rows + r * data_dim_;
    if (inpainting_) {
      Complete(generated + r * image_dim_, condition, image_dim_, d_row);
    } else {
      std::copy(generated + r * image_dim_, generated + (r + 1) * image_dim_, d_row);
    }
    std::copy(condition, condition + condition_dim_, d_row + image_dim_);
  }
}

void AdversarialStep::DiscriminatorGradToGenerator(const float* d_input_grad, int64_t first_g_row) const {
  float* g_out_grad = g_pass_->output_grad() + first_g_row * image_dim_;
  if (condition_dim_ == 0) {
    std::copy(d_input_grad, d_input_grad + m_ * image_dim_, g_out_grad);
    return;
  }
  for (int64_t r = 0; r < m_; ++r) std::copy(d_input_grad + r * data_dim_, d_input_grad + r * data_dim_ + image_dim_, g_out_grad + r * image_dim_);
  if (!inpainting_) return;
  const int64_t g_width = experiment_.noise_dim() + condition_dim_;
  for (int64_t r = 0; r < m_; ++r) {
    const float* mask = g_pass_->input() + (first_g_row + r) * g_width + experiment_.noise_dim() + image_dim_;
    for (int64_t i = 0; i < image_dim_; ++i) g_out_grad[r * image_dim_ + i] *= mask[i];
  }
}

void AdversarialStep::DiscriminatorForward(int64_t first_g_row) {
  MlpPass& d = *d_pass_;
  float* d_in = d.input();  // [2m, data_dim]: data rows, then generated rows
  if (inpainting_) {
    InpaintingDataRows(d_in);
  } else {
    CopySlice(next_data_batch_(), data_dim_, d_in);
  }
  GeneratedToDiscriminator(first_g_row, d_in + m_ * data_dim_);
  d.Forward(/*training=*/true);
}

void AdversarialStep::InpaintingDataRows(float* d_rows) {
  const int height = experiment_.inpainting().height(), width = experiment_.inpainting().width();
  for (int64_t r = 0; r < m_; ++r) {
    const float* image = inpainting_images_ + r * image_dim_;
    float* d_row = d_rows + r * data_dim_;
    std::copy(image, image + image_dim_, d_row);
    DrawTrainingMask(noise_rng_, height, width, inpainting_mask_.data());
    FillCondition(image, inpainting_mask_.data(), image_dim_, d_row + image_dim_);
  }
}

void AdversarialStep::DiscriminatorBackward(StepStats& stats) {
  MlpPass& d = *d_pass_;
  const Objective objective = DiscriminatorObjective(d.output(), m_, d.output_grad(), &stats.mean_d_fake);
  stats.d_loss = objective.value;
  stats.mean_d_real = objective.mean_d;
  ScaleForGroup(d.output_grad(), 2 * m_);
  d.Backward(/*input_grad=*/false, /*param_grads=*/true, sum_each_layer_);
}

absl::StatusOr<StepStats> AdversarialStep::DiscriminatorUpdate(int64_t first_g_row, Optimizer& d_optimizer) {
  StepStats stats;
  DiscriminatorForward(first_g_row);
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
  GeneratedToDiscriminator(first, d.input());  // G(z_k+1) [m, data_dim]
  d.Forward(/*training=*/true);
  StepStats stats;
  stats.g_loss = GeneratorObjective(d.output(), m_, non_saturating_, d.output_grad()).value;
  ScaleForGroup(d.output_grad(), m_);
  // G's gradient flows through D's input; D's own parameter gradients are not needed.
  d.Backward(/*input_grad=*/true, /*param_grads=*/false);
  DiscriminatorGradToGenerator(d.input_grad(), first);
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
  DiscriminatorForward(/*first_g_row=*/0);

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
  DiscriminatorGradToGenerator(d.input_grad() + m_ * data_dim_, /*first_g_row=*/0);

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
    absl::StatusOr<StepStats> d_stats = DiscriminatorUpdate(i * m_, d_optimizer);
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
