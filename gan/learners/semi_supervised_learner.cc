#include "gan/learners/semi_supervised_learner.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "gan/nets/build.h"
#include "gan/objectives/semi_supervised_objective.h"
#include "gan/spec/noise.h"
#include "gan/spec/seed_streams.h"

namespace gan {

SemiSupervisedLearner::SemiSupervisedLearner(const proto::Experiment& experiment)
    : experiment_(experiment), noise_rng_(StreamSeed(experiment.seed(), SeedStream::kDraws)) {}

absl::StatusOr<std::unique_ptr<SemiSupervisedLearner>> SemiSupervisedLearner::Create(const proto::Experiment& experiment,
                                                                                     const data::Dataset& train,
                                                                                     std::function<const float*()> next_batch,
                                                                                     const data::Dataset* validation) {
  std::unique_ptr<SemiSupervisedLearner> learner(new SemiSupervisedLearner(experiment));
  GAN_RETURN_IF_ERROR(learner->Build(train, std::move(next_batch), validation));
  return learner;
}

absl::Status SemiSupervisedLearner::Build(const data::Dataset& train, std::function<const float*()> next_batch,
                                          const data::Dataset* validation) {
  const proto::Experiment& e = experiment_;
  const proto::SemiSupervised& s = e.semi_supervised();
  next_batch_ = std::move(next_batch);
  validation_ = validation;
  batch_ = e.batch_size();
  latent_ = e.noise_dim();
  dim_ = train.dim();
  classes_ = s.classes();
  const std::vector<int64_t> counts = train.ClassCounts(s.classes());
  for (int32_t c = 0; c < s.classes(); ++c) {
    if (counts[c] < s.labelled() / s.classes()) {
      return absl::InvalidArgumentError(absl::StrCat("semi_supervised.labelled: ", s.labelled(), " needs ", s.labelled() / s.classes(),
                                                     " training images of class ", c, "; data set '", e.data().dataset(), "' has ", counts[c]));
    }
  }
  labelled_ = train.BalancedSubset(s.labelled() / s.classes(), s.classes(), s.labelled_seed());
  labelled_batch_ = std::min<int64_t>(batch_, labelled_.rows());
  labelled_batcher_ = std::make_unique<data::Batcher>(labelled_, labelled_batch_, LabelledBatchesSeed(e.seed()));

  const std::vector<float> pixel_mean = train.PixelMean();
  absl::StatusOr<std::unique_ptr<Mlp>> g =
      BuildMlp(e.generator(), Shape::Flat(latent_), StreamSeed(e.seed(), SeedStream::kGeneratorOrDecoderInit), &pixel_mean);
  if (!g.ok()) return absl::Status(g.status().code(), absl::StrCat("generator: ", g.status().message()));
  g_ = *std::move(g);
  if (g_->output_dim() != dim_) return absl::InvalidArgumentError(absl::StrCat("generator: outputs ", g_->output_dim(), " values, the data has ", dim_));
  // D as the experiment describes it, initialised as a GAN's D would be, then
  // cut in two: the body ends with the last layer that has parameters before
  // the final one, so the features are that layer's output, before any noise
  // or dropout the head applies to them (Salimans et al. match features
  // before their last noise layer).
  absl::StatusOr<std::unique_ptr<Mlp>> whole = BuildMlp(e.discriminator(), g_->output_shape(), StreamSeed(e.seed(), SeedStream::kDiscriminatorOrEncoderInit));
  if (!whole.ok()) return absl::Status(whole.status().code(), absl::StrCat("discriminator: ", whole.status().message()));
  if (s.init_rows() > 0) {
    if (s.init_rows() > train.rows()) {
      return absl::InvalidArgumentError(absl::StrCat("semi_supervised.init_rows: ", s.init_rows(), " is more than the ", train.rows(), " training images"));
    }
    (*whole)->InitializeFromData(train.pixels.data(), s.init_rows());
  }
  size_t head_start = (*whole)->layers().size() - 1;
  while (head_start > 0 && (*whole)->layers()[head_start - 1]->Parameters().empty()) --head_start;
  if (head_start == 0) return absl::InvalidArgumentError("discriminator: needs a layer with parameters before its last, whose output are the features");
  std::tie(body_, head_) = Mlp::Split(*std::move(whole), head_start);
  if (s.average_decay() > 0) {
    // The average is a second D of the same layers; its first update sets it to D's parameters.
    absl::StatusOr<std::unique_ptr<Mlp>> average = BuildMlp(e.discriminator(), g_->output_shape(), StreamSeed(e.seed(), SeedStream::kDiscriminatorOrEncoderInit));
    if (!average.ok()) return average.status();
    std::tie(average_body_, average_head_) = Mlp::Split(*std::move(average), head_start);
    for (Mlp* net : {body_.get(), head_.get()}) {
      for (const ParameterRef& p : net->Parameters()) average_pairs_.first.push_back(p);
    }
    for (Mlp* net : {average_body_.get(), average_head_.get()}) {
      for (const ParameterRef& p : net->Parameters()) average_pairs_.second.push_back(p);
    }
  }

  for (const auto& [config, field] : {std::pair{&e.generator_optimizer(), "generator_optimizer"},
                                      std::pair{&e.discriminator_optimizer(), "discriminator_optimizer"}}) {
    if (absl::Status valid = ValidateOptimizer(*config); !valid.ok()) return absl::Status(valid.code(), absl::StrCat(field, ": ", valid.message()));
  }
  absl::StatusOr<std::unique_ptr<Optimizer>> g_opt = MakeOptimizer(e.generator_optimizer(), g_->Parameters());
  if (!g_opt.ok()) return g_opt.status();
  g_opt_ = *std::move(g_opt);
  std::vector<ParameterRef> d_params = body_->Parameters();
  for (const ParameterRef& p : head_->Parameters()) d_params.push_back(p);
  absl::StatusOr<std::unique_ptr<Optimizer>> d_opt = MakeOptimizer(e.discriminator_optimizer(), d_params);
  if (!d_opt.ok()) return d_opt.status();
  d_opt_ = *std::move(d_opt);
  try {
    z_.resize(batch_ * latent_);
    labels_.resize(labelled_batch_);
    g_pass_ = g_->MakePass(batch_);
    d_body_pass_ = body_->MakePass(labelled_batch_ + 2 * batch_);
    d_head_pass_ = head_->MakePass(labelled_batch_ + 2 * batch_);
    fm_body_pass_ = body_->MakePass(2 * batch_, {batch_});
    samples_inference_ = std::make_unique<Inference>(*g_, kSampleGridImages);
  } catch (const dnnl::error& error) {
    return absl::InternalError(absl::StrCat("oneDNN could not make the training step's primitives (batch ", batch_, "): ", error.what()));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat("not enough memory for the training step's buffers at batch ", batch_));
  }
  return absl::OkStatus();
}

