// actrt's JSON: nlohmann::ordered_json (Debian's nlohmann-json3-dev) plus the two things it does
// not do the way actrt's messages and files need.
//
//   ASSIGN_OR_RETURN(Json doc, parse_json(text, "results.json"));
//   if (!doc.contains("lst") || !doc["lst"].is_array()) return invalid_model("results.json: ...");
//   std::string text = dump_json(doc, 4) + "\n";
//
// ordered_json keeps object members in file / insertion order, so reports list their fields in
// the order the code sets them and a file read and written back keeps its order.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "actrt/status.h"

namespace actrt {

using Json = nlohmann::ordered_json;

// Parses `text` (strict RFC 8259: no comments, trailing commas, NaN or numbers beyond double
// range). Errors are kInvalidModel "<source>:<line>:<column>: <what>" (1-based, columns count
// bytes); a duplicate key in one object is an error too ("<source>: duplicate key \"k\""),
// because which one wins is unspecified by the RFC. No exception escapes.
Result<Json> parse_json(std::string_view text, std::string_view source = "<json>");

// `value` as text, without a final newline: indent > 0 pretty-prints with that many spaces per
// level (json.dumps(indent=N) layout: one element per line, "[]" / "{}" when empty); indent 0
// writes one compact line. NaN / Inf are written as null (JSON has no such
// numbers); bytes that are not UTF-8 become U+FFFD instead of throwing.
std::string dump_json(const Json& value, int indent = 2);

// "null", "bool", "number", "string", "array", "object": for messages saying what a file holds.
std::string_view json_kind_name(const Json& value);

}  // namespace actrt
