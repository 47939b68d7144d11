// The semi-supervised GAN (gan/learners/semi_supervised_learner.h): D's
// parameter gradients of the K + 1 objective and G's of feature matching
// against central differences of a double-precision reference (G's step
// leaves D's gradients alone); trained on 1,000 Fashion-MNIST images of
// which 50 keep their labels, D classifies the others far above chance, and
// with the labels shuffled it does not; a run resumes bit-identically and its
// checkpoint reads back as a GAN whose D is body and head; bad experiments are
// refused by name.
#include "gan/learners/semi_supervised_learner.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "data/test_subsets.h"
#include "gan/nets/gradient_check.h"
#include "gan/run/resume_check.h"
#include "gan/run/trained_model.h"
#include "gan/run/trainer.h"
#include "gan/spec/experiment.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

std::string TempDir(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") + "/" + name;
}

// G from 3 noise values to 4 x 4 images through batch normalisation with
// softplus units (Salimans et al.'s G), D with one hidden layer and 3
// classes; 6 labelled images of 12.
proto::Experiment TinyExperiment() {
  return ParseExperiment(R"(
    name: "tiny_semi" noise_dim: 3 batch_size: 4 epochs: 1 seed: 5
    noise { uniform { low: -1 high: 1 } } data { dataset: "random" }
    semi_supervised { classes: 3 labelled: 6 labelled_seed: 2 }
    generator {
      layers { linear { units: 7 activation: IDENTITY weight_irange: 0.5 bias: 0.1 } }
      layers { batch_norm { activation: SOFTPLUS } }
      layers { linear { units: 16 activation: SIGMOID weight_irange: 0.5 } }
    }
    discriminator {
      layers { linear { units: 8 activation: RELU weight_irange: 0.5 bias: 0.1 } }
      layers { linear { units: 3 activation: IDENTITY weight_irange: 0.5 } }
    }
    generator_optimizer { adam { learning_rate: 0.001 beta1: 0.5 beta2: 0.999 epsilon: 1e-8 } }
    discriminator_optimizer { adam { learning_rate: 0.001 beta1: 0.5 beta2: 0.999 epsilon: 1e-8 } }
  )", "tiny_semi").value();
}

double Softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

double LogSumExpRow(const double* l, int64_t k) {
  const double largest = *std::max_element(l, l + k);
  double sum = 0;
  for (int64_t c = 0; c < k; ++c) sum += std::exp(l[c] - largest);
  return largest + std::log(sum);
}

// D's objective in double: the labelled rows' cross-entropy, softplus(-LSE) of
// the unlabelled rows and softplus(LSE) of G(z)'s, each a mean.
double ReferenceDiscriminatorObjective(SemiSupervisedLearner& learner, const std::vector<std::vector<double>>& body,
                                       const std::vector<std::vector<double>>& head, const std::vector<float>& x_l,
                                       const std::vector<int32_t>& y, const std::vector<float>& x_u, const std::vector<float>& z,
                                       double unlabelled_weight = 1.0) {
  const int64_t m = static_cast<int64_t>(y.size()), b = static_cast<int64_t>(z.size()) / 3;
  // G runs in training mode (its batch normalisation on the batch's statistics); it draws nothing.
  const std::vector<double> fake = ReferenceForward(learner.generator(), ParametersAsDouble(learner.generator()),
                                                    std::vector<double>(z.begin(), z.end()), b, true, {});
  std::vector<double> rows(x_l.begin(), x_l.end());
  rows.insert(rows.end(), x_u.begin(), x_u.end());
  rows.insert(rows.end(), fake.begin(), fake.end());
  const std::vector<double> features = ReferenceForward(learner.body(), body, rows, m + 2 * b, false, {});
  const std::vector<double> logits = ReferenceForward(learner.head(), head, features, m + 2 * b, false, {});
  double value = 0;
  for (int64_t r = 0; r < m + 2 * b; ++r) {
    const double lse = LogSumExpRow(logits.data() + r * 3, 3);
    if (r < m) value += (lse - logits[r * 3 + y[r]]) / static_cast<double>(m);
    else if (r < m + b) value += unlabelled_weight * Softplus(-lse) / static_cast<double>(b);
    else value += unlabelled_weight * Softplus(lse) / static_cast<double>(b);
  }
  return value;
}

