// Whole-file reads and atomic writes for the data loaders (internal to actrt_data).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "actrt/status.h"

namespace actrt::data {

// Reads a whole file; kIoError names the path and the OS reason.
Result<std::vector<uint8_t>> read_file_bytes(const std::string& path);
Result<std::string> read_file_text(const std::string& path);
// Writes "<path>.tmp" and renames it over `path`, so readers never see half a file.
Status write_file_atomic(const std::string& path, std::span<const uint8_t> bytes);

}  // namespace actrt::data
