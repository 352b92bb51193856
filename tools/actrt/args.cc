#include "args.h"

#include <algorithm>
#include <charconv>
#include <sstream>

#include <fmt/format.h>

namespace actrt::cli {

ArgParser::ArgParser(std::string usage, std::string description, std::vector<std::string> examples)
    : usage_(std::move(usage)), description_(std::move(description)), examples_(std::move(examples)) {
  group("General");
  flag("verbose", "more logging ([V] lines); also -v");
  flag("quiet", "only warnings and errors; also -q");
}

void ArgParser::group(std::string title) { current_group_ = std::move(title); }

void ArgParser::flag(std::string name, std::string help) {
  specs_.push_back({std::move(name), "", std::move(help), current_group_, true, false, std::nullopt});
}

void ArgParser::option(std::string name, std::string metavar, std::string help,
                       std::optional<std::string> default_value) {
  specs_.push_back({std::move(name), std::move(metavar), std::move(help), current_group_, false,
                    false, std::move(default_value)});
}

void ArgParser::multi_option(std::string name, std::string metavar, std::string help) {
  specs_.push_back({std::move(name), std::move(metavar), std::move(help), current_group_, false,
                    true, std::nullopt});
}

void ArgParser::positional(std::string name, std::string help, bool required) {
  positionals_.push_back({std::move(name), std::move(help), required});
}

const ArgParser::Spec* ArgParser::find(const std::string& name) const {
  for (const Spec& s : specs_)
    if (s.name == name) return &s;
  return nullptr;
}

Status ArgParser::parse(const std::vector<std::string>& args) {
  size_t next_positional = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "-h" || a == "--help") {
      help_requested_ = true;
      return ok_status();
    }
    if (a == "-v") a = "--verbose";
    if (a == "-q") a = "--quiet";
    if (a.rfind("--", 0) == 0 && a.size() > 2) {
      std::string name = a.substr(2);
      std::optional<std::string> inline_value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const Spec* spec = find(name);
      if (!spec) {
        std::string near;
        for (const Spec& s : specs_)
          if (s.name.find(name.substr(0, 3)) != std::string::npos) near += " --" + s.name;
        return invalid_argument("unknown option --" + name +
                                (near.empty() ? "" : " (did you mean:" + near + "?)") +
                                "; see --help");
      }
      if (spec->is_flag) {
        if (inline_value) return invalid_argument("--" + name + " takes no value");
        values_[name].push_back("1");
        continue;
      }
      std::string value;
      if (inline_value) {
        value = *inline_value;
      } else {
        if (i + 1 >= args.size())
          return invalid_argument("--" + name + " needs a value (" + spec->metavar + ")");
        value = args[++i];
      }
      if (!spec->multi) values_[name].clear();
      values_[name].push_back(value);
      continue;
    }
    if (next_positional >= positionals_.size())
      return invalid_argument("unexpected argument '" + a + "'; see --help");
    positional_values_[positionals_[next_positional++].name] = a;
  }
  for (size_t p = next_positional; p < positionals_.size(); ++p)
    if (positionals_[p].required)
      return invalid_argument("missing " + positionals_[p].name + "; usage: " + usage_);
  return ok_status();
}

std::string ArgParser::help() const {
  std::ostringstream os;
  os << "usage: " << usage_ << "\n\n" << description_ << "\n";
  if (!positionals_.empty()) {
    os << "\nArguments:\n";
    for (const auto& p : positionals_) os << "  " << p.name << "\n      " << p.help << "\n";
  }
  std::vector<std::string> groups;
  for (const Spec& s : specs_)
    if (std::find(groups.begin(), groups.end(), s.group) == groups.end()) groups.push_back(s.group);
  for (const std::string& g : groups) {
    os << "\n" << g << ":\n";
    for (const Spec& s : specs_) {
      if (s.group != g) continue;
      os << "  --" << s.name << (s.metavar.empty() ? "" : " " + s.metavar) << "\n      " << s.help;
      if (s.default_value) os << " (default: " << *s.default_value << ")";
      if (s.multi) os << " (repeatable)";
      os << "\n";
    }
  }
  if (!examples_.empty()) {
    os << "\nExamples:\n";
    for (const auto& e : examples_) os << "  " << e << "\n";
  }
  return os.str();
}

bool ArgParser::has(const std::string& name) const {
  if (values_.count(name)) return true;
  const Spec* s = find(name);
  return s && s->default_value.has_value();
}

bool ArgParser::given(const std::string& name) const { return values_.count(name) > 0; }

std::string ArgParser::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end() && !it->second.empty()) return it->second.back();
  const Spec* s = find(name);
  return s && s->default_value ? *s->default_value : "";
}

std::vector<std::string> ArgParser::get_all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::string> ArgParser::get_list(const std::string& name) const {
  const std::string s = get(name);
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t end = s.find(',', pos);
    if (end == std::string::npos) end = s.size();
    if (end > pos) out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

Result<int64_t> ArgParser::get_int(const std::string& name, int64_t dflt, int64_t min,
                                   int64_t max) const {
  if (!has(name)) return dflt;
  const std::string v = get(name);
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && ptr == v.data() + v.size() &&
                                               (out < min || out > max)))
    return invalid_argument(fmt::format("--{} must be between {} and {}, got {}", name, min, max, v));
  if (ec != std::errc() || ptr != v.data() + v.size())
    return invalid_argument("--" + name + " expects an integer, got '" + v + "'");
  return out;
}

Result<double> ArgParser::get_double(const std::string& name, double dflt, double min,
                                     double max) const {
  if (!has(name)) return dflt;
  const std::string v = get(name);
  double d = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || ptr != v.data() + v.size() || v.empty())
    return invalid_argument("--" + name + " expects a number, got '" + v + "'");
  // NaN fails both comparisons: refused with infinities, so that no loop waits on it.
  if (!(d >= min && d <= max))
    return invalid_argument(fmt::format("--{} must be a finite number between {} and {}, got {}",
                                        name, min, max, v));
  return d;
}

std::string ArgParser::arg(const std::string& name) const {
  auto it = positional_values_.find(name);
  return it == positional_values_.end() ? "" : it->second;
}

}  // namespace actrt::cli
