#include "gan/run/resume_check.h"

#include <cstdlib>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace gan {

std::unique_ptr<Trainer> ExpectResumedRunBitIdentical(const proto::Experiment& experiment, const data::Dataset& train, TrainerOptions options,
                                                      int64_t stop_after_steps, const std::string& name) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") + "/" + name;
  auto run = [&](const std::string& output_dir, int64_t max_steps, bool resume) -> std::unique_ptr<Trainer> {
    options.output_dir = output_dir;
    options.max_steps = max_steps;
    options.resume = resume;
    absl::StatusOr<std::unique_ptr<Trainer>> trainer = Trainer::Create(experiment, train, options);
    EXPECT_TRUE(trainer.ok()) << trainer.status();
    if (!trainer.ok()) return nullptr;
    const absl::Status ran = (*trainer)->Run();
    EXPECT_TRUE(ran.ok()) << ran;
    return ran.ok() ? *std::move(trainer) : nullptr;
  };
  std::unique_ptr<Trainer> straight = run(dir + "_straight", 0, false);
  if (straight == nullptr || run(dir + "_resumed", stop_after_steps, false) == nullptr) return nullptr;
  std::unique_ptr<Trainer> resumed = run(dir + "_resumed", 0, true);
  if (resumed == nullptr) return nullptr;
  EXPECT_EQ(resumed->step(), straight->step());
  const auto nets = straight->learner().TrainedNets(), resumed_nets = resumed->learner().TrainedNets();
  for (size_t n = 0; n < nets.size(); ++n) {
    const std::vector<ParameterRef> a = nets[n].second->Parameters(), b = resumed_nets[n].second->Parameters();
    for (size_t t = 0; t < a.size(); ++t) {
      EXPECT_EQ(std::vector<float>(a[t].value, a[t].value + a[t].size), std::vector<float>(b[t].value, b[t].value + b[t].size))
          << nets[n].first << " " << a[t].name;
    }
  }
  return straight;
}

}  // namespace gan
