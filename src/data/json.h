// A small, strict JSON reader and writer (RFC 8259; internal to actrt_data).
//
// Strict: no comments, no trailing commas, no NaN/Infinity, no duplicate object keys, nothing
// after the top-level value. Errors give "<source>:<line>:<column>: expected X, found Y".
// Numbers are held as double; objects keep their key order. Used for normalization
// statistics files; small enough to read in one sitting.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actrt/status.h"

namespace actrt::data {

class Json {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Json() = default;
  static Json boolean(bool b);
  static Json number(double d);
  static Json string(std::string s);
  static Json array(std::vector<Json> items = {});
  static Json object();

  Kind kind() const { return kind_; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool as_bool() const { return bool_; }
  double as_number() const { return number_; }
  const std::string& as_string() const { return string_; }
  const std::vector<Json>& items() const { return items_; }
  const std::vector<std::pair<std::string, Json>>& members() const { return members_; }
  // Member by key; nullptr when absent or when this is not an object.
  const Json* find(std::string_view key) const;
  // Appends to an array / sets (replaces) an object member.
  void push_back(Json v) { items_.push_back(std::move(v)); }
  void set(std::string key, Json v);

 private:
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Json> items_;
  std::vector<std::pair<std::string, Json>> members_;
};

std::string_view json_kind_name(Json::Kind k);

// `source` names the text in messages (usually the file path).
Result<Json> parse_json(std::string_view text, const std::string& source);
// Pretty-printed with `indent` spaces (0: one line); numbers in shortest round-trip form.
// Arrays of numbers stay on one line.
std::string write_json(const Json& value, int indent = 2);

}  // namespace actrt::data
