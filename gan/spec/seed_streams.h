#ifndef GAN_SPEC_SEED_STREAMS_H_
#define GAN_SPEC_SEED_STREAMS_H_

// The random streams of a training run, each seeded from the experiment's one
// seed: every stream draws on its own, so a change to what one stream draws
// leaves the others' numbers alone. The one place these seeds are derived.

#include <cstdint>

namespace gan {

enum class SeedStream : uint64_t {
  kBatches = 0,                  // the order of the training examples (the trainer's Batcher)
  kDraws = 1,                    // the learner's draws: G's noise, an autoencoder's corruption or codes
  kGeneratorOrDecoderInit = 2,   // the initial weights of G (and its moving average), or of the decoder
  kDiscriminatorOrEncoderInit = 3,  // the initial weights of D, or of the encoder
};

inline uint64_t StreamSeed(uint64_t experiment_seed, SeedStream stream) {
  return experiment_seed * 4 + static_cast<uint64_t>(stream);
}

// The seed of the noise (or held-out images) behind every epoch's sample grid
// of a run, the same at each epoch so that the grids show one z changing.
inline uint64_t SampleGridSeed(uint64_t experiment_seed) { return experiment_seed ^ 0x5a5a5a5a5a5a5a5aULL; }

// The seed of the order in which a semi-supervised run draws its labelled
// images (Experiment.semi_supervised), apart from the training set's order.
inline uint64_t LabelledBatchesSeed(uint64_t experiment_seed) { return experiment_seed ^ 0x3c3c3c3c3c3c3c3cULL; }

}  // namespace gan

#endif  // GAN_SPEC_SEED_STREAMS_H_
