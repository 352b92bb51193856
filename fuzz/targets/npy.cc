// .npy images. An array that parses, serialized again, must parse to the same dtype, shape and
// bytes.
#include <cstring>

#include "../invariant.h"
#include "../targets.h"
#include "data/npz.h"

namespace actrt::fuzz {

int npy(FuzzInput bytes) {
  quiet_logs();
  auto tensor = data::parse_npy(bytes, "fuzz.npy", "array");
  if (!tensor.ok()) return 0;
  auto written = data::serialize_npy(tensor.value(), "array");
  FUZZ_INVARIANT(written.ok(), "a parsed array does not serialize: {}", written.status().to_string());
  auto again = data::parse_npy(written.value(), "fuzz.npy (written again)", "array");
  FUZZ_INVARIANT(again.ok(), "a parsed array, written again, does not parse: {}",
                 again.status().to_string());
  FUZZ_INVARIANT(again->dtype() == tensor->dtype() && again->shape() == tensor->shape(),
                 "dtype or shape changed on a round trip");
  FUZZ_INVARIANT(tensor->nbytes() == 0 ||
                     std::memcmp(again->raw_data(), tensor->raw_data(), tensor->nbytes()) == 0,
                 "data changed on a round trip");
  return 0;
}

}  // namespace actrt::fuzz
