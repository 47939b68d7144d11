#include "gan/spec/experiment.h"

#include <cmath>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "google/protobuf/io/tokenizer.h"
#include "base/file_bytes.h"
#include "gan/spec/noise.h"
#include "google/protobuf/text_format.h"

namespace gan {
namespace {

class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (error.empty()) error = absl::StrCat("line ", line + 1, " column ", column + 1, ": ", message);
  }
  std::string error;
};

// Parses text-format `text` as a `Message`; `source` and `what` name it in errors.
template <typename Message>
absl::StatusOr<Message> ParseText(const std::string& text, const std::string& source, const char* what) {
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  Message message;
  if (!parser.ParseFromString(text, &message)) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not a valid ", what, ": ", errors.error));
  }
  return message;
}

// The file `name_or_path` names: itself, or NAME.pbtxt in one of `dirs`.
absl::StatusOr<std::string> FindExperimentFile(const std::string& name_or_path, const std::vector<std::string>& dirs,
                                               const char* what) {
  std::vector<std::string> tried;
  std::vector<std::string> candidates = {name_or_path};
  for (const std::string& dir : dirs) candidates.push_back(dir + "/" + name_or_path + ".pbtxt");
  for (const std::string& path : candidates) {
    if (std::ifstream(path).good()) return path;
    tried.push_back(path);
  }
  return absl::NotFoundError(absl::StrCat(what, " '", name_or_path, "' not found; tried: ", absl::StrJoin(tried, ", ")));
}

}  // namespace

absl::StatusOr<proto::Experiment> ParseExperiment(const std::string& text, const std::string& source) {
  return ParseText<proto::Experiment>(text, source, "experiment");
}

absl::StatusOr<proto::Experiment> LoadExperimentFile(const std::string& path) {
  absl::StatusOr<std::string> text = base::ReadFileBytes(path);
  if (!text.ok()) return text.status();
  return ParseExperiment(*text, path);
}

absl::StatusOr<proto::Experiment> LoadExperiment(const std::string& name_or_path, const std::vector<std::string>& dirs) {
  absl::StatusOr<std::string> path = FindExperimentFile(name_or_path, dirs, "experiment");
  if (!path.ok()) return path.status();
  return LoadExperimentFile(*path);
}

absl::StatusOr<proto::ClassifierExperiment> ParseClassifierExperiment(const std::string& text, const std::string& source) {
  return ParseText<proto::ClassifierExperiment>(text, source, "classifier experiment");
}

absl::StatusOr<proto::ClassifierExperiment> LoadClassifierExperiment(const std::string& name_or_path,
                                                                     const std::vector<std::string>& dirs) {
  absl::StatusOr<std::string> path = FindExperimentFile(name_or_path, dirs, "classifier experiment");
  if (!path.ok()) return path.status();
  absl::StatusOr<std::string> text = base::ReadFileBytes(*path);
  if (!text.ok()) return text.status();
  return ParseClassifierExperiment(*text, *path);
}

