#ifndef GAN_LEARNERS_SEMI_SUPERVISED_LEARNER_H_
#define GAN_LEARNERS_SEMI_SUPERVISED_LEARNER_H_

// Semi-supervised learning with a discriminator of K + 1 classes (Salimans et
// al. 2016; the paper's section 7, extension 4) as a Learner
// (gan/learners/learner.h), from an experiment that sets `semi_supervised`
// (gan/spec/experiment.proto). D is the experiment's `discriminator`, run as
// two nets: its body (x -> features: through the last layer with parameters
// before the final one, D's last hidden layer) and its head (features -> K
// logits: any noise or dropout layers after that, and the final layer).
// One update:
//   D: on a batch of labelled images, a batch of unlabelled training images
//      and as many G(z), one pass through D, minimising the K + 1 objective
//      (gan/objectives/semi_supervised_objective.h);
//   G: on fresh z, minimising feature matching: the squared distance between
//      the mean of D's features on the same unlabelled images and on G(z),
//      the gradient reaching G through D's body.
// D's errors on the validation images (TrainerOptions::validation_images),
// its most probable class against their labels, join every epoch's metrics.
//
// With semi_supervised.average_decay, D's parameters are also averaged after
// every update, and the average's validation errors join the metrics.
//
// Checkpoint records: g.*, d.* (body and head as the one net `discriminator`
// describes, so that the checkpoint reads back as a GAN's), g.optimizer.*,
// d.optimizer.*, the labelled images' batch order (labelled_batcher*), and
// with an average d_average.* (as d.*) and d_average.updates.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "base/random.h"
#include "data/dataset.h"
#include "gan/learners/learner.h"
#include "gan/nets/mlp.h"
#include "gan/nets/optimizer.h"
#include "gan/spec/experiment.pb.h"

namespace gan {

// The figures of one update, in StepFigureNames' order.
struct SemiSupervisedFigures {
  double d_loss = 0, supervised = 0, feature_matching = 0, mean_d_real = 0, mean_d_fake = 0;
};

class SemiSupervisedLearner : public Learner {
 public:
  // G and D of a valid semi-supervised experiment, initialised from its seed,
  // for `train` (its labels give the labelled subset); next_batch gives
  // [batch_size, data_dim] unlabelled images per update. `validation`
  // (may be null) must outlive the learner. Errors name the net, the layer or
  // the class with too few images.
  static absl::StatusOr<std::unique_ptr<SemiSupervisedLearner>> Create(const proto::Experiment& experiment, const data::Dataset& train,
                                                                       std::function<const float*()> next_batch,
                                                                       const data::Dataset* validation);

  std::vector<std::string> StepFigureNames() const override;
  std::string DescribeFigures(const std::vector<double>& figures) const override;
  int64_t StepsPerEpoch(int64_t batches) const override { return batches; }
  absl::Status BeginEpoch(int64_t epoch) override;
  absl::StatusOr<std::vector<double>> Step() override;
  std::string EpochJsonMembers(const std::vector<double>& figures) const override;
  std::vector<std::pair<std::string, Mlp*>> TrainedNets() override {
    std::vector<std::pair<std::string, Mlp*>> nets = {{kGeneratorRecords, g_.get()}, {kDiscriminatorRecords, body_.get()}, {"d_head", head_.get()}};
    if (average_body_ != nullptr) {
      nets.emplace_back(kDiscriminatorAverageRecords, average_body_.get());
      nets.emplace_back("d_average_head", average_head_.get());
    }
    return nets;
  }
  Mlp* Generator() override { return g_.get(); }
  std::vector<float> SampleGridImages(const float* fixed_noise) override;
  void AddStateRecords(CheckpointSchema& schema) override;
  std::vector<Rng*> RandomStreams() override { return OwnAndNetStreams(noise_rng_); }

  // One update's gradients, no step: D's on labelled images x_l [labelled
  // batch, dim] with labels y, unlabelled x_u [batch, dim] and G(z) of z
  // [batch, noise_dim]; then, after D's update would be applied, G's on
  // x_u and G(z2). The tests call them apart.
  SemiSupervisedFigures ComputeDiscriminatorGradients(const float* x_l, const int32_t* y, const float* x_u, const float* z);
  double ComputeGeneratorGradients(const float* x_u, const float* z);
  // D's most probable class of each of `rows` images; ClassifyByAverage:
  // that of D's average (semi_supervised.average_decay > 0 only).
  std::vector<int32_t> Classify(const float* images, int64_t rows) const;
  std::vector<int32_t> ClassifyByAverage(const float* images, int64_t rows) const;
  Mlp& generator() { return *g_; }
  Mlp& body() { return *body_; }
  Mlp& head() { return *head_; }
  int64_t labelled_batch() const { return labelled_batch_; }

 private:
  explicit SemiSupervisedLearner(const proto::Experiment& experiment);
  void UpdateAverage();
  std::vector<int32_t> MostProbableClasses(Mlp& body, Mlp& head, const float* images, int64_t rows) const;
  absl::Status Build(const data::Dataset& train, std::function<const float*()> next_batch, const data::Dataset* validation);

  proto::Experiment experiment_;
  int64_t batch_ = 0, labelled_batch_ = 0, latent_ = 0, dim_ = 0, classes_ = 0;
  std::function<const float*()> next_batch_;
  const data::Dataset* validation_ = nullptr;
  data::Dataset labelled_;                          // the labelled subset
  std::unique_ptr<data::Batcher> labelled_batcher_;
  std::unique_ptr<Mlp> g_, body_, head_;
  std::unique_ptr<Optimizer> g_opt_, d_opt_;
  Rng noise_rng_;
  std::vector<float> z_;                             // [batch, latent]
  std::vector<int32_t> labels_;                      // [labelled batch]
  std::unique_ptr<MlpPass> g_pass_;                  // batch rows
  std::unique_ptr<MlpPass> d_body_pass_, d_head_pass_;  // labelled batch + 2 batch rows: labelled, unlabelled, generated
  std::unique_ptr<MlpPass> fm_body_pass_;            // 2 batch rows: unlabelled, generated (its backward from row batch)
  std::unique_ptr<Inference> samples_inference_;
  // D's average (semi_supervised.average_decay > 0; else null and empty):
  // its body and head, D's tensors and the average's in the same order, and
  // the updates it has seen.
  std::unique_ptr<Mlp> average_body_, average_head_;
  std::pair<std::vector<ParameterRef>, std::vector<ParameterRef>> average_pairs_;
  uint64_t average_updates_ = 0;
};

}  // namespace gan

#endif  // GAN_LEARNERS_SEMI_SUPERVISED_LEARNER_H_
