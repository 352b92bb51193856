// ACT episode files (HDF5): a folder holding the input as its only episode_0.hdf5, opened for
// camera "top" (the camera of the seeds), then the first and the last sample read. libhdf5 is
// not instrumented, so coverage guides only through actrt's side of the reads.
//
// Each input gets a folder of its own (the previous one removed): libhdf5 keeps per-file state
// (an object a bad file left open, its metadata cache) keyed by the file, and an input must
// not read what an earlier one left behind, or findings would not reproduce alone.
#include <cstdint>
#include <filesystem>
#include <string>

#include "../scratch_file.h"
#include "data/act_episodes.h"

namespace actrt::fuzz {

int hdf5_episode(FuzzInput bytes) {
  quiet_logs();
  static uint64_t count = 0;
  std::error_code ec;
  std::filesystem::remove_all(scratch_folder() + "/episodes-" + std::to_string(count), ec);
  const std::string folder = "episodes-" + std::to_string(++count);
  write_scratch_file(folder + "/episode_0.hdf5", bytes);
  auto episodes = data::ActEpisodes::open(scratch_folder() + "/" + folder, {"top"});
  if (!episodes.ok()) return 0;
  const data::ActEpisodes& e = episodes.value();
  (void)e.sample(0, 0, 2);
  (void)e.sample(e.num_episodes() - 1, e.episode_length() - 1, 3);
  return 0;
}

}  // namespace actrt::fuzz
