#ifndef GAN_NETS_OPTIMIZER_H_
#define GAN_NETS_OPTIMIZER_H_

// Gradient-based update rules over a net's parameters (gan/nets/layers.h
// ParameterRef): SGD with momentum and the paper's schedules, and Adam.

#include <cstdint>
#include <memory>
#include <vector>

#include "gan/spec/experiment.pb.h"
#include "gan/nets/layers.h"

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
//
// Where the config sets fold_into_products and a tensor offers a fold
// (ParameterRef::fold), its whole update runs in its layer's backward (FoldedMomentum): the
// gradient's product writes the velocity and the layer moves the tensor at
// once, while the velocity is in cache; Step() then only advances the
// schedule. The product can fold a sum cheaply but not a scaling, so a folded
// tensor keeps its velocity as v = c * s, with one scale c for all folded
// tensors; an update is
//   c <- momentum * c;  s <- s - (lr / c) g  (in the product);  w <- w + c s,
// and when c falls below 2^-16 the layer sets s <- c s, w <- w + s, and c
// becomes 1. (With momentum 0 the product writes s = -lr g and c = 1.) A
// folded tensor's gradient is never written, and its backward with parameter
// gradients is its update: call Step() after it, before the next.
// Without the fold (a caller that reads or combines the gradients itself)
// every tensor's update is the two lines above, in Step().
// Checkpoints hold s, and c after the other scalars (StateTensors,
// StateScalars); without the fold, the checkpoint is as it always was.
class SgdMomentum : public Optimizer {
 public:
  SgdMomentum(std::vector<ParameterRef> params, const proto::SgdMomentum& config);
  ~SgdMomentum() override;
  SgdMomentum(const SgdMomentum&) = delete;
  SgdMomentum& operator=(const SgdMomentum&) = delete;
  void Step() override;
  void StartEpoch(int epoch) override;
  std::vector<std::vector<float>*> StateTensors() override;
  std::vector<double*> StateScalars() override;

  double learning_rate() const override { return learning_rate_; }
  double momentum() const override { return momentum_; }

 private:
  // The scale c the next update gives the folded velocities, and that
  // update as the layers run it.
  double NextVelocityScale() const { return momentum_ * velocity_scale_; }
  FoldedUpdate NextFoldedUpdate() const;

  std::vector<ParameterRef> params_;
  proto::SgdMomentum config_;
  std::vector<std::vector<float>> velocity_;  // v, or s where folded
  std::vector<bool> folded_;                  // per tensor
  double learning_rate_, momentum_;
  double updates_ = 0;          // t: updates made so far
  double velocity_scale_ = 1;   // c
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

}  // namespace gan

#endif  // GAN_NETS_OPTIMIZER_H_
