#include "eval/classifier.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/content_hash.h"
#include "base/status_macros.h"
#include "gan/nets/build.h"
#include "gan/nets/optimizer.h"
#include "gan/objectives/loss.h"
#include "gan/spec/experiment.h"
#include "google/protobuf/text_format.h"

namespace gan::eval {
namespace {

std::string ExperimentText(const proto::ClassifierExperiment& experiment) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(experiment, &text);
  return text;
}

Shape InputShape(const data::ImageShape& image) { return Shape::Image(image.channels, image.height, image.width); }

std::vector<uint64_t> InputDims(const Mlp& net) {
  std::vector<uint64_t> dims;
  for (int64_t d : net.input_shape().dims()) dims.push_back(static_cast<uint64_t>(d));
  return dims;
}

}  // namespace

Classifier::Classifier(const proto::ClassifierExperiment& experiment, std::unique_ptr<Mlp> net)
    : experiment_(experiment), net_(std::move(net)) {}

absl::StatusOr<std::unique_ptr<Classifier>> Classifier::Create(const proto::ClassifierExperiment& experiment,
                                                               const data::ImageShape& image) {
  GAN_RETURN_IF_ERROR(ValidateClassifierExperiment(experiment));
  absl::StatusOr<std::unique_ptr<Mlp>> net = BuildMlp(experiment.net(), InputShape(image), experiment.seed());
  if (!net.ok()) return absl::InvalidArgumentError(absl::StrCat("classifier experiment: net: ", net.status().message()));
  return std::unique_ptr<Classifier>(new Classifier(experiment, *std::move(net)));
}

int64_t Classifier::feature_dim() const { return net_->layers().back()->input_shape().size(); }

CheckpointSchema Classifier::Schema() {
  CheckpointSchema schema;
  schema.String(
      "classifier_experiment", [this] { return ExperimentText(experiment_); },
      [this](const std::string& text) -> absl::Status {
        if (text != ExperimentText(experiment_)) return absl::DataLossError("its experiment does not match its parameters");
        return absl::OkStatus();
      });
  schema.U64s(
      "input_shape", [this] { return InputDims(*net_); },
      [this](const std::vector<uint64_t>& dims) -> absl::Status {
        if (dims != InputDims(*net_)) return absl::DataLossError("its input shape does not match its net");
        return absl::OkStatus();
      });
  for (const ParameterRef& p : net_->Parameters()) schema.Floats(absl::StrCat("net.", p.name), p.value, p.size);
  return schema;
}

absl::Status Classifier::Save(const std::string& path) {
  CheckpointWriter writer;
  Schema().Save(writer);
  return writer.Write(path);
}

absl::StatusOr<std::unique_ptr<Classifier>> Classifier::Load(const std::string& path) {
  absl::StatusOr<CheckpointReader> reader = CheckpointReader::Open(path);
  if (!reader.ok()) return reader.status();
  absl::StatusOr<std::string> text = reader->ReadString("classifier_experiment");
  if (!text.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": not a classifier (", text.status().message(), ")"));
  absl::StatusOr<proto::ClassifierExperiment> experiment = ParseClassifierExperiment(*text, path + " (its experiment)");
  if (!experiment.ok()) return experiment.status();
  absl::StatusOr<std::vector<uint64_t>> dims = reader->ReadU64s("input_shape");
  if (!dims.ok()) return dims.status();
  if (dims->size() != 3) return absl::DataLossError(absl::StrCat(path, ": malformed 'input_shape'"));
  const data::ImageShape image{static_cast<int64_t>((*dims)[0]), static_cast<int64_t>((*dims)[1]), static_cast<int64_t>((*dims)[2])};
  absl::StatusOr<std::unique_ptr<Classifier>> classifier = Create(*experiment, image);
  if (!classifier.ok()) return absl::DataLossError(absl::StrCat(path, ": ", classifier.status().message()));
  GAN_RETURN_IF_ERROR((*classifier)->Schema().Load(*reader));
  return classifier;
}

