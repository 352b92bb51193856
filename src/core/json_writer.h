// A streaming JSON writer with correct escaping and deterministic output.
//
//   JsonWriter w;
//   w.begin_object(); w.key("params"); w.value(int64_t{42}); w.end_object();
//   std::string text = w.str();
//
// write_json() below turns a JsonValue tree (core/json_reader.h) into text instead, for documents
// that are built in memory or read, changed and written back.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_reader.h"

namespace actrt {

class JsonWriter {
 public:
  // indent > 0 pretty-prints with that many spaces per level.
  explicit JsonWriter(int indent = 2) : indent_(indent) {}

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  void key(std::string_view k);
  void value(std::string_view v);
  void value(const char* v) { value(std::string_view(v)); }
  void value(const std::string& v) { value(std::string_view(v)); }
  void value(double v);  // NaN / Inf are written as null (JSON has no such numbers)
  void value(int64_t v);
  void value(int v) { value(static_cast<int64_t>(v)); }
  void value(bool v);
  void null();
  // key + value in one call.
  template <typename T>
  void field(std::string_view k, const T& v) {
    key(k);
    value(v);
  }

  const std::string& str() const { return out_; }

 private:
  void before_value();
  void newline();
  std::string out_;
  int indent_;
  // Per open container: whether it already holds an element.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

// JSON string literal for `s` (with quotes).
std::string json_quote(std::string_view s);

// `value` as text, pretty-printed with `indent` spaces per level (0: one line, ", " and ": "
// between items) and a final newline when indent > 0. Arrays that hold no array or object stay on
// one line. Numbers are written in the shortest form that reads back to the same double (the
// parsed literal is not kept); NaN / Inf are written as null. Object members keep their order.
std::string write_json(const JsonValue& value, int indent = 2);

}  // namespace actrt
