#include "core/thread_policy.h"

#include <gtest/gtest.h>

namespace actrt {
namespace {

TEST(ThreadPolicy, LeavesOneCoreToTheRestOfTheComputer) {
  EXPECT_EQ(default_threads_for(1), 1);
  EXPECT_EQ(default_threads_for(2), 1);
  EXPECT_EQ(default_threads_for(6), 5);   // Jetson Orin NX / AGX (6 to 12 cores)
  EXPECT_EQ(default_threads_for(0), 1);   // an unknown count still runs
}

TEST(ThreadPolicy, UsableCoresIsTheAffinityMask) {
  const int cores = usable_cores();
  EXPECT_GE(cores, 1);
  EXPECT_EQ(default_threads(), default_threads_for(cores));
}

}  // namespace
}  // namespace actrt
