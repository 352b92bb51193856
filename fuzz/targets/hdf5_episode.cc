// ACT episode files (HDF5): a folder holding the input as its only episode_0.hdf5, opened for
// camera "top" (the camera of the seeds), then the first and the last sample read. libhdf5 is
// not instrumented, so coverage guides only through actrt's side of the reads.
#include "../scratch_file.h"
#include "data/act_episodes.h"

namespace actrt::fuzz {

int hdf5_episode(FuzzInput bytes) {
  quiet_logs();
  write_scratch_file("episodes/episode_0.hdf5", bytes);
  auto episodes = data::ActEpisodes::open(scratch_folder() + "/episodes", {"top"});
  if (!episodes.ok()) return 0;
  const data::ActEpisodes& e = episodes.value();
  (void)e.sample(0, 0, 2);
  (void)e.sample(e.num_episodes() - 1, e.episode_length() - 1, 3);
  return 0;
}

}  // namespace actrt::fuzz
