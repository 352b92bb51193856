// Calibration options shared by `actrt build --int8`, `actrt quantize` (and compare):
//   --calib-data PATH      a folder of ACT episodes (episode_*.hdf5), a folder of .npz feeds, or
//                          one .npz file (repeatable)
//   --cameras A,B,...      ACT episodes: camera names in the policy's order (default: camera_names
//                          of <model>.config.json, model_cameras.h; one of them is required)
//   --stats FILE.json      ACT episodes: normalization statistics (default: computed from the
//                          folder like ACT's get_norm_stats)
//   --calib-random         random feeds (seeded, Polygraphy's [0,1) default; --calib-range)
//   --calib-algo           entropy (default) | minmax | percentile;  --percentile P (99.99)
//   --calib-samples N      samples to calibrate on (default 32)
//   --calibration-cache F  TensorRT text cache: used if it exists (no data needed), else written
#pragma once

#include <memory>

#include "actrt/builder_config.h"
#include "actrt/calibrator.h"
#include "actrt/network.h"
#include "actrt/status.h"
#include "args.h"

namespace actrt::cli {

void add_calibration_options(ArgParser& parser);

// nullptr when no calibration option was given (no data, no cache). `seed` picks the ACT
// calibration timesteps and the random data.
Result<std::shared_ptr<Calibrator>> calibrator_from(const ArgParser& parser, const Network& network,
                                                    uint64_t seed);

// Calibration options given on the command line when no calibration will run (no --int8, or
// an engine file that runs as it was built) would be ignored: refused, naming them and `why`
// ("without --int8", "for an engine file").
Status check_calibration_options_unused(const ArgParser& parser, const std::string& why);

// An INT8 build needs activation scales: from calibration (data, random data or a cache) or
// from the model's own Q/DQ nodes. Without any, every layer would fall back to floating point
// with one warning each and the "INT8" engine would be FP32: an error that says what to give
// (the calibration options when the command has them, else an engine built with them).
Status check_int8_scales(const Network& network, const BuilderConfig& config,
                         bool has_calibration_options = true);

}  // namespace actrt::cli
