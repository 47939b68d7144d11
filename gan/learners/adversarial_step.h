#ifndef GAN_LEARNERS_ADVERSARIAL_STEP_H_
#define GAN_LEARNERS_ADVERSARIAL_STEP_H_

// One training iteration of the adversarial game, in either update mode of
// gan/spec/experiment.proto (UpdateMode):
//
//   Alternating (Algorithm 1 as the paper states it): k D updates, then one
//   G update, each with its own noise batch. G does not change until its own
//   update, so G(z) of all k + 1 batches is one forward of (k + 1) m rows:
//       z_1 .. z_k+1 ~ p_z         G(z_i) for all i, one forward
//     for i = 1 .. k:
//       x ~ data                   D([x; G(z_i)]) -> D objective -> D grads -> D update
//     then:
//       D(G(z_k+1)) -> G objective -> D input grad -> G grads of the z_k+1 rows -> G update
//
//   Simultaneous (the authors' code): z ~ p_z, x ~ data, one forward of
//       D([x; G(z)]); D grads of the D objective and G grads of the G objective
//       (through the same dropped-out D), then both updates.
//
// Real and generated rows go through D as one batch of 2m rows: dropout masks
// are drawn per row, so this is the same computation as two batches of m, with
// matrix products twice as tall.

#include <cstdint>
#include <functional>

#include "gan/spec/experiment.pb.h"
#include "gan/nets/mlp.h"
#include "gan/nets/optimizer.h"
#include "base/random.h"

namespace gan {

// What one iteration measured, from its last D and G evaluations.
struct StepStats {
  double d_loss = 0;       // D objective (minimised), 0.5 * (BCE real + BCE fake)
  double g_loss = 0;       // G objective (minimised), per the experiment's GeneratorLoss
  double mean_d_real = 0;  // mean D(x) on the data batch
  double mean_d_fake = 0;  // mean D(G(z)) in the D evaluation
};

class AdversarialStep {
 public:
  // Makes the passes every iteration runs: G's and D's buffers and
  // primitives (throws as Mlp::MakePass does). next_data_batch returns m data
  // rows [m, data_dim]; it is called once per D update. Nothing is owned; all
  // must outlive this object.
  AdversarialStep(Mlp& generator, Mlp& discriminator, const proto::Experiment& experiment, Rng& noise_rng,
                  std::function<const float*()> next_data_batch);

  // One iteration: G's updates by g_optimizer, D's by d_optimizer (each over
  // that net's parameters).
  StepStats Run(Optimizer& g_optimizer, Optimizer& d_optimizer);

  // Matrix-product FLOPs of one Run() (forward, backward data, backward
  // weights), for speed figures.
  double MatmulFlops() const;

 private:
  void GeneratorForward();  // noise -> G(z), g_rows_ rows
  // D's forward (training) on fresh data and G(z) [m, data_dim]: the 2m-row pass.
  void DiscriminatorForward(const float* generated);
  // The D objective of that forward into `stats`, and D's parameter gradients
  // (or, with a folded optimiser, its update: gan/nets/optimizer.h).
  void DiscriminatorBackward(StepStats& stats);
  StepStats DiscriminatorUpdate(const float* generated, Optimizer& d_optimizer);  // the above, then the D update
  StepStats GeneratorUpdate(Optimizer& g_optimizer);                             // the G update, on G's last m rows
  StepStats SimultaneousUpdate(Optimizer& g_optimizer, Optimizer& d_optimizer);

  Mlp& g_;
  Mlp& d_;
  const proto::Experiment& experiment_;
  Rng& noise_rng_;
  std::function<const float*()> next_data_batch_;
  int64_t m_, data_dim_;
  int64_t k_;       // D updates per iteration (alternating)
  int64_t g_rows_;  // rows of G's forward: (k + 1) m alternating, m simultaneous
  bool non_saturating_;
  // The passes: G over its g_rows_ (backward of the last m rows alternating);
  // D over [data; generated], 2m rows (backward of the generated rows alone
  // simultaneous); D over G's m rows of the G update (alternating only).
  std::unique_ptr<MlpPass> g_pass_, d_pass_, d_generated_pass_;
};

}  // namespace gan

#endif  // GAN_LEARNERS_ADVERSARIAL_STEP_H_
