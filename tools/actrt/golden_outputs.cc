#include "golden_outputs.h"

#include <algorithm>

#include "data/npz.h"

namespace actrt::cli {

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

Result<std::optional<compare::RunnerResults>> golden_outputs_from_npz(
    const std::vector<std::string>& paths, const std::vector<std::string>& output_names) {
  compare::RunnerResults golden;
  golden.runner_name = "golden";
  std::vector<std::string> first_names;  // the outputs the first file with any of them holds
  std::string first_path;
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(TensorMap arrays, data::read_npz(path));
    compare::IterationResult item;
    std::vector<std::string> names;
    for (const std::string& name : output_names) {
      auto it = arrays.find(name);
      if (it == arrays.end()) continue;
      item.outputs.emplace(name, it->second);
      names.push_back(name);
    }
    if (first_path.empty() && !names.empty()) {
      first_path = path;
      first_names = names;
    }
    golden.iterations.push_back(std::move(item));
  }
  if (first_path.empty()) return std::optional<compare::RunnerResults>();
  std::sort(first_names.begin(), first_names.end());
  for (size_t i = 0; i < paths.size(); ++i) {
    std::vector<std::string> names;
    for (const auto& [name, t] : golden.iterations[i].outputs) names.push_back(name);
    if (names != first_names)
      return invalid_argument(paths[i] + ": expected outputs [" + joined(names) + "], but " +
                              first_path + " holds [" + joined(first_names) +
                              "]: every --load-inputs file needs the same expected outputs (or none at "
                              "all)");
  }
  return std::optional<compare::RunnerResults>(std::move(golden));
}

}  // namespace actrt::cli
