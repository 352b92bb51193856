#include "core/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace actrt {

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void JsonWriter::newline() {
  if (indent_ <= 0) return;
  out_ += '\n';
  out_.append(has_element_.size() * static_cast<size_t>(indent_), ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_element_.empty()) {
    if (has_element_.back()) out_ += ',';
    has_element_.back() = true;
    newline();
  }
}

void JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  has_element_.push_back(false);
}

void JsonWriter::end_object() {
  const bool had = has_element_.back();
  has_element_.pop_back();
  if (had) newline();
  out_ += '}';
}

void JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  has_element_.push_back(false);
}

void JsonWriter::end_array() {
  const bool had = has_element_.back();
  has_element_.pop_back();
  if (had) newline();
  out_ += ']';
}

void JsonWriter::key(std::string_view k) {
  before_value();
  out_ += json_quote(k);
  out_ += indent_ > 0 ? ": " : ":";
  after_key_ = true;
}

void JsonWriter::value(std::string_view v) {
  before_value();
  out_ += json_quote(v);
}

void JsonWriter::value(double v) {
  before_value();
  if (!std::isfinite(v)) {
    out_ += "null";
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  out_ += buf;
}

void JsonWriter::value(int64_t v) {
  before_value();
  out_ += std::to_string(v);
}

void JsonWriter::value(bool v) {
  before_value();
  out_ += v ? "true" : "false";
}

void JsonWriter::null() {
  before_value();
  out_ += "null";
}

namespace {

void write_value(std::string& o, const JsonValue& v, int indent, int level) {
  auto newline = [&](int lvl) {
    if (indent <= 0) return;
    o += '\n';
    o.append(static_cast<size_t>(indent * lvl), ' ');
  };
  switch (v.kind()) {
    case JsonValue::Kind::kNull: o += "null"; break;
    case JsonValue::Kind::kBool: o += v.as_bool() ? "true" : "false"; break;
    case JsonValue::Kind::kNumber: {
      if (!std::isfinite(v.as_double())) {
        o += "null";
        break;
      }
      char buf[32];
      const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.as_double());
      o.append(buf, end);
      break;
    }
    case JsonValue::Kind::kString: o += json_quote(v.as_string()); break;
    case JsonValue::Kind::kArray: {
      bool flat = true;
      for (const JsonValue& item : v.items()) flat = flat && !item.is_array() && !item.is_object();
      o += '[';
      for (size_t i = 0; i < v.items().size(); ++i) {
        if (i) o += flat || indent <= 0 ? ", " : ",";
        if (!flat) newline(level + 1);
        write_value(o, v.items()[i], indent, level + 1);
      }
      if (!flat && !v.items().empty()) newline(level);
      o += ']';
      break;
    }
    case JsonValue::Kind::kObject: {
      o += '{';
      for (size_t i = 0; i < v.members().size(); ++i) {
        if (i) o += indent <= 0 ? ", " : ",";
        newline(level + 1);
        o += json_quote(v.members()[i].first);
        o += ": ";
        write_value(o, v.members()[i].second, indent, level + 1);
      }
      if (!v.members().empty()) newline(level);
      o += '}';
      break;
    }
  }
}

}  // namespace

std::string write_json(const JsonValue& value, int indent) {
  std::string o;
  write_value(o, value, indent, 0);
  if (indent > 0) o += '\n';
  return o;
}

}  // namespace actrt
