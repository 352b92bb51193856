#include "core/json_reader.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace actrt {

JsonValue JsonValue::make_bool(bool b) {
  JsonValue v;
  v.kind_ = Kind::kBool;
  v.bool_ = b;
  return v;
}
JsonValue JsonValue::make_number(double d, std::string literal) {
  JsonValue v;
  v.kind_ = Kind::kNumber;
  v.number_ = d;
  v.string_ = std::move(literal);
  return v;
}
JsonValue JsonValue::make_number(double d) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);  // shortest round-trip form
  return make_number(d, std::string(buf, ec == std::errc() ? end : buf));
}
JsonValue JsonValue::make_string(std::string s) {
  JsonValue v;
  v.kind_ = Kind::kString;
  v.string_ = std::move(s);
  return v;
}
JsonValue JsonValue::make_array(std::vector<JsonValue> items) {
  JsonValue v;
  v.kind_ = Kind::kArray;
  v.items_ = std::move(items);
  return v;
}
JsonValue JsonValue::make_object(std::vector<Member> members) {
  JsonValue v;
  v.kind_ = Kind::kObject;
  v.members_ = std::move(members);
  return v;
}

std::optional<int64_t> JsonValue::as_int64() const {
  if (kind_ != Kind::kNumber) return std::nullopt;
  if (string_.find_first_of(".eE") != std::string::npos) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(string_.c_str(), &end, 10);
  if (errno == ERANGE || end != string_.c_str() + string_.size()) return std::nullopt;
  return static_cast<int64_t>(v);
}

const JsonValue* JsonValue::find(std::string_view key) const {
  for (const auto& [k, v] : members_)
    if (k == key) return &v;
  return nullptr;
}

void JsonValue::set(std::string key, JsonValue v) {
  for (auto& [k, old] : members_)
    if (k == key) {
      old = std::move(v);
      return;
    }
  members_.emplace_back(std::move(key), std::move(v));
}

std::string_view json_kind_name(JsonValue::Kind kind) {
  switch (kind) {
    case JsonValue::Kind::kNull: return "null";
    case JsonValue::Kind::kBool: return "bool";
    case JsonValue::Kind::kNumber: return "number";
    case JsonValue::Kind::kString: return "string";
    case JsonValue::Kind::kArray: return "array";
    case JsonValue::Kind::kObject: return "object";
  }
  return "?";
}

namespace {

constexpr int kMaxDepth = 512;

class Parser {
 public:
  Parser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Result<JsonValue> parse_document() {
    skip_ws();
    JsonValue v;
    RETURN_IF_ERROR(parse_value(v, 0));
    skip_ws();
    if (pos_ != text_.size()) return error("unexpected " + describe_here() + " after the value");
    return v;
  }

 private:
  Status error(const std::string& what) const {
    // Line and column of pos_, computed only on failure.
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return invalid_model(std::string(source_) + ":" + std::to_string(line) + ":" +
                         std::to_string(col) + ": " + what);
  }

  std::string describe_here() const {
    if (pos_ >= text_.size()) return "end of input";
    const unsigned char c = static_cast<unsigned char>(text_[pos_]);
    if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02x", c);
    return buf;
  }

  void skip_ws() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  bool consume_literal(std::string_view lit) {
    if (text_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }

  Status parse_value(JsonValue& out, int depth) {
    if (depth > kMaxDepth) return error("nesting deeper than " + std::to_string(kMaxDepth));
    if (pos_ >= text_.size()) return error("expected a value, found end of input");
    const char c = text_[pos_];
    switch (c) {
      case '{': return parse_object(out, depth);
      case '[': return parse_array(out, depth);
      case '"': {
        std::string s;
        RETURN_IF_ERROR(parse_string(s));
        out = JsonValue::make_string(std::move(s));
        return ok_status();
      }
      case 't':
        if (consume_literal("true")) {
          out = JsonValue::make_bool(true);
          return ok_status();
        }
        break;
      case 'f':
        if (consume_literal("false")) {
          out = JsonValue::make_bool(false);
          return ok_status();
        }
        break;
      case 'n':
        if (consume_literal("null")) {
          out = JsonValue();
          return ok_status();
        }
        break;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number(out);
    }
    return error("expected a value, found " + describe_here());
  }

  Status parse_object(JsonValue& out, int depth) {
    ++pos_;  // '{'
    std::vector<JsonValue::Member> members;
    std::set<std::string> seen;
    skip_ws();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      out = JsonValue::make_object({});
      return ok_status();
    }
    while (true) {
      skip_ws();
      if (pos_ >= text_.size() || text_[pos_] != '"')
        return error("expected a string key, found " + describe_here());
      const size_t key_pos = pos_;
      std::string key;
      RETURN_IF_ERROR(parse_string(key));
      if (!seen.insert(key).second) {
        pos_ = key_pos;
        return error("duplicate key \"" + key + "\"");
      }
      skip_ws();
      if (pos_ >= text_.size() || text_[pos_] != ':')
        return error("expected ':' after key \"" + key + "\", found " + describe_here());
      ++pos_;
      skip_ws();
      JsonValue v;
      RETURN_IF_ERROR(parse_value(v, depth + 1));
      members.emplace_back(std::move(key), std::move(v));
      skip_ws();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        break;
      }
      return error("expected ',' or '}' in object, found " + describe_here());
    }
    out = JsonValue::make_object(std::move(members));
    return ok_status();
  }

