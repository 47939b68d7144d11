#include "export/test_models.h"

#include <vector>

#include "gan/nets/build.h"
#include "gan/spec/experiment.h"

namespace gan::exporter {

TrainedModel InitialModelWithRandomBiases(const std::string& experiment_file, float bias_low, float bias_high, uint64_t seed,
                                          float weight_scale) {
  TrainedModel model;
  model.experiment = LoadExperimentFile(experiment_file).value();
  model.step = 1234;
  const Shape noise = GeneratorInputShape(model.experiment);
  const Shape image = OutputShape(model.experiment.generator(), noise).value();
  const std::vector<float> mean(image.size(), 0.2f);
  model.generator = BuildMlp(model.experiment.generator(), noise, 1, &mean).value();
  if (model.experiment.has_autoencoder()) {
    model.encoder = BuildMlp(model.experiment.autoencoder().encoder(), image, 2).value();
  } else if (model.experiment.has_inference()) {
    model.encoder = BuildMlp(model.experiment.inference().encoder(), image, 2).value();
    model.generator_file_sha256 = "5ca1ab1e";
  } else {
    model.discriminator = BuildMlp(model.experiment.discriminator(), DiscriminatorInputShape(model.experiment, image), 2).value();
  }
  Rng rng(seed);
  for (Mlp* mlp : {model.generator.get(), model.discriminator.get(), model.encoder.get()}) {
    if (mlp == nullptr) continue;
    for (const ParameterRef& p : mlp->Parameters()) {
      if (p.name.find("bias") != std::string::npos) {
        rng.FillUniform(p.value, p.size, bias_low, bias_high);
      } else {
        for (int64_t i = 0; i < p.size; ++i) p.value[i] *= weight_scale;
      }
    }
  }
  return model;
}

}  // namespace gan::exporter
