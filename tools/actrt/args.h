// A small command-line parser: options grouped by phase, generated --help, clear errors.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actrt/status.h"

namespace actrt::cli {

class ArgParser {
 public:
  // usage: "actrt inspect MODEL [options]"; description: a paragraph; examples: one per line.
  ArgParser(std::string usage, std::string description, std::vector<std::string> examples = {});

  // Starts a new group of options in --help ("Model loading", "Build", ...).
  void group(std::string title);
  // A boolean switch: --name.
  void flag(std::string name, std::string help);
  // An option with a value: --name VALUE (also --name=VALUE). `metavar` shows in help.
  void option(std::string name, std::string metavar, std::string help,
              std::optional<std::string> default_value = std::nullopt);
  // A repeatable option: every occurrence is kept.
  void multi_option(std::string name, std::string metavar, std::string help);
  // Positional arguments, in order; `required` ones must be present.
  void positional(std::string name, std::string help, bool required = true);

  // Parses; --help / -h sets help_requested(). Unknown options are errors that list near names.
  Status parse(const std::vector<std::string>& args);
  bool help_requested() const { return help_requested_; }
  std::string help() const;

  bool has(const std::string& name) const;  // flag given, or option given / defaulted
  bool given(const std::string& name) const;  // on the command line (a default does not count)
  std::string get(const std::string& name) const;  // "" when absent
  std::vector<std::string> get_all(const std::string& name) const;
  // The option's value split at commas, empty items dropped ("top,,left" -> {top, left}).
  std::vector<std::string> get_list(const std::string& name) const;
  // Numbers are always read with their range (core/limits.h has the shared limits): a value
  // outside [min, max], a non-number, or for get_double NaN / infinity, is kInvalidArgument
  // naming the option and the range. No count or duration is ever used unchecked.
  Result<int64_t> get_int(const std::string& name, int64_t dflt, int64_t min, int64_t max) const;
  Result<double> get_double(const std::string& name, double dflt, double min, double max) const;
  // Positional by name ("" when absent).
  std::string arg(const std::string& name) const;

 private:
  struct Spec {
    std::string name, metavar, help, group;
    bool is_flag = false, multi = false;
    std::optional<std::string> default_value;
  };
  struct Positional {
    std::string name, help;
    bool required;
  };
  std::string usage_, description_;
  std::vector<std::string> examples_;
  std::string current_group_ = "Options";
  std::vector<Spec> specs_;
  std::vector<Positional> positionals_;
  std::map<std::string, std::vector<std::string>> values_;
  std::map<std::string, std::string> positional_values_;
  bool help_requested_ = false;
  const Spec* find(const std::string& name) const;
};

}  // namespace actrt::cli