  Status parse_array(JsonValue& out, int depth) {
    ++pos_;  // '['
    std::vector<JsonValue> items;
    skip_ws();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      out = JsonValue::make_array({});
      return ok_status();
    }
    while (true) {
      skip_ws();
      JsonValue v;
      RETURN_IF_ERROR(parse_value(v, depth + 1));
      items.push_back(std::move(v));
      skip_ws();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        break;
      }
      return error("expected ',' or ']' in array, found " + describe_here());
    }
    out = JsonValue::make_array(std::move(items));
    return ok_status();
  }

  Status parse_hex4(uint32_t& cp) {
    cp = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      if (pos_ >= text_.size()) return error("truncated \\u escape");
      const char h = text_[pos_];
      cp <<= 4;
      if (h >= '0' && h <= '9') cp |= h - '0';
      else if (h >= 'a' && h <= 'f') cp |= h - 'a' + 10;
      else if (h >= 'A' && h <= 'F') cp |= h - 'A' + 10;
      else return error("invalid hex digit in \\u escape: " + describe_here());
    }
    return ok_status();
  }

  static void append_utf8(std::string& s, uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xc0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xe0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      s += static_cast<char>(0xf0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  Status parse_string(std::string& out) {
    ++pos_;  // opening quote
    out.clear();
    while (true) {
      if (pos_ >= text_.size()) return error("unterminated string");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return ok_status();
      }
      if (static_cast<unsigned char>(c) < 0x20)
        return error("unescaped control character in string (" + describe_here() + ")");
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= text_.size()) return error("unterminated escape in string");
      const char e = text_[pos_++];
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
          uint32_t cp;
          RETURN_IF_ERROR(parse_hex4(cp));
          if (cp >= 0xd800 && cp <= 0xdbff) {  // high surrogate: a low one must follow
            if (!consume_literal("\\u")) return error("unpaired UTF-16 high surrogate in \\u escape");
            uint32_t lo;
            RETURN_IF_ERROR(parse_hex4(lo));
            if (lo < 0xdc00 || lo > 0xdfff) return error("invalid UTF-16 low surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            return error("unpaired UTF-16 low surrogate in \\u escape");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --pos_;
          return error(std::string("invalid escape '\\") + e + "' in string");
      }
    }
  }

  Status parse_number(JsonValue& out) {
    const size_t start = pos_;
    auto digit = [&] { return pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9'; };
    if (text_[pos_] == '-') ++pos_;
    if (!digit()) return error("expected a digit in number, found " + describe_here());
    if (text_[pos_] == '0') {
      ++pos_;
      if (digit()) return error("leading zeros are not allowed in numbers");
    } else {
      while (digit()) ++pos_;
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!digit()) return error("expected a digit after '.', found " + describe_here());
      while (digit()) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digit()) return error("expected a digit in exponent, found " + describe_here());
      while (digit()) ++pos_;
    }
    std::string literal(text_.substr(start, pos_ - start));
    // strtod is locale-dependent only for the decimal point; actrt never changes LC_NUMERIC.
    const double v = std::strtod(literal.c_str(), nullptr);
    if (!std::isfinite(v)) {  // JSON has no infinity; 1e999 would silently become one
      pos_ = start;
      return error("number " + literal + " is beyond double range");
    }
    out = JsonValue::make_number(v, std::move(literal));
    return ok_status();
  }

  std::string_view text_;
  std::string_view source_;
  size_t pos_ = 0;
};

}  // namespace

Result<JsonValue> parse_json(std::string_view text, std::string_view source) {
  return Parser(text, source).parse_document();
}

}  // namespace actrt
