// .npz archives (ZIP, stored or deflated, ZIP64), read from a file as every caller does.
#include "../scratch_file.h"
#include "data/npz.h"

namespace actrt::fuzz {

int npz(FuzzInput bytes) {
  quiet_logs();
  (void)data::read_npz(write_scratch_file("fuzz.npz", bytes));
  return 0;
}

}  // namespace actrt::fuzz
