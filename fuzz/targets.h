// The fuzz targets: one function per file reader, fed arbitrary bytes (docs/dev/fuzzing.md).
//
// Each function returns 0 whatever the bytes are: a reader must refuse bad input with a Status.
// A finding is anything else: a crash, a sanitizer report, an uncaught exception, a hang, or a
// broken invariant (a target aborts when, say, a file it read and wrote back no longer reads).
//
// The same functions run in three places: the libFuzzer executables of the `fuzz` build
// (fuzz/fuzzer_main.cc, one per target), and ctest `fuzz_regressions`, which feeds them every
// committed input under fuzz/regressions/<target>/ and fuzz/seeds/<target>/ in every build.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace actrt::fuzz {

using FuzzInput = std::span<const uint8_t>;

int onnx_import(FuzzInput bytes);        // import_bytes + infer_shapes
int engine_file(FuzzInput bytes);        // engine_from_bytes (checksum fixed up), save round trip
int calibration_cache(FuzzInput bytes);  // parse_calibration_cache, format round trip
int npy(FuzzInput bytes);                // parse_npy, serialize round trip
int npz(FuzzInput bytes);                // read_npz
int json(FuzzInput bytes);               // parse_json, dump round trip; RunResults JSON
int norm_stats(FuzzInput bytes);         // load_norm_stats (the stats.json of a policy)
int hdf5_episode(FuzzInput bytes);       // ActEpisodes::open + sample on one episode file

struct Target {
  std::string_view name;  // the folder name under fuzz/seeds/ and fuzz/regressions/
  int (*run)(FuzzInput);
};

// Every target, in the order above.
std::span<const Target> all_targets();

// Called by each target on entry: silences actrt's log (warnings about bad input are expected
// by the thousand) once per process.
void quiet_logs();

}  // namespace actrt::fuzz
