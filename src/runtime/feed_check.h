// The one check of a feed (input name -> tensor) against what an engine or runner expects, so
// that every backend and runner refuses a bad feed with the same words.
#pragma once

#include <span>
#include <string_view>

#include "actrt/network.h"
#include "actrt/status.h"
#include "runtime/backend.h"

namespace actrt::runtime {

// Every expected input present and defined, no unknown names (all of them listed at once, as a
// misspelt key otherwise shows up only as "missing"), dtypes equal, shapes equal (a negative
// expected dimension accepts any size). kInvalidArgument naming `where` (e.g. "CPU engine",
// "runner 'trt'"), the input and expected versus found.
Status check_feed(std::span<const TensorInfo> expected, const TensorMap& feed,
                  std::string_view where);

}  // namespace actrt::runtime
