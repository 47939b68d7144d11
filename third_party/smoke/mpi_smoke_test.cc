// Open MPI links and runs: the library says it is 4.1, and a process started
// without mpirun is a world of one whose sum of an array is the array.
#include <mpi.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace {

TEST(MpiSmokeTest, SingletonWorldSums) {
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  ASSERT_EQ(MPI_Get_library_version(version, &length), MPI_SUCCESS);
  EXPECT_NE(std::string(version, length).find("Open MPI v4.1"), std::string::npos) << version;

  ASSERT_EQ(MPI_Init(nullptr, nullptr), MPI_SUCCESS);
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_EQ(size, 1);
  std::vector<float> values = {1.5f, -2.0f, 3.25f};
  ASSERT_EQ(MPI_Allreduce(MPI_IN_PLACE, values.data(), 3, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD), MPI_SUCCESS);
  EXPECT_EQ(values, (std::vector<float>{1.5f, -2.0f, 3.25f}));
  float sum = 0;
  const float one = 1;
  ASSERT_EQ(MPI_Allreduce(&one, &sum, 1, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD), MPI_SUCCESS);
  EXPECT_EQ(sum, 1.0f);
  EXPECT_EQ(MPI_Finalize(), MPI_SUCCESS);
}

}  // namespace
