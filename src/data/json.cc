#include "data/json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace actrt::data {

Json Json::boolean(bool b) {
  Json j;
  j.kind_ = Kind::kBool;
  j.bool_ = b;
  return j;
}
Json Json::number(double d) {
  Json j;
  j.kind_ = Kind::kNumber;
  j.number_ = d;
  return j;
}
Json Json::string(std::string s) {
  Json j;
  j.kind_ = Kind::kString;
  j.string_ = std::move(s);
  return j;
}
Json Json::array(std::vector<Json> items) {
  Json j;
  j.kind_ = Kind::kArray;
  j.items_ = std::move(items);
  return j;
}
Json Json::object() {
  Json j;
  j.kind_ = Kind::kObject;
  return j;
}

const Json* Json::find(std::string_view key) const {
  for (const auto& [k, v] : members_)
    if (k == key) return &v;
  return nullptr;
}

void Json::set(std::string key, Json v) {
  for (auto& [k, old] : members_)
    if (k == key) {
      old = std::move(v);
      return;
    }
  members_.emplace_back(std::move(key), std::move(v));
}

std::string_view json_kind_name(Json::Kind k) {
  switch (k) {
    case Json::Kind::kNull: return "null";
    case Json::Kind::kBool: return "a boolean";
    case Json::Kind::kNumber: return "a number";
    case Json::Kind::kString: return "a string";
    case Json::Kind::kArray: return "an array";
    case Json::Kind::kObject: return "an object";
  }
  return "?";
}

namespace {

class Parser {
 public:
  Parser(std::string_view s, const std::string& source) : s_(s), source_(source) {}

  Result<Json> parse_document() {
    Json v;
    RETURN_IF_ERROR(value(v, 0));
    skip_ws();
    if (pos_ != s_.size()) return error("end of input");
    return v;
  }

 private:
  static constexpr int kMaxDepth = 256;