absl::Status Classifier::Train(const data::Dataset& train, const std::function<void(int64_t, double)>& after_epoch) {
  const int64_t batch = experiment_.batch_size(), classes = experiment_.classes();
  if (train.dim() != net_->input_dim()) {
    return absl::InvalidArgumentError(absl::StrCat("classifier: data set '", train.name, "' has images of ", train.dim(),
                                                   " values, the net takes ", net_->input_dim()));
  }
  if (train.rows() < batch) {
    return absl::InvalidArgumentError(absl::StrCat("classifier: data set '", train.name, "' has ", train.rows(),
                                                   " training images, fewer than batch_size ", batch));
  }
  for (int64_t i = 0; i < train.rows(); ++i) {
    if (train.labels[i] < 0 || train.labels[i] >= classes) {
      return absl::InvalidArgumentError(absl::StrCat("classifier: data set '", train.name, "' image ", i, " has label ",
                                                     train.labels[i], ", outside [0, ", classes, ")"));
    }
  }
  absl::StatusOr<std::unique_ptr<Optimizer>> optimizer = MakeOptimizer(experiment_.optimizer(), net_->Parameters());
  if (!optimizer.ok()) return optimizer.status();
  data::Batcher batcher(train, batch, experiment_.seed());
  std::unique_ptr<MlpPass> pass = net_->MakePass(batch);
  std::vector<int32_t> labels(batch);  // [batch]
  for (int64_t epoch = 1; epoch <= experiment_.epochs(); ++epoch) {
    (*optimizer)->StartEpoch(static_cast<int>(epoch));
    double loss_sum = 0;
    for (int64_t step = 0; step < batcher.batches_per_epoch(); ++step) {
      const float* images = batcher.Next();
      std::copy(images, images + batch * train.dim(), pass->input());
      for (int64_t b = 0; b < batch; ++b) labels[b] = train.labels[batcher.last_rows()[b]];
      pass->Forward(/*training=*/true);
      const double loss = SoftmaxCrossEntropy(pass->output(), labels.data(), batch, classes, pass->output_grad());
      if (!std::isfinite(loss)) return absl::InternalError(absl::StrCat("classifier: the loss became ", loss, " in epoch ", epoch));
      loss_sum += loss;
      pass->Backward(/*input_grad=*/false, /*param_grads=*/true);
      (*optimizer)->Step();
      net_->ApplyConstraints();
    }
    after_epoch(epoch, loss_sum / static_cast<double>(batcher.batches_per_epoch()));
  }
  return absl::OkStatus();
}

Classifier::Outputs Classifier::Run(const float* images, int64_t rows) {
  Outputs outputs;
  outputs.rows = rows;
  outputs.feature_dim = feature_dim();
  outputs.classes = classes();
  outputs.features.resize(rows * outputs.feature_dim);
  outputs.probabilities.resize(rows * outputs.classes);
  if (rows == 0) return outputs;
  const size_t last = net_->layers().size() - 1;
  Inference(*net_, rows).ForEachBatch(images, [&](int64_t first, const MlpPass& pass) {
    const float* features = pass.layer_input(last);
    std::copy(features, features + pass.batch() * outputs.feature_dim, outputs.features.begin() + first * outputs.feature_dim);
    std::copy(pass.output(), pass.output() + pass.batch() * outputs.classes, outputs.probabilities.begin() + first * outputs.classes);
  });
  Softmax(outputs.probabilities.data(), rows, outputs.classes);
  return outputs;
}

std::vector<int64_t> Classifier::Labels(const float* images, int64_t rows) {
  const Outputs outputs = Run(images, rows);
  std::vector<int64_t> labels(rows);
  for (int64_t i = 0; i < rows; ++i) {
    const float* p = outputs.probabilities.data() + i * outputs.classes;
    labels[i] = std::max_element(p, p + outputs.classes) - p;
  }
  return labels;
}

std::string Classifier::WeightsKey() {
  uint64_t hash = base::Fnv1a(nullptr, 0);
  for (const ParameterRef& p : net_->Parameters()) hash = base::Fnv1a(p.value, static_cast<size_t>(p.size) * sizeof(float), hash);
  return absl::StrFormat("%016x", hash);
}

double Classifier::Accuracy(const data::Dataset& data) {
  if (data.rows() == 0) return 0;
  const std::vector<int64_t> labels = Labels(data.pixels.data(), data.rows());
  int64_t correct = 0;
  for (int64_t i = 0; i < data.rows(); ++i) correct += labels[i] == data.labels[i];
  return static_cast<double>(correct) / static_cast<double>(data.rows());
}

}  // namespace gan::eval