// Feature matching in double with G's parameters `g`.
double ReferenceFeatureMatching(SemiSupervisedLearner& learner, const std::vector<std::vector<double>>& g, const std::vector<float>& x_u,
                                const std::vector<float>& z) {
  const int64_t b = static_cast<int64_t>(z.size()) / 3;
  const std::vector<double> fake = ReferenceForward(learner.generator(), g, std::vector<double>(z.begin(), z.end()), b, true, {});
  const std::vector<std::vector<double>> body = ParametersAsDouble(learner.body());
  const std::vector<double> real_f = ReferenceForward(learner.body(), body, std::vector<double>(x_u.begin(), x_u.end()), b, false, {});
  const std::vector<double> fake_f = ReferenceForward(learner.body(), body, fake, b, false, {});
  const int64_t dim = static_cast<int64_t>(real_f.size()) / b;
  double value = 0;
  for (int64_t j = 0; j < dim; ++j) {
    double d = 0;
    for (int64_t r = 0; r < b; ++r) d += (real_f[r * dim + j] - fake_f[r * dim + j]) / static_cast<double>(b);
    value += d * d;
  }
  return value;
}

// Each entry of `refs`' gradients against central differences of `objective` of the double parameters.
void CheckAgainstCentralDifferences(const std::vector<ParameterRef>& refs, std::vector<std::vector<double>>& params,
                                    const std::function<double()>& objective, const std::string& net, double* max_abs_gradient) {
  for (size_t t = 0; t < refs.size(); ++t) {
    for (int64_t i = 0; i < refs[t].size; ++i) {
      const double step = 1e-6, original = params[t][i];
      params[t][i] = original + step;
      const double up = objective();
      params[t][i] = original - step;
      const double down = objective();
      params[t][i] = original;
      const double numeric = (up - down) / (2 * step);
      EXPECT_NEAR(refs[t].grad[i], numeric, 2e-4 * std::max(1.0, std::fabs(numeric))) << net << " " << refs[t].name << "[" << i << "]";
      *max_abs_gradient = std::max(*max_abs_gradient, std::fabs(numeric));
    }
  }
}

