// The normalization statistics file (stats.json next to a policy: qpos/action mean and std).
#include "../scratch_file.h"
#include "data/act_episodes.h"

namespace actrt::fuzz {

int norm_stats(FuzzInput bytes) {
  quiet_logs();
  (void)data::load_norm_stats(write_scratch_file("stats.json", bytes));
  return 0;
}

}  // namespace actrt::fuzz
