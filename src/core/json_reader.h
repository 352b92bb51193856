// A small, strict JSON reader (RFC 8259) with line:column errors: actrt's one JSON document model.
//
//   ASSIGN_OR_RETURN(JsonValue doc, parse_json(text, "results.json"));
//   const JsonValue* lst = doc.find("lst");
//   if (!lst || !lst->is_array()) return invalid_model("results.json: expected 'lst' array");
//
// A JsonValue can also be built in memory (make_object + set, make_array + push_back) and turned
// into text with write_json() from core/json_writer.h; for output that is streamed rather than
// built, use JsonWriter there.
//
// Strict means: no comments, no trailing commas, no single quotes, no NaN/Infinity, no leading
// zeros, no numbers beyond double range, no unescaped control characters in strings, exactly one
// value with only whitespace around it. Objects keep their members in file order (so a reader can
// re-save in the same order); duplicate keys are an error, because which one wins is unspecified
// by the RFC.
//
// Numbers are held as double plus the literal text, so integers beyond 2^53 can be re-read
// exactly with as_int64(). Nesting is limited to 512 levels so hostile input cannot overflow
// the stack.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actrt/status.h"

namespace actrt {

class JsonValue {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, JsonValue>;

  JsonValue() = default;
  static JsonValue make_bool(bool b);
  static JsonValue make_number(double v, std::string literal);
  // The literal is v's shortest round-trip form ("0.1", "3", "1e+20").
  static JsonValue make_number(double v);
  static JsonValue make_string(std::string s);
  static JsonValue make_array(std::vector<JsonValue> items = {});
  static JsonValue make_object(std::vector<Member> members = {});

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }

  // Accessors return a default (false, 0, "", empty) for the wrong kind; check kind first.
  bool as_bool() const { return bool_; }
  double as_double() const { return number_; }
  // The number as int64 when its literal is an integer in range; nullopt otherwise.
  std::optional<int64_t> as_int64() const;
  const std::string& as_string() const { return string_; }  // strings; number literal for numbers
  const std::vector<JsonValue>& items() const { return items_; }
  const std::vector<Member>& members() const { return members_; }

  // Object member by key (nullptr when absent or not an object).
  const JsonValue* find(std::string_view key) const;

  // Building: appends to an array; sets an object member (replacing one with the same key, which
  // keeps its place; otherwise appended). Call them only on arrays / objects respectively.
  void push_back(JsonValue v) { items_.push_back(std::move(v)); }
  void set(std::string key, JsonValue v);

 private:
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<JsonValue> items_;
  std::vector<Member> members_;
};

// "null", "bool", "number", "string", "array", "object".
std::string_view json_kind_name(JsonValue::Kind kind);

// Parses `text`; errors are kInvalidModel "<source>:<line>:<column>: <what>" (1-based, columns
// count bytes).
Result<JsonValue> parse_json(std::string_view text, std::string_view source = "<json>");

}  // namespace actrt