TEST(SemiSupervisedLearnerTest, GradientsMatchFiniteDifferencesAndGsStepLeavesD) {
  const proto::Experiment e = TinyExperiment();
  const data::Dataset images = data::RandomImages(12, 1, 3);
  const data::Dataset unlabelled = data::RandomImages(4, 2, 3);
  std::unique_ptr<SemiSupervisedLearner> learner = SemiSupervisedLearner::Create(e, images, [&] { return unlabelled.pixels.data(); }, nullptr).value();
  ASSERT_EQ(learner->labelled_batch(), 4);
  const std::vector<float> x_l(images.pixels.begin(), images.pixels.begin() + 4 * 16);
  const std::vector<int32_t> y = {0, 2, 1, 2};
  std::vector<float> z(4 * 3);
  Rng rng(3);
  rng.FillUniform(z.data(), static_cast<int64_t>(z.size()), -1.0f, 1.0f);
  const SemiSupervisedFigures figures = learner->ComputeDiscriminatorGradients(x_l.data(), y.data(), unlabelled.pixels.data(), z.data());
  std::vector<std::vector<double>> body = ParametersAsDouble(learner->body()), head = ParametersAsDouble(learner->head());
  auto d_objective = [&] { return ReferenceDiscriminatorObjective(*learner, body, head, x_l, y, unlabelled.pixels, z); };
  EXPECT_NEAR(figures.d_loss, d_objective(), 1e-5);
  double max_abs_gradient = 0;
  CheckAgainstCentralDifferences(learner->body().Parameters(), body, d_objective, "D body", &max_abs_gradient);
  CheckAgainstCentralDifferences(learner->head().Parameters(), head, d_objective, "D head", &max_abs_gradient);
  EXPECT_GT(max_abs_gradient, 1e-2);

  // Salimans et al.'s weight of the unlabelled and generated terms: D's
  // objective is the reference's with it, and its gradients follow.
  proto::Experiment halved = e;
  halved.mutable_semi_supervised()->set_unlabelled_weight(0.5);
  std::unique_ptr<SemiSupervisedLearner> weighed = SemiSupervisedLearner::Create(halved, images, [&] { return unlabelled.pixels.data(); }, nullptr).value();
  const SemiSupervisedFigures weighed_figures = weighed->ComputeDiscriminatorGradients(x_l.data(), y.data(), unlabelled.pixels.data(), z.data());
  std::vector<std::vector<double>> weighed_body = ParametersAsDouble(weighed->body()), weighed_head = ParametersAsDouble(weighed->head());
  auto weighed_objective = [&] {
    return ReferenceDiscriminatorObjective(*weighed, weighed_body, weighed_head, x_l, y, unlabelled.pixels, z, 0.5);
  };
  EXPECT_NEAR(weighed_figures.d_loss, weighed_objective(), 1e-5);
  EXPECT_GT(std::fabs(weighed_figures.d_loss - figures.d_loss), 1e-3);
  CheckAgainstCentralDifferences(weighed->head().Parameters(), weighed_head, weighed_objective, "D head, weight 0.5", &max_abs_gradient);

  // G's gradients of feature matching; D's gradients stay those of D's objective.
  std::vector<float> d_grads;
  for (Mlp* net : {&learner->body(), &learner->head()}) {
    for (const ParameterRef& p : net->Parameters()) d_grads.insert(d_grads.end(), p.grad, p.grad + p.size);
  }
  const double fm = learner->ComputeGeneratorGradients(unlabelled.pixels.data(), z.data());
  std::vector<float> d_grads_after;
  for (Mlp* net : {&learner->body(), &learner->head()}) {
    for (const ParameterRef& p : net->Parameters()) d_grads_after.insert(d_grads_after.end(), p.grad, p.grad + p.size);
  }
  EXPECT_EQ(d_grads, d_grads_after);
  std::vector<std::vector<double>> g = ParametersAsDouble(learner->generator());
  auto g_objective = [&] { return ReferenceFeatureMatching(*learner, g, unlabelled.pixels, z); };
  EXPECT_NEAR(fm, g_objective(), 1e-6);
  EXPECT_GT(fm, 1e-4);
  max_abs_gradient = 0;
  CheckAgainstCentralDifferences(learner->generator().Parameters(), g, g_objective, "G", &max_abs_gradient);
  EXPECT_GT(max_abs_gradient, 1e-4);
}