std::vector<std::string> SemiSupervisedLearner::StepFigureNames() const {
  return {"d_loss", "supervised", "feature_matching", "mean_d_real", "mean_d_fake"};
}

std::string SemiSupervisedLearner::DescribeFigures(const std::vector<double>& f) const {
  return absl::StrFormat("D loss %.4f (labelled %.4f), feature matching %.4f, D(x) %.3f, D(G(z)) %.3f", f[0], f[1], f[2], f[3], f[4]);
}

absl::Status SemiSupervisedLearner::BeginEpoch(int64_t epoch) {
  g_opt_->StartEpoch(static_cast<int>(epoch));
  d_opt_->StartEpoch(static_cast<int>(epoch));
  return absl::OkStatus();
}

SemiSupervisedFigures SemiSupervisedLearner::ComputeDiscriminatorGradients(const float* x_l, const int32_t* y, const float* x_u,
                                                                            const float* z) {
  std::copy(z, z + batch_ * latent_, g_pass_->input());
  g_pass_->Forward(/*training=*/true);
  // D's rows: the labelled images, the unlabelled ones, G(z).
  float* in = d_body_pass_->input();  // [labelled batch + 2 batch, dim]
  std::copy(x_l, x_l + labelled_batch_ * dim_, in);
  std::copy(x_u, x_u + batch_ * dim_, in + labelled_batch_ * dim_);
  std::copy(g_pass_->output(), g_pass_->output() + batch_ * dim_, in + (labelled_batch_ + batch_) * dim_);
  d_body_pass_->Forward(/*training=*/true);
  const int64_t rows = labelled_batch_ + 2 * batch_, features = body_->output_dim();
  std::copy(d_body_pass_->output(), d_body_pass_->output() + rows * features, d_head_pass_->input());
  d_head_pass_->Forward(/*training=*/true);
  const proto::SemiSupervised& s = experiment_.semi_supervised();
  const double unlabelled_weight = s.has_unlabelled_weight() ? s.unlabelled_weight() : 1.0;
  const KPlusOneObjective f = KPlusOneDiscriminatorObjective(d_head_pass_->output(), y, labelled_batch_, batch_, batch_, classes_,
                                                             unlabelled_weight, d_head_pass_->output_grad());
  d_head_pass_->Backward(/*input_grad=*/true, /*param_grads=*/true);
  std::copy(d_head_pass_->input_grad(), d_head_pass_->input_grad() + rows * features, d_body_pass_->output_grad());
  d_body_pass_->Backward(/*input_grad=*/false, /*param_grads=*/true);
  return {f.value, f.labelled, 0, f.mean_d_real, f.mean_d_generated};
}

