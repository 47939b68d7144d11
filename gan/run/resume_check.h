#ifndef GAN_RUN_RESUME_CHECK_H_
#define GAN_RUN_RESUME_CHECK_H_

// Test support: a run stopped mid-way and resumed ends bit-identical to one
// trained straight through.

#include <cstdint>
#include <memory>
#include <string>

#include "data/dataset.h"
#include "gan/run/trainer.h"
#include "gan/spec/experiment.pb.h"

namespace gan {

// Trains `experiment` on `train` twice with `options`: straight through (into
// <TEST_TMPDIR>/<name>_straight) and stopped after `stop_after_steps` updates,
// then resumed (<name>_resumed); expects every trained net's parameters to
// end the same, bit for bit. Returns the straight run's trainer, or null after
// recording a failure.
std::unique_ptr<Trainer> ExpectResumedRunBitIdentical(const proto::Experiment& experiment, const data::Dataset& train, TrainerOptions options,
                                                      int64_t stop_after_steps, const std::string& name);

}  // namespace gan

#endif  // GAN_RUN_RESUME_CHECK_H_