// D's average after T updates is the bias-corrected exponential moving
// average of D's parameters after each update, computed here directly: the
// parameters after update t weigh decay^(T - t) (1 - decay) / (1 - decay^T).
// It does not change the training: D and G train as without it.
TEST(SemiSupervisedLearnerTest, AverageOfDIsTheBiasCorrectedMovingAverage) {
  constexpr double kDecay = 0.6;
  constexpr int kUpdates = 4;
  proto::Experiment e = TinyExperiment();
  e.mutable_semi_supervised()->set_average_decay(kDecay);
  const data::Dataset images = data::RandomImages(12, 1, 3);
  const data::Dataset unlabelled = data::RandomImages(4, 2, 3);
  auto next = [&] { return unlabelled.pixels.data(); };
  std::unique_ptr<SemiSupervisedLearner> averaged = SemiSupervisedLearner::Create(e, images, next, nullptr).value();
  std::unique_ptr<SemiSupervisedLearner> plain = SemiSupervisedLearner::Create(TinyExperiment(), images, next, nullptr).value();
  auto d_values = [](SemiSupervisedLearner& learner, const std::string& body, const std::string& head) {
    std::vector<double> values;
    for (const auto& [name, net] : learner.TrainedNets()) {
      if (name != body && name != head) continue;
      for (const ParameterRef& p : net->Parameters()) values.insert(values.end(), p.value, p.value + p.size);
    }
    return values;
  };
  std::vector<std::vector<double>> after_update;
  for (int t = 0; t < kUpdates; ++t) {
    ASSERT_TRUE(averaged->Step().ok());
    ASSERT_TRUE(plain->Step().ok());
    after_update.push_back(d_values(*averaged, "d", "d_head"));
    ASSERT_EQ(after_update.back(), d_values(*plain, "d", "d_head")) << "update " << t;
  }
  const std::vector<double> average = d_values(*averaged, "d_average", "d_average_head");
  ASSERT_EQ(average.size(), after_update[0].size());
  const double normaliser = 1.0 - std::pow(kDecay, kUpdates);
  double largest_change = 0;
  for (size_t i = 0; i < average.size(); ++i) {
    double expected = 0;
    for (int t = 0; t < kUpdates; ++t) expected += std::pow(kDecay, kUpdates - 1 - t) * (1.0 - kDecay) / normaliser * after_update[t][i];
    EXPECT_NEAR(average[i], expected, 1e-5 * std::max(1.0, std::fabs(expected))) << i;
    largest_change = std::max(largest_change, std::fabs(after_update[kUpdates - 1][i] - after_update[0][i]));
  }
  EXPECT_GT(largest_change, 1e-3) << "D must move for the average to differ from it";
}

// A small semi-supervised GAN on Fashion-MNIST: 50 labelled images of the 1,000.
proto::Experiment FashionExperiment() {
  return ParseExperiment(R"(
    name: "fashion_semi" noise_dim: 20 batch_size: 50 epochs: 15 seed: 3
    noise { uniform { low: -1 high: 1 } } data { dataset: "fashion_mnist" }
    semi_supervised { classes: 10 labelled: 50 labelled_seed: 1 }
    generator {
      layers { linear { units: 100 activation: RELU weight_irange: 0.05 } }
      layers { linear { units: 784 activation: SIGMOID weight_irange: 0.05 bias_from_data_mean_logit: true } }
    }
    discriminator {
      layers { dropout { keep_prob: 0.8 } }
      layers { linear { units: 200 activation: RELU weight_irange: 0.05 } }
      layers { dropout { keep_prob: 0.5 } }
      layers { linear { units: 100 activation: RELU weight_irange: 0.05 } }
      layers { linear { units: 10 activation: IDENTITY weight_irange: 0.05 } }
    }
    generator_optimizer { adam { learning_rate: 0.002 beta1: 0.5 beta2: 0.999 epsilon: 1e-8 } }
    discriminator_optimizer { adam { learning_rate: 0.002 beta1: 0.5 beta2: 0.999 epsilon: 1e-8 } }
  )", "fashion_semi").value();
}

// D's accuracy on the 1,000 images' true labels after training with `train`'s labels.
double TrainedAccuracy(const data::Dataset& train, const std::string& dir) {
  TrainerOptions options;
  options.output_dir = dir;
  auto trainer = Trainer::Create(FashionExperiment(), train, options).value();
  EXPECT_TRUE(trainer->Run().ok());
  const data::Dataset& truth = data::FashionMnistTrainingSubset();
  const std::vector<int32_t> predicted = static_cast<SemiSupervisedLearner&>(trainer->learner()).Classify(truth.pixels.data(), truth.rows());
  int64_t right = 0;
  for (int64_t i = 0; i < truth.rows(); ++i) right += predicted[i] == truth.labels[i];
  return static_cast<double>(right) / static_cast<double>(truth.rows());
}

