#ifndef EXPORT_TEST_MODELS_H_
#define EXPORT_TEST_MODELS_H_

// Models for the export tests: an experiment's nets with their initial
// weights and every bias drawn at random, so that each parameter matters to a
// comparison between runtimes.

#include <cstdint>
#include <string>

#include "gan/run/trained_model.h"

namespace gan::exporter {

// G and D of `experiment_file` (G and the encoder for an autoencoder or an
// inference net, whose generator_file_sha256 is "5ca1ab1e"), built
// as training builds them, then every bias drawn uniformly in [bias_low,
// bias_high] from Rng(seed) and every weight multiplied by weight_scale (the
// initial weights of a D are so small that its output hardly depends on its
// input). training_step is 1234.
TrainedModel InitialModelWithRandomBiases(const std::string& experiment_file, float bias_low, float bias_high, uint64_t seed,
                                          float weight_scale = 1.0f);

}  // namespace gan::exporter

#endif  // EXPORT_TEST_MODELS_H_
