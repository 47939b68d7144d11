// The masks of the inpainting conditionals and the rows built from them.
#include "gan/spec/inpainting.h"

#include <numeric>
#include <set>
#include <vector>

#include "gan/spec/experiment.h"
#include "gtest/gtest.h"

namespace gan {
namespace {

double Missing(const std::vector<float>& mask) { return std::accumulate(mask.begin(), mask.end(), 0.0); }

TEST(InpaintingTest, ReportedMasksHideWhatTheirNamesSay) {
  Rng rng(1);
  std::vector<float> mask(28 * 28);
  ASSERT_TRUE(FillNamedMask("bottom_half", rng, 28, 28, mask.data()).ok());
  EXPECT_EQ(Missing(mask), 392);
  EXPECT_EQ(mask[13 * 28 + 5], 0.0f);
  EXPECT_EQ(mask[14 * 28 + 5], 1.0f);
  ASSERT_TRUE(FillNamedMask("left_half", rng, 28, 28, mask.data()).ok());
  EXPECT_EQ(Missing(mask), 392);
  EXPECT_EQ(mask[20 * 28 + 13], 1.0f);
  EXPECT_EQ(mask[20 * 28 + 14], 0.0f);
  ASSERT_TRUE(FillNamedMask("centre_square", rng, 28, 28, mask.data()).ok());
  EXPECT_EQ(Missing(mask), 196);
  EXPECT_EQ(mask[7 * 28 + 7], 1.0f);
  EXPECT_EQ(mask[20 * 28 + 20], 1.0f);
  EXPECT_EQ(mask[6 * 28 + 7], 0.0f);
  EXPECT_EQ(mask[21 * 28 + 20], 0.0f);
  ASSERT_TRUE(FillNamedMask("random_80", rng, 28, 28, mask.data()).ok());
  // 784 draws at 0.8: standard deviation 11.2 pixels.
  EXPECT_NEAR(Missing(mask), 0.8 * 784, 50);
}

TEST(InpaintingTest, UnknownMaskNamesTheKnownOnes) {
  Rng rng(1);
  std::vector<float> mask(16);
  const absl::Status unknown = FillNamedMask("top_half", rng, 4, 4, mask.data());
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.message().find("unknown mask 'top_half': the masks are bottom_half, left_half, centre_square, random_80"),
            std::string::npos)
      << unknown;
}

// The family: every draw hides some pixels and keeps some, and its kinds
// (halves, quadrants, squares of several sides, random pixels) all occur.
TEST(InpaintingTest, TrainingFamilyDrawsEveryKind) {
  Rng rng(2);
  std::vector<float> mask(28 * 28);
  std::set<int> counts;
  int halves = 0, quadrants = 0;
  for (int draw = 0; draw < 400; ++draw) {
    DrawTrainingMask(rng, 28, 28, mask.data());
    const int missing = static_cast<int>(Missing(mask));
    ASSERT_GT(missing, 0) << "draw " << draw;
    ASSERT_LT(missing, 784) << "draw " << draw;
    halves += missing == 392;
    quadrants += missing == 196;
    counts.insert(missing);
  }
  // A quarter of the draws are halves, a quarter quadrants (a 14 x 14 square
  // also hides 196); squares of sides 7 to 21 and random pixels give many
  // other counts.
  EXPECT_GT(halves, 60);
  EXPECT_GT(quadrants, 60);
  EXPECT_GT(counts.size(), 40u);
}

TEST(InpaintingTest, CompletionKeepsObservedPixelsAndTakesGeneratedOnes) {
  const std::vector<float> image = {0.1f, 0.2f, 0.3f, 0.4f};
  const std::vector<float> mask = {0.0f, 1.0f, 0.0f, 1.0f};
  std::vector<float> condition(8);
  FillCondition(image.data(), mask.data(), 4, condition.data());
  EXPECT_EQ(condition, (std::vector<float>{0.1f, 0.0f, 0.3f, 0.0f, 0.0f, 1.0f, 0.0f, 1.0f}));
  const std::vector<float> generated = {0.9f, 0.8f, 0.7f, 0.6f};
  std::vector<float> completion(4);
  Complete(generated.data(), condition.data(), 4, completion.data());
  EXPECT_EQ(completion, (std::vector<float>{0.1f, 0.8f, 0.3f, 0.6f}));
}

TEST(InpaintingTest, InputsAreNoiseThenEachImagesCondition) {
  const proto::Experiment e = ParseExperiment(R"(
    name: "i" noise_dim: 2 batch_size: 2 epochs: 1 update_mode: SIMULTANEOUS data { dataset: "d" }
    noise { uniform { low: 5 high: 6 } } inpainting { height: 2 width: 2 }
    generator { layers { linear { units: 4 } } } discriminator { layers { linear { units: 1 } } })",
                                              "test")
                                      .value();
  EXPECT_EQ(GeneratorInputDim(e), 2 + 8);
  const std::vector<float> images = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};
  Rng rng(3);
  const std::vector<float> masks = NamedMasks("left_half", rng, 2, 2, 2).value();
  const absl::StatusOr<std::vector<float>> inputs = InputsForMasks(e, rng, images.data(), masks.data(), 2);
  ASSERT_EQ(inputs->size(), 20u);
  for (int row = 0; row < 2; ++row) {
    const float* r = inputs->data() + row * 10;
    EXPECT_GE(r[0], 5.0f);
    EXPECT_LT(r[1], 6.0f);
    // Left column missing: pixels 0 and 2.
    const float* image = images.data() + row * 4;
    EXPECT_EQ(std::vector<float>(r + 2, r + 10), (std::vector<float>{0.0f, image[1], 0.0f, image[3], 1.0f, 0.0f, 1.0f, 0.0f}));
  }
  const std::vector<float> generated = {9, 9, 9, 9, 8, 8, 8, 8};
  EXPECT_EQ(CompleteRows(e, inputs->data(), generated.data(), 2), (std::vector<float>{9, 0.2f, 9, 0.4f, 8, 0.6f, 8, 0.8f}));
  const std::vector<float> grid = InpaintingGridImages(e, inputs->data(), generated.data(), 2);
  EXPECT_EQ(std::vector<float>(grid.begin(), grid.begin() + 8), (std::vector<float>{0.5f, 0.2f, 0.5f, 0.4f, 9, 0.2f, 9, 0.4f}));
}

