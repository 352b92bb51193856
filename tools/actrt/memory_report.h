// What an execution context allocates (runtime::MemoryUsage), as `actrt inspect ENGINE` and
// `actrt bench` print it and write it to JSON.
#pragma once

#include <string>

#include "core/json.h"
#include "runtime/backend.h"

namespace actrt::cli {

// {"device": {"weights": B, ..., "total": B, "libraries": B}, "host": {..., "total": B}} in bytes.
Json memory_usage_json(const runtime::MemoryUsage& m);

// A table in MB, one line per nonzero item; lines start with `indent`.
std::string memory_usage_text(const runtime::MemoryUsage& m, const std::string& indent);

}  // namespace actrt::cli
