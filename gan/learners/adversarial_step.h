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
//
// Data parallelism (distributed/group.h): in a group of N processes, each
// computes rows [r m/N, (r + 1) m/N) of every data batch, noise batch and
// dropout mask that one process would use (every process draws them whole
// and keeps its slice, so the random streams stay those of one process). Each
// objective's gradient is scaled by 1/N, each layer's parameter gradients are
// summed across the group as soon as that layer's backward has made them (the
// sums run while the layers below, and in the simultaneous step G's backward,
// are computed), and every process applies the same update: the step one
// process takes, up to the order of floating-point sums.

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"

#include "distributed/group.h"
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
  // rows [m, data_dim]; it is called once per D update. `group` shares every
  // batch (Solo(): this process computes all of it); its size must divide m
  // and the optimisers must not fold their update into the products, whose
  // gradients the group could then not sum (GanLearner checks both). Nothing
  // is owned; all must outlive this object.
  // A conditional experiment (Experiment.conditioning) gives D's data rows
  // with their class columns, and draws G's classes from
  // class_frequencies, one class per training example (its labels).
  // An inpainting experiment (Experiment.inpainting) gives images alone:
  // G completes each batch's images under training-family masks, and D reads
  // the same images under masks of their own as its real rows
  // (gan/spec/inpainting.h); simultaneous update, alone (GanLearner checks).
  AdversarialStep(Mlp& generator, Mlp& discriminator, const proto::Experiment& experiment, Rng& noise_rng,
                  std::function<const float*()> next_data_batch, distributed::Group& group = distributed::Solo(),
                  std::vector<int32_t> class_frequencies = {});

  // One iteration: G's updates by g_optimizer, D's by d_optimizer (each over
  // that net's parameters). The stats are this process's rows'; an error is
  // the group's (a rank that stopped answering).
  absl::StatusOr<StepStats> Run(Optimizer& g_optimizer, Optimizer& d_optimizer);

  // Matrix-product FLOPs of one Run() (forward, backward data, backward
  // weights), for speed figures.
  double MatmulFlops() const;

 private:
  // Below, m is this process's rows of a batch (all of it alone).
  void GeneratorForward();  // noise (and condition) -> G(z), g_rows_ rows
  // G's rows [first_g_row, + m) as D's input rows [m, data_dim]: the images
  // (an inpainter's completions), then G's condition columns.
  void GeneratedToDiscriminator(int64_t first_g_row, float* d_rows) const;
  // D's input gradient of m generated rows [m, data_dim] into G's output
  // gradient rows [first_g_row, + m): the image columns (an inpainter's
  // missing pixels only: the observed ones do not depend on G).
  void DiscriminatorGradToGenerator(const float* d_input_grad, int64_t first_g_row) const;
  // D's forward (training) on fresh data and G's rows [first_g_row, + m): the 2m-row pass.
  void DiscriminatorForward(int64_t first_g_row);
  // An inpainter's data rows of D [m, data_dim]: each image of the batch G
  // completes, then its condition under a training-family mask of its own.
  void InpaintingDataRows(float* d_rows);
  // The D objective of that forward into `stats`, and D's parameter gradients
  // (or, with a folded optimiser, its update: gan/nets/optimizer.h).
  void DiscriminatorBackward(StepStats& stats);
  absl::StatusOr<StepStats> DiscriminatorUpdate(int64_t first_g_row, Optimizer& d_optimizer);  // the above, then the D update
  absl::StatusOr<StepStats> GeneratorUpdate(Optimizer& g_optimizer);  // the G update, on G's last m rows
  absl::StatusOr<StepStats> SimultaneousUpdate(Optimizer& g_optimizer, Optimizer& d_optimizer);
  // In a group: this process's share of an objective's gradient (rows
  // [0, rows) of `output_grad`, one value each) scaled by 1/N. Alone, nothing.
  void ScaleForGroup(float* output_grad, int64_t rows) const;
  // This process's rows of `whole` [m_whole, width] into `slice` [m, width].
  void CopySlice(const float* whole, int64_t width, float* slice) const;

  Mlp& g_;
  Mlp& d_;
  const proto::Experiment& experiment_;
  Rng& noise_rng_;
  std::function<const float*()> next_data_batch_;
  distributed::Group& group_;
  int64_t m_whole_;  // the experiment's batch
  int64_t m_;        // this process's rows of it: m_whole_ / group size
  int64_t data_dim_;   // D's input: the image's values, then a conditional D's class columns
  int64_t image_dim_;  // G's output
  int64_t classes_;    // a conditional experiment's classes; 0 otherwise
  int64_t condition_dim_;  // values after the image in D's rows: ConditionDim (gan/spec/noise.h)
  bool inpainting_;
  const float* inpainting_images_ = nullptr;  // [m, image_dim]: the data batch of this iteration (inpainting)
  std::vector<float> inpainting_mask_;        // [image_dim]: one data row's mask (inpainting)
  std::vector<int32_t> class_frequencies_;
  std::vector<int32_t> whole_classes_;  // [m_whole_]: a conditional G's classes of one noise batch
  int64_t k_;       // D updates per iteration (alternating)
  int64_t g_rows_;  // rows of G's forward: (k + 1) m alternating, m simultaneous
  bool non_saturating_;
  // The passes: G over its g_rows_ (backward of the last m rows alternating);
  // D over [data; generated], 2m rows (backward of the generated rows alone
  // simultaneous); D over G's m rows of the G update (alternating only).
  std::unique_ptr<MlpPass> g_pass_, d_pass_, d_generated_pass_;
  std::vector<float> whole_noise_;  // [m_whole_, noise_dim] in a group or conditional, for the rows of each noise batch
  // In a group, the backward passes' hook: each layer's parameter gradients
  // start summing as soon as the layer's backward has made them, and pending
  // sums advance after every layer. Alone, empty.
  MlpPass::AfterLayer sum_each_layer_;
  struct GradientTensor {
    float* values;
    int64_t size;
  };
  std::unordered_map<const Layer*, std::vector<GradientTensor>> gradients_of_layer_;  // in a group, for sum_each_layer_
};

}  // namespace gan

#endif  // GAN_LEARNERS_ADVERSARIAL_STEP_H_
