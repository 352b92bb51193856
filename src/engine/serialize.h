// Plan <-> engine file bytes (layout in engine/format.h and docs/engine-format.md).
#pragma once

#include <string>
#include <string_view>

#include "actrt/status.h"
#include "runtime/plan.h"

namespace actrt::engine {

// Deterministic: the same plan always gives the same bytes.
Result<std::string> serialize_plan(const runtime::Plan& plan);

// What the fixed header says (checked: magic, version, size, checksum).
struct EngineHeader {
  uint32_t format_version = 0;
  uint64_t file_size = 0;
  uint64_t checksum = 0;
  BackendKind backend = BackendKind::kCpu;
  std::string producer;
};
Result<EngineHeader> read_header(std::string_view bytes, const std::string& source);

// Parses and validates every section. `source` names the file in messages. The backend's
// target check is the caller's (it needs the backend).
Result<runtime::Plan> deserialize_plan(std::string_view bytes, const std::string& source);

}  // namespace actrt::engine