namespace {

// batch_norm (BatchNormLayer) normalises over a pass's rows, so it may only be
// in a net whose every pass holds one batch of one kind: the semi-supervised
// generator's. A GAN's step puts real and generated rows (or two batches of
// G) through one pass and shares a batch between processes; the others are
// not wired for it yet.
absl::Status CheckBatchNorm(const proto::Mlp& net, const std::string& field, bool allowed) {
  for (int i = 0; i < net.layers_size(); ++i) {
    if (net.layers(i).has_batch_norm() && !allowed) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".layers[", i,
                                                     "]: batch_norm is only supported in a semi_supervised experiment's generator"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateClassifierExperiment(const proto::ClassifierExperiment& e) {
  if (e.classes() < 2) return absl::InvalidArgumentError(absl::StrCat("classifier experiment: classes must be at least 2, not ", e.classes()));
  if (e.batch_size() <= 0) return absl::InvalidArgumentError("classifier experiment: batch_size must be positive");
  if (e.epochs() <= 0) return absl::InvalidArgumentError("classifier experiment: epochs must be positive");
  if (e.data().dataset().empty()) return absl::InvalidArgumentError("classifier experiment: data.dataset is not set");
  if (e.net().layers_size() == 0) return absl::InvalidArgumentError("classifier experiment: net has no layers");
  const proto::Layer& last = e.net().layers(e.net().layers_size() - 1);
  if (!last.has_linear() || last.linear().units() != e.classes() || last.linear().activation() != proto::IDENTITY) {
    return absl::InvalidArgumentError(absl::StrCat("classifier experiment: the net's last layer must be linear with ", e.classes(),
                                                   " units (one per class) and activation IDENTITY (logits)"));
  }
  GAN_RETURN_IF_ERROR(CheckBatchNorm(e.net(), "classifier experiment: net", false));
  if (!e.has_optimizer()) return absl::InvalidArgumentError("classifier experiment: optimizer is not set");
  return absl::OkStatus();
}

namespace {

// The fields of an autoencoder experiment (Experiment.autoencoder), beside those every experiment has.
absl::Status ValidateAutoencoder(const proto::Experiment& e) {
  const proto::Autoencoder& a = e.autoencoder();
  auto error = [](const std::string& what) { return absl::InvalidArgumentError(absl::StrCat("experiment: autoencoder", what)); };
  if (e.discriminator().layers_size() > 0) return error(" is set, so there is no discriminator: remove `discriminator`");
  if (e.phases_size() > 0 || e.generator_ema_decay() > 0 || !e.init_from().empty() || e.has_generator_optimizer() ||
      e.has_discriminator_optimizer()) {
    return error(" is set: phases, generator_ema_decay, init_from and the GAN's two optimisers do not apply (use autoencoder.optimizer)");
  }
  if (a.encoder().layers_size() == 0) return error(".encoder has no layers");
  if (e.generator().layers_size() == 0) return error(" is set, but `generator` (its decoder) has no layers");
  if (!a.has_optimizer()) return error(".optimizer is not set");
  const bool variational = a.kind() == proto::Autoencoder::VARIATIONAL;
  if (variational) {
    // The prior the KL term is taken against is N(0, I), so the samples must be drawn from it.
    if (!e.noise().has_normal() || e.noise().normal().mean() != 0 || e.noise().normal().stddev() != 1) {
      return absl::InvalidArgumentError("experiment: a variational autoencoder's `noise` is its prior: it must be normal { mean: 0 stddev: 1 }");
    }
    if (a.reconstruction() != proto::Autoencoder::BINARY_CROSS_ENTROPY) {
      return error(".reconstruction: a variational autoencoder's decoder is Bernoulli (BINARY_CROSS_ENTROPY)");
    }
  } else if (e.has_noise()) {
    GAN_RETURN_IF_ERROR(ValidateNoise(e.noise()));
  }
  if (a.samples_per_example() < 0 || (!variational && a.samples_per_example() > 1)) {
    return error(absl::StrCat(".samples_per_example must be >= 0, and more than 1 only in a variational autoencoder, not ",
                              a.samples_per_example()));
  }
  const proto::Corruption& c = a.corruption();
  if (a.kind() == proto::Autoencoder::DENOISING) {
    if (c.kind_case() == proto::Corruption::KIND_NOT_SET) return error(".corruption is not set (a denoising autoencoder needs one)");
    if (c.has_masking_probability() && !(c.masking_probability() > 0 && c.masking_probability() < 1)) {
      return error(absl::StrCat(".corruption.masking_probability must be in (0, 1), not ", c.masking_probability()));
    }
    if (c.has_gaussian_stddev() && !(c.gaussian_stddev() > 0 && std::isfinite(c.gaussian_stddev()))) {
      return error(absl::StrCat(".corruption.gaussian_stddev must be positive, not ", c.gaussian_stddev()));
    }
  } else if (c.kind_case() != proto::Corruption::KIND_NOT_SET) {
    return error(".corruption is set, but only a DENOISING autoencoder corrupts its inputs");
  }
  return absl::OkStatus();
}

// The fields of an inference experiment (Experiment.inference), beside those every experiment has.
absl::Status ValidateInferenceNet(const proto::Experiment& e) {
  const proto::InferenceNet& n = e.inference();
  auto error = [](const std::string& what) { return absl::InvalidArgumentError(absl::StrCat("experiment: inference", what)); };
  if (e.has_autoencoder() || e.has_conditioning() || e.has_inpainting()) {
    return error(" is set: an inference net inverts an unconditional GAN's generator (remove autoencoder, conditioning, inpainting)");
  }
  if (e.discriminator().layers_size() > 0) return error(" is set, so there is no discriminator: remove `discriminator`");
  if (e.phases_size() > 0 || e.generator_ema_decay() > 0 || !e.init_from().empty() || e.has_generator_optimizer() ||
      e.has_discriminator_optimizer()) {
    return error(" is set: phases, generator_ema_decay, init_from and the GAN's two optimisers do not apply (use inference.optimizer)");
  }
  if (n.generator_file().empty()) return error(".generator_file is not set (a GAN checkpoint or an exported ONNX generator)");
  if (e.generator().layers_size() == 0) return error(" is set, but `generator` (the fixed G, as its run trained it) has no layers");
  if (n.encoder().layers_size() == 0) return error(".encoder has no layers");
  if (!n.has_optimizer()) return error(".optimizer is not set");
  if (e.precision() != proto::Experiment::FP32) return error(" is set: an inference net trains in FP32 (precision)");
  return absl::OkStatus();
}

// The fields of a semi-supervised experiment (Experiment.semi_supervised), beside those every experiment has.
absl::Status ValidateSemiSupervised(const proto::Experiment& e) {
  const proto::SemiSupervised& s = e.semi_supervised();
  auto error = [](const std::string& what) { return absl::InvalidArgumentError(absl::StrCat("experiment: semi_supervised", what)); };
  if (e.has_autoencoder() || e.has_conditioning() || e.has_inpainting() || e.has_inference()) {
    return error(" is set: it cannot be combined with autoencoder, conditioning, inpainting or inference");
  }
  if (s.classes() < 2) return error(absl::StrCat(".classes must be at least 2, not ", s.classes()));
  if (s.labelled() < s.classes() || s.labelled() % s.classes() != 0) {
    return error(absl::StrCat(".labelled must be a positive multiple of classes (", s.classes(), "), not ", s.labelled()));
  }
  if (e.phases_size() > 0 || e.generator_ema_decay() > 0 || !e.init_from().empty()) {
    return error(" is set: phases, generator_ema_decay and init_from do not apply");
  }
  if (e.precision() != proto::Experiment::FP32) return error(" is set: it trains in FP32 (precision)");
  if (s.init_rows() < 0) return error(absl::StrCat(".init_rows must not be negative, not ", s.init_rows()));
  if (!(s.average_decay() >= 0 && s.average_decay() < 1)) {
    return error(absl::StrCat(".average_decay must be in [0, 1), not ", s.average_decay()));
  }
  if (s.has_unlabelled_weight() && !(s.unlabelled_weight() > 0 && std::isfinite(s.unlabelled_weight()))) {
    return error(absl::StrCat(".unlabelled_weight must be positive and finite, not ", s.unlabelled_weight()));
  }
  const int last = e.discriminator().layers_size() - 1;
  if (last < 1 || !e.discriminator().layers(last).has_linear() || e.discriminator().layers(last).linear().units() != s.classes() ||
      e.discriminator().layers(last).linear().activation() != proto::IDENTITY) {
    return error(absl::StrCat(": the discriminator needs hidden layers and a last layer linear with ", s.classes(),
                              " units (one logit per class) and activation IDENTITY"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateExperiment(const proto::Experiment& e) {
  if (e.noise_dim() <= 0) return absl::InvalidArgumentError("experiment: noise_dim must be positive");
  if (e.has_autoencoder()) {
    GAN_RETURN_IF_ERROR(ValidateAutoencoder(e));
  } else if (absl::Status noise = ValidateNoise(e.noise()); !noise.ok()) {
    return noise;
  }
  if (e.has_inference()) GAN_RETURN_IF_ERROR(ValidateInferenceNet(e));
  if (e.has_semi_supervised()) GAN_RETURN_IF_ERROR(ValidateSemiSupervised(e));
  GAN_RETURN_IF_ERROR(CheckBatchNorm(e.generator(), "experiment: generator", e.has_semi_supervised()));
  GAN_RETURN_IF_ERROR(CheckBatchNorm(e.discriminator(), "experiment: discriminator", false));
  GAN_RETURN_IF_ERROR(CheckBatchNorm(e.autoencoder().encoder(), "experiment: autoencoder.encoder", false));
  GAN_RETURN_IF_ERROR(CheckBatchNorm(e.inference().encoder(), "experiment: inference.encoder", false));
  if (e.has_conditioning()) {
    if (e.conditioning().classes() < 2) {
      return absl::InvalidArgumentError(absl::StrCat("experiment: conditioning.classes must be at least 2, not ", e.conditioning().classes()));
    }
    if (e.has_autoencoder()) return absl::InvalidArgumentError("experiment: conditioning applies to the GAN, not to an autoencoder");
  }
  if (e.has_inpainting()) {
    const proto::Inpainting& inpainting = e.inpainting();
    if (inpainting.height() < 2 || inpainting.width() < 2) {
      return absl::InvalidArgumentError(absl::StrCat("experiment: inpainting.height and inpainting.width must be at least 2, not ",
                                                     inpainting.height(), " and ", inpainting.width()));
    }
    if (e.has_autoencoder()) return absl::InvalidArgumentError("experiment: inpainting applies to the GAN, not to an autoencoder");
    if (e.has_conditioning()) return absl::InvalidArgumentError("experiment: inpainting and conditioning cannot be combined");
    if (e.update_mode() != proto::SIMULTANEOUS) {
      return absl::InvalidArgumentError("experiment: inpainting trains with update_mode: SIMULTANEOUS only");
    }
  }
  if (e.batch_size() <= 0) return absl::InvalidArgumentError("experiment: batch_size must be positive");
  if (e.epochs() <= 0) return absl::InvalidArgumentError("experiment: epochs must be positive");
  if (e.discriminator_steps() < 0) return absl::InvalidArgumentError("experiment: discriminator_steps must be >= 1");
  if (e.data().dataset().empty()) return absl::InvalidArgumentError("experiment: data.dataset is not set");
  if (!(e.generator_ema_decay() >= 0 && e.generator_ema_decay() < 1)) {
    return absl::InvalidArgumentError(absl::StrCat("experiment: generator_ema_decay must be in [0, 1), not ", e.generator_ema_decay()));
  }
  for (int p = 0; p < e.phases_size(); ++p) {
    if (e.phases(p).epochs() <= 0) return absl::InvalidArgumentError(absl::StrCat("experiment: phases[", p, "].epochs must be positive"));
  }
  return absl::OkStatus();
}

const char* UpdateModeName(proto::UpdateMode mode) {
  return mode == proto::SIMULTANEOUS ? "simultaneous" : "alternating";
}

}  // namespace gan
