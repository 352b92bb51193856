#include "core/json.h"

#include <algorithm>
#include <set>
#include <vector>

#include <fmt/format.h>

namespace actrt {

namespace {

// nlohmann's parse_error::what() is "[json.exception.parse_error.101] parse error at line 1,
// column 10: syntax error ..."; the part after the position is what actrt's message keeps.
std::string_view after_prefix(std::string_view what) {
  const size_t column = what.find("column ");
  const size_t colon = what.find(": ", column == std::string_view::npos ? 0 : column);
  if (colon != std::string_view::npos) return what.substr(colon + 2);
  const size_t bracket = what.find("] ");
  return bracket == std::string_view::npos ? what : what.substr(bracket + 2);
}

// Thrown from the parser callback: nlohmann keeps the last of two equal keys silently.
struct DuplicateKey {
  std::string key;
};

}  // namespace

Result<Json> parse_json(std::string_view text, std::string_view source) {
  std::vector<std::set<std::string>> keys;  // one per open object
  const Json::parser_callback_t on_event = [&keys](int, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start: keys.emplace_back(); break;
      case Json::parse_event_t::object_end: keys.pop_back(); break;
      case Json::parse_event_t::key:
        if (!keys.back().insert(parsed.get<std::string>()).second)
          throw DuplicateKey{parsed.get<std::string>()};
        break;
      default: break;
    }
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), on_event);
  } catch (const Json::parse_error& e) {
    // e.byte counts the bytes read, the offending one included.
    const size_t at = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    const std::string_view before = text.substr(0, at);
    const size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
    const size_t newline = before.rfind('\n');
    const size_t column = at - (newline == std::string_view::npos ? 0 : newline + 1) + 1;
    return invalid_model(fmt::format("{}:{}:{}: {}", source, line, column, after_prefix(e.what())));
  } catch (const DuplicateKey& d) {
    return invalid_model(fmt::format("{}: duplicate key \"{}\"", source, d.key));
  } catch (const Json::exception& e) {  // out_of_range.406: a number beyond double range
    return invalid_model(fmt::format("{}: {}", source, after_prefix(e.what())));
  }
}

std::string dump_json(const Json& value, int indent) {
  return value.dump(indent > 0 ? indent : -1, ' ', /*ensure_ascii=*/false,
                    Json::error_handler_t::replace);
}

std::string_view json_kind_name(const Json& value) {
  return value.is_boolean() ? "bool" : value.type_name();
}

}  // namespace actrt
