// Base64 (RFC 4648, standard alphabet, '=' padding), as Python's base64.b64encode writes it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "actrt/status.h"

namespace actrt::compare {

std::string base64_encode(std::span<const uint8_t> bytes);
// Strict: length a multiple of 4, only alphabet characters, padding only at the end.
// Errors name the character offset.
Result<std::vector<uint8_t>> base64_decode(std::string_view text);

}  // namespace actrt::compare