TEST(SemiSupervisedLearnerTest, FiftyLabelsTeachDTheClassesAndShuffledLabelsDoNot) {
  const data::Dataset& fashion = data::FashionMnistTrainingSubset();
  const double accuracy = TrainedAccuracy(fashion, TempDir("semi_learns"));
  data::Dataset shuffled = fashion;
  Rng rng(7);
  for (int64_t i = shuffled.rows() - 1; i > 0; --i) std::swap(shuffled.labels[i], shuffled.labels[rng.NextU64() % static_cast<uint64_t>(i + 1)]);
  const double control = TrainedAccuracy(shuffled, TempDir("semi_shuffled"));
  std::fprintf(stderr, "D's accuracy on the 1,000 images: %.3f with their labels, %.3f with shuffled labels\n", accuracy, control);
  EXPECT_GT(accuracy, 0.5);  // chance: 0.1
  EXPECT_LT(control, 0.25);
}

// Resumed mid-epoch 2 (20 steps an epoch), the run is the uninterrupted
// one's to the bit, and its checkpoint's D, body and head in one net, reads
// back as a GAN's: its logits' most probable class is the learner's.
void ExpectResumesBitIdenticallyAndReadsBackAsAGan(const proto::Experiment& e, const std::string& name) {
  std::unique_ptr<Trainer> straight = ExpectResumedRunBitIdentical(e, data::FashionMnistTrainingSubset(), TrainerOptions{}, 27, name);
  ASSERT_NE(straight, nullptr);
  absl::StatusOr<TrainedModel> model = LoadTrainedModel(straight->checkpoint_path());
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ(model->discriminator->output_dim(), 10);
  const data::Dataset& images = data::FashionMnistTrainingSubset();
  const SemiSupervisedLearner& learner = static_cast<SemiSupervisedLearner&>(straight->learner());
  auto expect_same_classes = [&](Mlp& read_back, const std::vector<int32_t>& classes) {
    const std::vector<float> logits = read_back.Infer(images.pixels.data(), 100);
    for (int64_t i = 0; i < 100; ++i) {
      const float* l = logits.data() + i * 10;
      EXPECT_EQ(std::max_element(l, l + 10) - l, classes[i]) << i;
    }
  };
  expect_same_classes(*model->discriminator, learner.Classify(images.pixels.data(), 100));
  if (e.semi_supervised().average_decay() > 0) {
    ASSERT_NE(model->discriminator_average, nullptr);
    expect_same_classes(*model->discriminator_average, learner.ClassifyByAverage(images.pixels.data(), 100));
  } else {
    EXPECT_EQ(model->discriminator_average, nullptr);
  }
}

// With batch normalisation in G, whose running averages a checkpoint keeps,
// and an average of D, which it keeps too.
TEST(SemiSupervisedLearnerTest, ResumesBitIdenticallyAndReadsBackAsAGan) {
  proto::Experiment e = FashionExperiment();
  e.set_epochs(2);
  e.mutable_semi_supervised()->set_average_decay(0.99);
  e.clear_generator();
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(R"(
      layers { linear { units: 100 activation: IDENTITY weight_irange: 0.05 } }
      layers { batch_norm { activation: SOFTPLUS fixed_scale: true } }
      layers { linear { units: 784 activation: SIGMOID weight_irange: 0.05 bias_from_data_mean_logit: true } })", e.mutable_generator()));
  ExpectResumesBitIdenticallyAndReadsBackAsAGan(e, "semi");
}

// Salimans et al.'s D: Gaussian noise before every layer. The features are
// the last hidden layer's output, before the noise the head adds to them,
// and the head's noise draws from a stream of its own, saved and restored.
TEST(SemiSupervisedLearnerTest, NoiseBeforeTheLastLayerIsTheHeadsAndResumesBitIdentically) {
  proto::Experiment e = FashionExperiment();
  e.set_epochs(2);
  e.clear_discriminator();
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(R"(
      layers { gaussian_noise { stddev: 0.3 } }
      layers { linear { units: 200 activation: RELU weight_irange: 0.05 } }
      layers { gaussian_noise { stddev: 0.5 } }
      layers { linear { units: 100 activation: RELU weight_irange: 0.05 } }
      layers { gaussian_noise { stddev: 0.5 } }
      layers { linear { units: 10 activation: IDENTITY weight_irange: 0.05 } })", e.mutable_discriminator()));
  std::unique_ptr<SemiSupervisedLearner> learner =
      SemiSupervisedLearner::Create(e, data::FashionMnistTrainingSubset(), [] { return data::FashionMnistTrainingSubset().pixels.data(); }, nullptr)
          .value();
  ASSERT_EQ(learner->body().layers().size(), 4u);
  EXPECT_EQ(learner->body().output_dim(), 100);
  EXPECT_FALSE(learner->body().layers().back()->Parameters().empty());
  ASSERT_EQ(learner->head().layers().size(), 2u);
  EXPECT_EQ(learner->head().RandomStreams().size(), 1u);
  EXPECT_NE(learner->head().RandomStreams()[0]->state(), learner->body().RandomStreams()[0]->state());
  ExpectResumesBitIdenticallyAndReadsBackAsAGan(e, "semi_noise");
}

