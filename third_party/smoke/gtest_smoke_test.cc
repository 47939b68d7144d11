// GoogleTest and GoogleMock link: a matcher and a mock expectation work.
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

class Counter {
 public:
  virtual ~Counter() = default;
  virtual int Next() = 0;
};

class MockCounter : public Counter {
 public:
  MOCK_METHOD(int, Next, (), (override));
};

TEST(GtestSmokeTest, MatchersWork) {
  std::vector<int> values = {3, 1, 2};
  EXPECT_THAT(values, ::testing::UnorderedElementsAre(1, 2, 3));
  EXPECT_THAT(values, ::testing::Not(::testing::Contains(4)));
}

TEST(GtestSmokeTest, MockExpectationsWork) {
  MockCounter counter;
  EXPECT_CALL(counter, Next()).WillOnce(::testing::Return(5)).WillOnce(::testing::Return(6));
  Counter& base = counter;
  EXPECT_EQ(base.Next(), 5);
  EXPECT_EQ(base.Next(), 6);
}

}  // namespace