TEST(InpaintingTest, ExperimentChecks) {
  const std::string base = R"(
    name: "i" noise_dim: 2 batch_size: 2 epochs: 1 data { dataset: "d" } noise { uniform { low: 0 high: 1 } }
    generator { layers { linear { units: 4 } } } discriminator { layers { linear { units: 1 } } } )";
  auto check = [&](const std::string& fields) { return ValidateExperiment(ParseExperiment(base + fields, "t").value()); };
  EXPECT_TRUE(check("update_mode: SIMULTANEOUS inpainting { height: 2 width: 2 }").ok());
  const absl::Status alternating = check("inpainting { height: 2 width: 2 }");
  EXPECT_NE(alternating.message().find("inpainting trains with update_mode: SIMULTANEOUS only"), std::string::npos) << alternating;
  const absl::Status tiny = check("update_mode: SIMULTANEOUS inpainting { height: 1 width: 4 }");
  EXPECT_NE(tiny.message().find("inpainting.height and inpainting.width must be at least 2, not 1 and 4"), std::string::npos) << tiny;
  const absl::Status both = check("update_mode: SIMULTANEOUS inpainting { height: 2 width: 2 } conditioning { classes: 3 }");
  EXPECT_NE(both.message().find("inpainting and conditioning cannot be combined"), std::string::npos) << both;
}

}  // namespace
}  // namespace gan