double SemiSupervisedLearner::ComputeGeneratorGradients(const float* x_u, const float* z) {
  std::copy(z, z + batch_ * latent_, g_pass_->input());
  g_pass_->Forward(/*training=*/true);
  float* in = fm_body_pass_->input();  // [2 batch, dim]: the unlabelled images, then G(z)
  std::copy(x_u, x_u + batch_ * dim_, in);
  std::copy(g_pass_->output(), g_pass_->output() + batch_ * dim_, in + batch_ * dim_);
  fm_body_pass_->Forward(/*training=*/true);
  const int64_t features = body_->output_dim();
  const float* f = fm_body_pass_->output();
  float* grad = fm_body_pass_->output_grad();
  const double value = FeatureMatching(f, batch_, f + batch_ * features, batch_, features, grad + batch_ * features);
  // Only G(z)'s rows carry a gradient; D's parameters keep theirs (G's update moves G alone).
  fm_body_pass_->BackwardRows(batch_, /*input_grad=*/true, /*param_grads=*/false);
  const float* x_grad = fm_body_pass_->input_grad() + batch_ * dim_;
  std::copy(x_grad, x_grad + batch_ * dim_, g_pass_->output_grad());
  g_pass_->Backward(/*input_grad=*/false, /*param_grads=*/true);
  return value;
}

absl::StatusOr<std::vector<double>> SemiSupervisedLearner::Step() {
  const float* x_u = next_batch_();
  const float* x_l = labelled_batcher_->Next();
  for (int64_t i = 0; i < labelled_batch_; ++i) labels_[i] = labelled_.labels[labelled_batcher_->last_rows()[i]];
  FillNoise(experiment_.noise(), noise_rng_, z_.data(), static_cast<int64_t>(z_.size()));
  SemiSupervisedFigures figures = ComputeDiscriminatorGradients(x_l, labels_.data(), x_u, z_.data());
  d_opt_->Step();
  body_->ApplyConstraints();
  head_->ApplyConstraints();
  if (average_body_ != nullptr) UpdateAverage();
  FillNoise(experiment_.noise(), noise_rng_, z_.data(), static_cast<int64_t>(z_.size()));
  figures.feature_matching = ComputeGeneratorGradients(x_u, z_.data());
  g_opt_->Step();
  g_->ApplyConstraints();
  return std::vector<double>{figures.d_loss, figures.supervised, figures.feature_matching, figures.mean_d_real, figures.mean_d_fake};
}

void SemiSupervisedLearner::UpdateAverage() {
  // With take = (1 - decay) / (1 - decay^t) at update t the average is the
  // bias-corrected exponential moving average: update t's parameters weigh
  // decay^(T - t) (1 - decay) / (1 - decay^T) after T updates, and the first
  // update copies D.
  ++average_updates_;
  const double decay = experiment_.semi_supervised().average_decay();
  const double take = (1.0 - decay) / (1.0 - std::pow(decay, static_cast<double>(average_updates_)));
  MoveAverage(average_pairs_.first, average_pairs_.second, static_cast<float>(1.0 - take), static_cast<float>(take));
}