  Status error(std::string_view expected) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') ++line, col = 1;
      else ++col;
    }
    std::string found;
    if (pos_ >= s_.size()) found = "end of input";
    else if (static_cast<unsigned char>(s_[pos_]) < 0x20) found = "control character " + std::to_string(static_cast<int>(s_[pos_]));
    else found = "'" + std::string(1, s_[pos_]) + "'";
    return invalid_argument(source_ + ":" + std::to_string(line) + ":" + std::to_string(col) +
                            ": expected " + std::string(expected) + ", found " + found);
  }

  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool literal(std::string_view w) {
    if (s_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }

  Status value(Json& out, int depth) {
    if (depth > kMaxDepth) return error("less nesting (at most 256 levels)");
    skip_ws();
    if (pos_ >= s_.size()) return error("a value");
    const char c = s_[pos_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      std::string s;
      RETURN_IF_ERROR(string(s));
      out = Json::string(std::move(s));
      return ok_status();
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(out);
    if (literal("true")) return out = Json::boolean(true), ok_status();
    if (literal("false")) return out = Json::boolean(false), ok_status();
    if (literal("null")) return out = Json(), ok_status();
    return error("a value (object, array, string, number, true, false or null)");
  }

  Status object(Json& out, int depth) {
    ++pos_;  // '{'
    out = Json::object();
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') return ++pos_, ok_status();
    while (true) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return error("a quoted key");
      const size_t key_pos = pos_;
      std::string key;
      RETURN_IF_ERROR(string(key));
      if (out.find(key)) {
        pos_ = key_pos;
        return error("a key not seen before in this object (duplicate \"" + key + "\")");
      }
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ':') return error("':'");
      ++pos_;
      Json v;
      RETURN_IF_ERROR(value(v, depth + 1));
      out.set(std::move(key), std::move(v));
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') return ++pos_, ok_status();
      return error("',' or '}'");
    }
  }

  Status array(Json& out, int depth) {
    ++pos_;  // '['
    out = Json::array();
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') return ++pos_, ok_status();
    while (true) {
      Json v;
      RETURN_IF_ERROR(value(v, depth + 1));
      out.push_back(std::move(v));
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') return ++pos_, ok_status();
      return error("',' or ']'");
    }
  }

  Status number(Json& out) {
    // Validate the RFC grammar first (from_chars alone would accept "01" or "1.").
    const size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    auto digits = [&] {
      const size_t d = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ - d;
    };
    if (pos_ < s_.size() && s_[pos_] == '0') ++pos_;
    else if (digits() == 0) return error("a digit");
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) return error("a digit after '.'");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) return error("a digit in the exponent");
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(s_.data() + start, s_.data() + pos_, d);
    if (ec == std::errc::result_out_of_range || !std::isfinite(d)) {
      pos_ = start;
      return error("a number within double range");
    }
    if (ec != std::errc() || ptr != s_.data() + pos_) {
      pos_ = start;
      return error("a number");
    }
    out = Json::number(d);
    return ok_status();
  }

  static void append_utf8(std::string& s, uint32_t cp) {
    if (cp < 0x80) s += static_cast<char>(cp);
    else if (cp < 0x800) s += static_cast<char>(0xc0 | (cp >> 6)), s += static_cast<char>(0x80 | (cp & 0x3f));
    else if (cp < 0x10000)
      s += static_cast<char>(0xe0 | (cp >> 12)), s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f)),
          s += static_cast<char>(0x80 | (cp & 0x3f));
    else
      s += static_cast<char>(0xf0 | (cp >> 18)), s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f)),
          s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f)), s += static_cast<char>(0x80 | (cp & 0x3f));
  }

  bool hex4(uint32_t& v) {
    if (pos_ + 4 > s_.size()) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_ + i];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return false;
    }
    pos_ += 4;
    return true;
  }

  Status string(std::string& out) {
    ++pos_;  // '"'
    while (true) {
      if (pos_ >= s_.size()) return error("'\"' to close the string");
      const char c = s_[pos_];
      if (c == '"') return ++pos_, ok_status();
      if (static_cast<unsigned char>(c) < 0x20) return error("an escaped control character (\\n, \\t, \\u00XX)");
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) return error("an escape character");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = 0;
          if (!hex4(cp)) return error("4 hex digits after \\u");
          if (cp >= 0xd800 && cp < 0xdc00) {  // a surrogate pair
            uint32_t lo = 0;
            if (!literal("\\u") || !hex4(lo) || lo < 0xdc00 || lo >= 0xe000) return error("a low surrogate \\uDC00-\\uDFFF");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else if (cp >= 0xdc00 && cp < 0xe000) {
            return error("a high surrogate before a low one");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --pos_;
          return error("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
      }
    }
  }

  std::string_view s_;
  const std::string& source_;
  size_t pos_ = 0;
};

void write_string(std::string& o, const std::string& s) {
  o += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          o += buf;
        } else {
          o += static_cast<char>(c);
        }
    }
  }
  o += '"';
}

void write_value(std::string& o, const Json& v, int indent, int level) {
  auto newline = [&](int lvl) {
    if (indent <= 0) return;
    o += '\n';
    o.append(static_cast<size_t>(indent * lvl), ' ');
  };
  switch (v.kind()) {
    case Json::Kind::kNull: o += "null"; break;
    case Json::Kind::kBool: o += v.as_bool() ? "true" : "false"; break;
    case Json::Kind::kNumber: {
      char buf[32];
      // Shortest text that parses back to the same double; NaN/inf have no JSON form.
      const double d = std::isfinite(v.as_number()) ? v.as_number() : 0.0;
      auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), d);
      o.append(buf, ptr);
      break;
    }
    case Json::Kind::kString: write_string(o, v.as_string()); break;
    case Json::Kind::kArray: {
      bool flat = true;
      for (const Json& item : v.items()) flat = flat && item.kind() != Json::Kind::kArray && item.kind() != Json::Kind::kObject;
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
    case Json::Kind::kObject: {
      o += '{';
      for (size_t i = 0; i < v.members().size(); ++i) {
        if (i) o += indent <= 0 ? ", " : ",";
        newline(level + 1);
        write_string(o, v.members()[i].first);
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

Result<Json> parse_json(std::string_view text, const std::string& source) {
  return Parser(text, source).parse_document();
}

std::string write_json(const Json& value, int indent) {
  std::string o;
  write_value(o, value, indent, 0);
  if (indent > 0) o += '\n';
  return o;
}

}  // namespace actrt::data
