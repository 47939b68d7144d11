#include "eval/few_labels.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "eval/classifier.h"
#include "gan/nets/mlp.h"
#include "gan/spec/noise.h"

namespace gan::eval {
namespace {

// A data set of feature rows [rows, dim] with their labels, for the classifier.
data::Dataset FeatureDataset(std::vector<float> values, std::vector<int32_t> labels, int64_t dim, data::Split split) {
  data::Dataset d;
  d.name = "features";
  d.split = split;
  d.shape = {1, 1, dim};
  d.pixels = std::move(values);
  d.labels = std::move(labels);
  return d;
}

int64_t TestErrors(Classifier& classifier, const data::Dataset& test) {
  return static_cast<int64_t>(std::llround((1.0 - classifier.Accuracy(test)) * static_cast<double>(test.rows())));
}

}  // namespace

FeatureMap PixelFeatures(int64_t image_dim) {
  return FeatureMap{"pixels", image_dim, [image_dim](const float* images, int64_t rows) {
                      return std::vector<float>(images, images + rows * image_dim);
                    }};
}

absl::StatusOr<FeatureMap> DiscriminatorFeatures(TrainedModel& model) {
  if (model.discriminator == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("experiment '", model.experiment.name(), "' has no discriminator"));
  }
  if (ConditionClasses(model.experiment) > 0 || model.experiment.has_inpainting()) {
    return absl::FailedPreconditionError(absl::StrCat("experiment '", model.experiment.name(),
                                                      "': its discriminator reads a condition beside the image; an unconditional GAN's is needed"));
  }
  Mlp& d = *model.discriminator;
  const size_t last = d.layers().size() - 1;
  const int64_t dim = d.layers()[last]->input_shape().size();
  return FeatureMap{"discriminator", dim, [&d, last, dim](const float* images, int64_t rows) {
                      std::vector<float> features(rows * dim);
                      Inference inference(d, rows);
                      inference.ForEachBatch(images, [&](int64_t first, const MlpPass& pass) {
                        std::copy_n(pass.layer_input(last), pass.batch() * dim, features.begin() + first * dim);
                      });
                      return features;
                    }};
}

absl::StatusOr<FeatureMap> EncoderFeatures(TrainedModel& model) {
  if (!model.experiment.has_inference() || model.encoder == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("experiment '", model.experiment.name(), "' is not an inference net"));
  }
  Mlp& e = *model.encoder;
  return FeatureMap{"encoder", e.output_dim(), [&e](const float* images, int64_t rows) { return e.Infer(images, rows); }};
}

StandardisedFeatures Standardise(const FeatureMap& map, const data::Dataset& unlabelled, const data::Dataset& test) {
  StandardisedFeatures out;
  out.dim = map.dim;
  out.train = map.features(unlabelled.pixels.data(), unlabelled.rows());
  out.test = map.features(test.pixels.data(), test.rows());
  const int64_t n = unlabelled.rows(), dim = map.dim;
  std::vector<double> mean(dim, 0.0), square(dim, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < dim; ++j) mean[j] += out.train[i * dim + j];
  }
  for (double& m : mean) m /= static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < dim; ++j) square[j] += (out.train[i * dim + j] - mean[j]) * (out.train[i * dim + j] - mean[j]);
  }
  for (std::vector<float>* values : {&out.train, &out.test}) {
    const int64_t rows = static_cast<int64_t>(values->size()) / dim;
    for (int64_t j = 0; j < dim; ++j) {
      const double sd = std::sqrt(square[j] / static_cast<double>(n));
      const double scale = sd > 0 ? 1.0 / sd : 1.0;
      for (int64_t i = 0; i < rows; ++i) (*values)[i * dim + j] = static_cast<float>(((*values)[i * dim + j] - mean[j]) * scale);
    }
  }
  return out;
}

absl::StatusOr<int64_t> LinearProbeTestErrors(const StandardisedFeatures& features, const std::vector<int64_t>& labelled_rows,
                                              const std::vector<int32_t>& train_labels, const std::vector<int32_t>& test_labels,
                                              int32_t classes, int64_t updates, uint64_t seed) {
  const int64_t dim = features.dim, rows = static_cast<int64_t>(labelled_rows.size());
  if (rows == 0 || updates <= 0) return absl::InvalidArgumentError("the linear probe needs labelled rows and updates");
  std::vector<float> values;
  std::vector<int32_t> labels;
  for (int64_t row : labelled_rows) {
    values.insert(values.end(), features.train.begin() + row * dim, features.train.begin() + (row + 1) * dim);
    labels.push_back(train_labels[row]);
  }
  proto::ClassifierExperiment experiment;
  experiment.set_name("linear_probe");
  experiment.set_classes(classes);
  experiment.set_batch_size(static_cast<int32_t>(std::min<int64_t>(100, rows)));
  const int64_t batches = rows / experiment.batch_size();
  experiment.set_epochs(static_cast<int32_t>((updates + batches - 1) / batches));
  experiment.set_seed(seed);
  experiment.mutable_data()->set_dataset("features");
  proto::LinearLayer* logits = experiment.mutable_net()->add_layers()->mutable_linear();
  logits->set_units(classes);
  logits->set_activation(proto::IDENTITY);
  logits->set_weight_irange(0.01f);
  proto::Adam* adam = experiment.mutable_optimizer()->mutable_adam();
  adam->set_learning_rate(0.001f);
  adam->set_beta1(0.9f);
  adam->set_beta2(0.999f);
  adam->set_epsilon(1e-8f);
  absl::StatusOr<std::unique_ptr<Classifier>> probe = Classifier::Create(experiment, data::ImageShape{1, 1, dim});
  if (!probe.ok()) return probe.status();
  const data::Dataset labelled = FeatureDataset(std::move(values), std::move(labels), dim, data::Split::kTrain);
  if (absl::Status trained = (*probe)->Train(labelled, [](int64_t, double) {}); !trained.ok()) return trained;
  const data::Dataset test = FeatureDataset(features.test, test_labels, dim, data::Split::kTest);
  return TestErrors(**probe, test);
}

absl::StatusOr<int64_t> ScratchClassifierTestErrors(proto::ClassifierExperiment experiment, const data::Dataset& labelled,
                                                    const data::Dataset& test, int64_t updates) {
  experiment.set_batch_size(static_cast<int32_t>(std::min<int64_t>(experiment.batch_size(), labelled.rows())));
  const int64_t batches = labelled.rows() / std::max(1, experiment.batch_size());
  if (batches == 0 || updates <= 0) return absl::InvalidArgumentError("the classifier needs labelled rows and updates");
  experiment.set_epochs(static_cast<int32_t>((updates + batches - 1) / batches));
  absl::StatusOr<std::unique_ptr<Classifier>> classifier = Classifier::Create(experiment, labelled.shape);
  if (!classifier.ok()) return classifier.status();
  if (absl::Status trained = (*classifier)->Train(labelled, [](int64_t, double) {}); !trained.ok()) return trained;
  return TestErrors(**classifier, test);
}

}  // namespace gan::eval