std::vector<int32_t> SemiSupervisedLearner::MostProbableClasses(Mlp& body, Mlp& head, const float* images, int64_t rows) const {
  const std::vector<float> features = body.Infer(images, rows);
  const std::vector<float> logits = head.Infer(features.data(), rows);
  std::vector<int32_t> classes(rows);
  for (int64_t i = 0; i < rows; ++i) {
    const float* l = logits.data() + i * classes_;
    classes[i] = static_cast<int32_t>(std::max_element(l, l + classes_) - l);
  }
  return classes;
}

std::vector<int32_t> SemiSupervisedLearner::Classify(const float* images, int64_t rows) const {
  return MostProbableClasses(*body_, *head_, images, rows);
}

std::vector<int32_t> SemiSupervisedLearner::ClassifyByAverage(const float* images, int64_t rows) const {
  return MostProbableClasses(*average_body_, *average_head_, images, rows);
}

std::string SemiSupervisedLearner::EpochJsonMembers(const std::vector<double>& figures) const {
  const std::vector<std::string> names = StepFigureNames();
  std::string members = "\"model\": \"semi_supervised_gan\"";
  for (size_t i = 0; i < names.size(); ++i) absl::StrAppendFormat(&members, ", \"%s\": %.6f", names[i], figures[i]);
  absl::StrAppendFormat(&members, ", \"g_learning_rate\": %.8g, \"d_learning_rate\": %.8g, \"labelled\": %d", g_opt_->learning_rate(),
                        d_opt_->learning_rate(), labelled_.rows());
  if (validation_ != nullptr && validation_->rows() > 0) {
    auto errors = [&](const std::vector<int32_t>& predicted) {
      int64_t wrong = 0;
      for (int64_t i = 0; i < validation_->rows(); ++i) wrong += predicted[i] != validation_->labels[i];
      return wrong;
    };
    absl::StrAppendFormat(&members, ", \"valid_errors\": %d, \"valid_images\": %d",
                          errors(Classify(validation_->pixels.data(), validation_->rows())), validation_->rows());
    if (average_body_ != nullptr) {
      absl::StrAppendFormat(&members, ", \"valid_errors_average\": %d", errors(ClassifyByAverage(validation_->pixels.data(), validation_->rows())));
    }
  }
  return members;
}

std::vector<float> SemiSupervisedLearner::SampleGridImages(const float* fixed_noise) { return samples_inference_->Run(fixed_noise); }

namespace {

// D's body and head as the one net the experiment describes: head layer j is that net's layer body size + j.
void AddDiscriminatorRecords(CheckpointSchema& schema, const std::string& prefix, Mlp& body, Mlp& head) {
  AddParameterRecords(schema, prefix, body);
  const size_t body_layers = body.layers().size();
  for (size_t j = 0; j < head.layers().size(); ++j) {
    for (const ParameterRef& p : head.layers()[j]->Parameters()) {
      schema.Floats(ParameterRecordName(prefix, absl::StrCat("layer", body_layers + j, ".", p.name)), p.value, p.size);
    }
  }
}

}  // namespace

void SemiSupervisedLearner::AddStateRecords(CheckpointSchema& schema) {
  AddParameterRecords(schema, kGeneratorRecords, *g_);
  AddDiscriminatorRecords(schema, kDiscriminatorRecords, *body_, *head_);
  if (average_body_ != nullptr) {
    AddDiscriminatorRecords(schema, kDiscriminatorAverageRecords, *average_body_, *average_head_);
    schema.U64s(
        ParameterRecordName(kDiscriminatorAverageRecords, "updates"), [this] { return std::vector<uint64_t>{average_updates_}; },
        [this](const std::vector<uint64_t>& updates) -> absl::Status {
          if (updates.size() != 1) return absl::DataLossError("the average's update count is not one number");
          average_updates_ = updates[0];
          return absl::OkStatus();
        });
  }
  AddOptimizerRecords(schema, kGeneratorRecords, *g_opt_);
  AddOptimizerRecords(schema, kDiscriminatorRecords, *d_opt_);
  AddBatcherRecords(schema, "labelled_batcher", *labelled_batcher_, labelled_.rows());
}

}  // namespace gan