TEST(SemiSupervisedLearnerTest, RefusesBadExperimentsNamingTheField) {
  auto refused = [](const proto::Experiment& e) {
    TrainerOptions options;
    options.output_dir = TempDir("semi_refused");
    return std::string(Trainer::Create(e, data::FashionMnistTrainingSubset(), options).status().message());
  };
  proto::Experiment two_logits = FashionExperiment();
  two_logits.mutable_discriminator()->mutable_layers(4)->mutable_linear()->set_units(2);
  EXPECT_NE(refused(two_logits).find("last layer linear with 10 units"), std::string::npos) << refused(two_logits);
  proto::Experiment odd = FashionExperiment();
  odd.mutable_semi_supervised()->set_labelled(55);
  EXPECT_NE(refused(odd).find("semi_supervised.labelled must be a positive multiple of classes (10), not 55"), std::string::npos) << refused(odd);
  proto::Experiment many = FashionExperiment();
  many.mutable_semi_supervised()->set_labelled(2000);
  EXPECT_NE(refused(many).find("needs 200 training images of class 0"), std::string::npos) << refused(many);
  proto::Experiment negative_init = FashionExperiment();
  negative_init.mutable_semi_supervised()->set_init_rows(-1);
  EXPECT_NE(refused(negative_init).find("semi_supervised.init_rows must not be negative, not -1"), std::string::npos) << refused(negative_init);
  proto::Experiment large_init = FashionExperiment();
  large_init.mutable_semi_supervised()->set_init_rows(5000);
  EXPECT_NE(refused(large_init).find("semi_supervised.init_rows: 5000 is more than the 1000 training images"), std::string::npos)
      << refused(large_init);
  proto::Experiment bad_average = FashionExperiment();
  bad_average.mutable_semi_supervised()->set_average_decay(1);
  EXPECT_NE(refused(bad_average).find("semi_supervised.average_decay must be in [0, 1), not 1"), std::string::npos) << refused(bad_average);
  proto::Experiment bad_weight = FashionExperiment();
  bad_weight.mutable_semi_supervised()->set_unlabelled_weight(0);
  EXPECT_NE(refused(bad_weight).find("semi_supervised.unlabelled_weight must be positive and finite, not 0"), std::string::npos) << refused(bad_weight);
  proto::Experiment normalised_d = FashionExperiment();
  normalised_d.mutable_discriminator()->mutable_layers(2)->mutable_batch_norm();
  EXPECT_NE(refused(normalised_d).find("experiment: discriminator.layers[2]: batch_norm is only supported in a semi_supervised experiment's generator"),
            std::string::npos)
      << refused(normalised_d);
  proto::Experiment gan = FashionExperiment();
  gan.clear_semi_supervised();
  gan.mutable_generator()->mutable_layers(0)->mutable_batch_norm();
  EXPECT_NE(refused(gan).find("experiment: generator.layers[0]: batch_norm is only supported"), std::string::npos) << refused(gan);
  proto::Experiment conditional = FashionExperiment();
  conditional.mutable_conditioning()->set_classes(10);
  EXPECT_NE(refused(conditional).find("cannot be combined"), std::string::npos) << refused(conditional);
}

}  // namespace
}  // namespace gan
