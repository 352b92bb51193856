#include "runtime/feed_check.h"

#include <algorithm>
#include <string>

namespace actrt::runtime {

namespace {

bool shape_matches(const Shape& expected, const Shape& found) {
  if (expected.size() != found.size()) return false;
  for (size_t d = 0; d < expected.size(); ++d)
    if (expected[d] >= 0 && expected[d] != found[d]) return false;  // negative: any size
  return true;
}

std::string join_names(std::span<const TensorInfo> inputs) {
  std::string s;
  for (const auto& in : inputs) s += (s.empty() ? "'" : ", '") + in.name + "'";
  return s;
}

}  // namespace

Status check_feed(std::span<const TensorInfo> expected, const TensorMap& feed,
                  std::string_view where) {
  // Runs before every inference: no allocation unless the feed is bad (a model has a handful
  // of inputs, so a linear search beats building a set).
  auto expects = [&](const std::string& name) {
    return std::any_of(expected.begin(), expected.end(),
                       [&](const TensorInfo& in) { return in.name == name; });
  };
  std::string unknown;
  for (const auto& [name, t] : feed)
    if (!expects(name)) unknown += (unknown.empty() ? "'" : ", '") + name + "'";
  if (!unknown.empty())
    return invalid_argument(std::string(where) + ": unknown input name(s) " + unknown +
                            "; the model's inputs are " + join_names(expected));
  for (const TensorInfo& in : expected) {
    auto it = feed.find(in.name);
    if (it == feed.end())
      return invalid_argument(std::string(where) + ": input '" + in.name + "' (" +
                              std::string(dtype_name(in.dtype)) + ", " +
                              shape_to_string(in.shape) + ") is missing from the feed");
    const Tensor& t = it->second;
    if (t.empty())
      return invalid_argument(std::string(where) + ": input '" + in.name + "' is an undefined tensor");
    if (t.dtype() != in.dtype)
      return invalid_argument(std::string(where) + ": input '" + in.name + "': expected dtype " +
                              std::string(dtype_name(in.dtype)) + ", found " +
                              std::string(dtype_name(t.dtype())));
    if (!shape_matches(in.shape, t.shape()))
      return invalid_argument(std::string(where) + ": input '" + in.name + "': expected shape " +
                              shape_to_string(in.shape) + ", found " + shape_to_string(t.shape()));
  }
  return ok_status();
}

}  // namespace actrt::runtime
