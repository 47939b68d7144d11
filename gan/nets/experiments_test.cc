// Every experiment file in experiments/ parses, validates, and describes nets
// whose shapes fit its data set: G maps noise to an image of the data's size,
// D maps that image (with a conditional model's class) to one logit (an autoencoder's encoder maps it to the code,
// an inference net's to z).
#include <map>
#include <string>

#include "gan/nets/build.h"
#include "gan/spec/experiment.h"
#include "gan/nets/mlp.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

TEST(ExperimentsTest, AllFilesAreValidAndFitTheirData) {
  const std::map<std::string, int64_t> data_dims = {
      {"mnist", 784}, {"fashion_mnist", 784}, {"tfd", 48 * 48}, {"cifar10", 3 * 32 * 32}, {"faces", 64 * 64}};
  for (const char* name : {"quickstart", "mnist", "mnist_640", "mnist_authors_decay", "fashion_mnist", "tfd", "cifar10_fc", "cifar10_conv", "faces",
                           "mnist_autoencoder", "mnist_denoising_autoencoder", "mnist_vae", "mnist_inference",
                           "mnist_conditional", "mnist_conditional_slow_decay", "mnist_semi_supervised"}) {
    absl::StatusOr<proto::Experiment> e = LoadExperiment(name, {"experiments"});
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ(e->name(), name);
    EXPECT_TRUE(ValidateExperiment(*e).ok()) << name << ": " << ValidateExperiment(*e);
    ASSERT_TRUE(data_dims.count(e->data().dataset())) << name << ": unknown data set " << e->data().dataset();
    const int64_t data_dim = data_dims.at(e->data().dataset());
    const absl::StatusOr<Shape> generated = OutputShape(e->generator(), GeneratorInputShape(*e));
    ASSERT_TRUE(generated.ok()) << name << ": " << generated.status();
    EXPECT_EQ(generated->size(), data_dim) << name;
    if (e->has_autoencoder()) {
      // The encoder maps an image to the code (a VAE: its mean and log-variance).
      const int64_t code = e->autoencoder().kind() == proto::Autoencoder::VARIATIONAL ? 2 * e->noise_dim() : e->noise_dim();
      EXPECT_EQ(OutputShape(e->autoencoder().encoder(), *generated).value(), Shape::Flat(code)) << name;
      EXPECT_TRUE(e->autoencoder().optimizer().has_sgd() || e->autoencoder().optimizer().has_adam()) << name;
      continue;
    }
    if (e->has_inference()) {
      // The encoder maps an image to z.
      EXPECT_EQ(OutputShape(e->inference().encoder(), *generated).value(), Shape::Flat(e->noise_dim())) << name;
      continue;
    }
    // D gives one logit, or a semi-supervised D one per class.
    const int64_t logits = e->has_semi_supervised() ? e->semi_supervised().classes() : 1;
    EXPECT_EQ(OutputShape(e->discriminator(), DiscriminatorInputShape(*e, *generated)).value(), Shape::Flat(logits)) << name;
    EXPECT_TRUE(e->generator_optimizer().has_sgd() || e->generator_optimizer().has_adam()) << name;
    EXPECT_TRUE(e->discriminator_optimizer().has_sgd() || e->discriminator_optimizer().has_adam()) << name;
  }
  EXPECT_EQ(LoadExperiment("no_such", {"experiments"}).status().code(), absl::StatusCode::kNotFound);
}

// The Table 1 recipe is the uninterrupted decay's run stopped at epoch 2,300:
// everything else the same, seed included, so the one command retraces it.
TEST(ExperimentsTest, TheRecipeIsTheAuthorsDecayStoppedAtEpoch2300) {
  proto::Experiment recipe = LoadExperiment("mnist", {"experiments"}).value();
  proto::Experiment decay = LoadExperiment("mnist_authors_decay", {"experiments"}).value();
  EXPECT_TRUE(recipe.phases().empty());
  EXPECT_EQ(recipe.epochs(), 2300);
  EXPECT_EQ(decay.epochs(), 5760);
  for (proto::Experiment* e : {&recipe, &decay}) {
    e->clear_name();
    e->clear_epochs();
  }
  EXPECT_EQ(recipe.DebugString(), decay.DebugString());
}

// The first recipe is the Table 1 recipe but for its schedule (600 epochs,
// then two phases), its seed and the moving average it did not keep.
TEST(ExperimentsTest, The640EpochRecipeIsTheRecipeButItsSchedule) {
  proto::Experiment recipe = LoadExperiment("mnist", {"experiments"}).value();
  proto::Experiment first = LoadExperiment("mnist_640", {"experiments"}).value();
  EXPECT_EQ(first.epochs(), 600);
  ASSERT_EQ(first.phases_size(), 2);
  EXPECT_EQ(first.phases(0).epochs() + first.phases(1).epochs(), 40);
  for (proto::Experiment* e : {&recipe, &first}) {
    e->clear_name();
    e->clear_seed();
    e->clear_epochs();
    e->clear_phases();
    e->clear_generator_ema_decay();
  }
  EXPECT_EQ(recipe.DebugString(), first.DebugString());
}

// The conditional model on the slow decay is the conditional recipe but for
// its schedule, which is the first unconditional recipe's (mnist_640).
TEST(ExperimentsTest, SlowDecayConditionalIsTheConditionalRecipeOnTheUnconditionalSchedule) {
  proto::Experiment recipe = LoadExperiment("mnist_conditional", {"experiments"}).value();
  proto::Experiment slow = LoadExperiment("mnist_conditional_slow_decay", {"experiments"}).value();
  const proto::Experiment unconditional = LoadExperiment("mnist_640", {"experiments"}).value();
  EXPECT_EQ(slow.epochs(), unconditional.epochs());
  ASSERT_EQ(slow.phases_size(), unconditional.phases_size());
  for (int p = 0; p < slow.phases_size(); ++p) EXPECT_EQ(slow.phases(p).DebugString(), unconditional.phases(p).DebugString());
  EXPECT_EQ(slow.generator_optimizer().DebugString(), unconditional.generator_optimizer().DebugString());
  EXPECT_EQ(slow.discriminator_optimizer().DebugString(), unconditional.discriminator_optimizer().DebugString());
  for (proto::Experiment* e : {&recipe, &slow}) {
    e->clear_name();
    e->clear_epochs();
    e->clear_phases();
    e->mutable_generator_optimizer()->mutable_sgd()->clear_lr_decay_factor();
    e->mutable_discriminator_optimizer()->mutable_sgd()->clear_lr_decay_factor();
  }
  EXPECT_EQ(recipe.DebugString(), slow.DebugString());
}

}  // namespace
}  // namespace gan
