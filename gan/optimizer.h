#ifndef GAN_OPTIMIZER_H_
#define GAN_OPTIMIZER_H_

// Gradient-based update rules over a net's parameters (gan/layers.h
// ParameterRef): SGD with momentum and the paper's schedules, and Adam.

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "gan/experiment.pb.h"
#include "gan/layers.h"

namespace gan {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Applies one update from the gradients currently held by the parameters.
  virtual void Step() = 0;
  // Called at the start of each epoch (counting from 1) for per-epoch schedules.
  virtual void StartEpoch(int epoch) = 0;
  // Every float of state beside the parameters (velocities, moments, step
  // count, schedule position), so a checkpoint can save and restore it.
  virtual std::vector<std::vector<float>*> StateTensors() = 0;
  virtual std::vector<double*> StateScalars() = 0;
  // The schedule's values for the next update, as the metrics record them:
  // the base learning rate, and the momentum (Adam: beta1, its first moment's decay).
  virtual double learning_rate() const = 0;
  virtual double momentum() const = 0;
};

// v <- momentum * v - lr * g; w <- w + v (pylearn2's rule). After the t-th
// update lr = max(lr0 / lr_decay_factor^t, min_learning_rate), in double
// precision as pylearn2's ExponentDecay computed it (lr0 is the float the
// experiment holds, as the authors' float32 learning rate was). Momentum
// follows a linear ramp over epochs, from initial at momentum_start_epoch to
// final at momentum_saturate_epoch.
class SgdMomentum : public Optimizer {
 public:
  SgdMomentum(std::vector<ParameterRef> params, const proto::SgdMomentum& config);
  void Step() override;
  void StartEpoch(int epoch) override;
  std::vector<std::vector<float>*> StateTensors() override;
  std::vector<double*> StateScalars() override { return {&learning_rate_, &momentum_, &updates_}; }

  double learning_rate() const override { return learning_rate_; }
  double momentum() const override { return momentum_; }

 private:
  std::vector<ParameterRef> params_;
  proto::SgdMomentum config_;
  std::vector<std::vector<float>> velocity_;
  double learning_rate_, momentum_;
  double updates_ = 0;  // t: updates made so far
};

// Adam (Kingma & Ba 2015) with bias correction.
class Adam : public Optimizer {
 public:
  Adam(std::vector<ParameterRef> params, const proto::Adam& config);
  void Step() override;
  void StartEpoch(int) override {}
  std::vector<std::vector<float>*> StateTensors() override;
  std::vector<double*> StateScalars() override { return {&steps_}; }
  double learning_rate() const override { return config_.learning_rate(); }
  double momentum() const override { return config_.beta1(); }

 private:
  std::vector<ParameterRef> params_;
  proto::Adam config_;
  std::vector<std::vector<float>> first_moment_, second_moment_;
  double steps_ = 0;
};

// OK when `config` names an optimiser with valid settings; else an error
// saying which field is wrong.
absl::Status ValidateOptimizer(const proto::Optimizer& config);

// Builds the optimiser a valid config names; errors as ValidateOptimizer.
absl::StatusOr<std::unique_ptr<Optimizer>> MakeOptimizer(const proto::Optimizer& config,
                                                         std::vector<ParameterRef> params);

}  // namespace gan

#endif  // GAN_OPTIMIZER_H_
