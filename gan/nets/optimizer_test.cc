// The update rules against their formulas worked by hand, and the schedules.
#include "gan/nets/optimizer.h"

#include <cmath>
#include <vector>

#include "gan/nets/build.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

struct OneParameter {
  std::vector<float> value = {1.0f, -2.0f}, grad = {0.5f, -1.0f};
  std::vector<ParameterRef> refs() { return {{"w", value.data(), grad.data(), 2}}; }
};

proto::SgdMomentum PaperSgd() {
  proto::SgdMomentum sgd;
  sgd.set_learning_rate(0.1f);
  sgd.set_lr_decay_factor(1.000004);
  sgd.set_min_learning_rate(1e-6f);
  sgd.set_initial_momentum(0.5f);
  sgd.set_final_momentum(0.7f);
  sgd.set_momentum_start_epoch(1);
  sgd.set_momentum_saturate_epoch(250);
  return sgd;
}

TEST(SgdMomentumTest, TwoStepsByHand) {
  OneParameter p;
  SgdMomentum sgd(p.refs(), PaperSgd());
  sgd.StartEpoch(1);
  sgd.Step();  // v = -0.1 * g; w += v
  EXPECT_FLOAT_EQ(p.value[0], 1.0f - 0.05f);
  EXPECT_FLOAT_EQ(p.value[1], -2.0f + 0.1f);
  sgd.Step();  // v = 0.5 * v - (0.1 / 1.000004) * g
  const double lr2 = double{0.1f} / 1.000004;
  EXPECT_NEAR(p.value[0], 1.0 - 0.05 + (0.5 * -0.05 - lr2 * 0.5), 1e-6);
  EXPECT_NEAR(p.value[1], -2.0 + 0.1 + (0.5 * 0.1 + lr2 * 1.0), 1e-6);
}

TEST(SgdMomentumTest, LearningRateDecaysToItsFloor) {
  OneParameter p;
  proto::SgdMomentum config = PaperSgd();
  config.set_lr_decay_factor(2.0);
  config.set_min_learning_rate(0.01f);
  SgdMomentum sgd(p.refs(), config);
  sgd.Step();
  EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.05f);
  for (int i = 0; i < 10; ++i) sgd.Step();
  EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.01f);
}

// The authors' schedule, lr = lr0 / 1.000004^t in double precision: after
// 300,000 updates (600 epochs of 500) it is 0.0301194, where dividing by the
// factor read as a float (1.0000040531) gives 0.0296. Stepping one at a time
// must give the closed form, not an accumulated product.
TEST(SgdMomentumTest, DecayIsTheClosedFormInDouble) {
  OneParameter p;
  p.grad = {0.0f, 0.0f};
  SgdMomentum sgd(p.refs(), PaperSgd());
  for (int t = 1; t <= 300000; ++t) {
    sgd.Step();
    if (t == 1 || t == 1000 || t == 300000) {
      ASSERT_EQ(sgd.learning_rate(), double{0.1f} / std::pow(1.000004, t)) << "after update " << t;
    }
  }
  EXPECT_NEAR(sgd.learning_rate(), 0.030119, 1e-6);
}

TEST(SgdMomentumTest, MomentumRampsLinearlyOverEpochs) {
  OneParameter p;
  SgdMomentum sgd(p.refs(), PaperSgd());
  sgd.StartEpoch(1);
  EXPECT_NEAR(sgd.momentum(), 0.5, 1e-7);
  sgd.StartEpoch(125);  // (125 - 1) / (250 - 1) of the way
  EXPECT_NEAR(sgd.momentum(), 0.5 + 0.2 * 124.0 / 249.0, 1e-7);
  sgd.StartEpoch(250);
  EXPECT_NEAR(sgd.momentum(), 0.7, 1e-7);
  sgd.StartEpoch(400);
  EXPECT_NEAR(sgd.momentum(), 0.7, 1e-7);
}

TEST(AdamTest, FirstStepMovesEachWeightByTheLearningRate) {
  // With bias correction, m_hat = g and v_hat = g^2 after one step, so the
  // update is lr * g / (|g| + eps) ~ lr * sign(g).
  OneParameter p;
  proto::Adam config;
  config.set_learning_rate(0.01f);
  config.set_beta1(0.9f);
  config.set_beta2(0.999f);
  config.set_epsilon(1e-8f);
  Adam adam(p.refs(), config);
  adam.Step();
  EXPECT_NEAR(p.value[0], 1.0 - 0.01, 1e-6);
  EXPECT_NEAR(p.value[1], -2.0 + 0.01, 1e-6);
  // What the metrics record: the base learning rate, and beta1 as its momentum.
  EXPECT_EQ(adam.learning_rate(), double{0.01f});
  EXPECT_EQ(adam.momentum(), double{0.9f});
}

TEST(MakeOptimizerTest, RefusesBadSettings) {
  OneParameter p;
  proto::Optimizer config;
  EXPECT_FALSE(MakeOptimizer(config, p.refs()).ok());
  *config.mutable_sgd() = PaperSgd();
  EXPECT_TRUE(MakeOptimizer(config, p.refs()).ok());
  config.mutable_sgd()->set_final_momentum(1.5f);
  auto bad = MakeOptimizer(config, p.refs());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("momentum"), std::string::npos);
}

}  // namespace
}  // namespace gan
