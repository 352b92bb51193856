#include "data/npz_loader.h"

#include <fmt/format.h>

#include <algorithm>

#include "actrt/log.h"
#include "core/finite.h"
#include "data/npz.h"

namespace actrt::data {

namespace {

bool shape_matches(const Shape& expected, const Shape& found) {
  if (expected.size() != found.size()) return false;
  for (size_t d = 0; d < expected.size(); ++d)
    if (expected[d] >= 0 && expected[d] != found[d]) return false;
  return true;
}

}  // namespace

Result<NpzDataLoader> NpzDataLoader::create(const std::vector<std::string>& paths,
                                            const std::vector<TensorInfo>& inputs,
                                            const std::vector<std::string>& expected_outputs) {
  if (paths.empty()) return invalid_argument("npz inputs: no files given");
  NpzDataLoader loader;
  loader.paths_ = paths;
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(TensorMap arrays, read_npz(path));
    if (inputs.empty()) {
      loader.items_.push_back(std::move(arrays));
      continue;
    }
    std::string present;
    for (const auto& [key, t] : arrays) present += (present.empty() ? "" : ", ") + key;
    TensorMap feed;
    for (const TensorInfo& in : inputs) {
      auto it = arrays.find(in.name);
      if (it == arrays.end())
        return invalid_argument(path + ": input '" + in.name + "' is missing; the file holds [" +
                                present + "]");
      const Tensor& t = it->second;
      if (t.dtype() != in.dtype)
        return invalid_argument(path + ": input '" + in.name + "': expected dtype " +
                                std::string(dtype_name(in.dtype)) + ", found " +
                                std::string(dtype_name(t.dtype())) +
                                " (convert in NumPy, e.g. a.astype(np.float32))");
      if (!shape_matches(in.shape, t.shape()))
        return invalid_argument(path + ": input '" + in.name + "': expected shape " +
                                shape_to_string(in.shape) + ", found " +
                                shape_to_string(t.shape()));
      // Valid in form, wrong in meaning: a NaN or infinite input gives outputs that compare as
      // a tolerance failure (or, through Relu / MaxPool, as finite numbers) for no visible
      // reason. Files given as inputs must be finite.
      if (auto bad = find_non_finite(t))
        return invalid_argument(fmt::format("{}: input '{}' holds {}; inputs must be finite",
                                            path, in.name, describe_non_finite(*bad)));
      feed.emplace(in.name, t);
    }
    for (const auto& [key, t] : arrays)
      if (!feed.count(key) && std::find(expected_outputs.begin(), expected_outputs.end(), key) ==
                                  expected_outputs.end())
        log_warning(path + ": array '" + key + "' is not an input of the model; ignored");
    loader.items_.push_back(std::move(feed));
  }
  return loader;
}

Result<TensorMap> NpzDataLoader::get(size_t i) const {
  if (i >= items_.size())
    return invalid_argument(
        fmt::format("npz inputs: item {} requested, but there are {} file(s)", i, items_.size()));
  return items_[i];
}

}  // namespace actrt::data
