// actrt::check_feed (include/actrt/runner.h): the one place every runner validates its feed, so
// all runners word these errors the same way.
#include <set>
#include <string>

#include "actrt/runner.h"

namespace actrt {

namespace {

bool shape_matches(const Shape& expected, const Shape& found) {
  if (expected.size() != found.size()) return false;
  for (size_t d = 0; d < expected.size(); ++d)
    if (expected[d] >= 0 && expected[d] != found[d]) return false;  // negative: any size
  return true;
}

std::string join_names(const std::vector<TensorInfo>& inputs) {
  std::string s;
  for (const auto& in : inputs) s += (s.empty() ? "'" : ", '") + in.name + "'";
  return s;
}

}  // namespace

Status check_feed(const std::string& runner_name, const std::vector<TensorInfo>& inputs,
                  const TensorMap& feed) {
  const std::string who = "runner '" + runner_name + "'";
  // Unknown names first, all at once: a misspelt key otherwise shows up only as "missing".
  std::set<std::string> expected;
  for (const auto& in : inputs) expected.insert(in.name);
  std::string unknown;
  for (const auto& [name, t] : feed)
    if (!expected.count(name)) unknown += (unknown.empty() ? "'" : ", '") + name + "'";
  if (!unknown.empty())
    return invalid_argument(who + ": unknown input name(s) " + unknown +
                            "; the model's inputs are " + join_names(inputs));
  for (const TensorInfo& in : inputs) {
    auto it = feed.find(in.name);
    if (it == feed.end())
      return invalid_argument(who + ": input '" + in.name + "' (" +
                              std::string(dtype_name(in.dtype)) + ", " +
                              shape_to_string(in.shape) + ") is missing from the feed");
    const Tensor& t = it->second;
    if (t.empty())
      return invalid_argument(who + ": input '" + in.name + "' is an undefined tensor");
    if (t.dtype() != in.dtype)
      return invalid_argument(who + ": input '" + in.name + "': expected dtype " +
                              std::string(dtype_name(in.dtype)) + ", found " +
                              std::string(dtype_name(t.dtype())));
    if (!shape_matches(in.shape, t.shape()))
      return invalid_argument(who + ": input '" + in.name + "': expected shape " +
                              shape_to_string(in.shape) + ", found " + shape_to_string(t.shape()));
  }
  return ok_status();
}

}  // namespace actrt
