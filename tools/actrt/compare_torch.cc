#include "compare_torch.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "actrt/engine.h"
#include "actrt/log.h"
#include "actrt/threads.h"
#include "core/json.h"
#include "data/npz.h"

namespace actrt::cli::compare_cli {

namespace fs = std::filesystem;

namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Stacks [1,...] tensors of one input along the first axis.
Result<Tensor> stack(const std::vector<TensorMap>& feeds, const std::string& name) {
  const Tensor& first = feeds.at(0).at(name);
  Shape shape = first.shape();
  if (shape.empty() || shape[0] != 1) return invalid_argument("torch row: input '" + name + "' is not batch 1");
  shape[0] = static_cast<int64_t>(feeds.size());
  Tensor out(first.dtype(), shape);
  auto* dst = static_cast<char*>(out.raw_data());
  for (const TensorMap& f : feeds) {
    const Tensor& t = f.at(name);
    std::memcpy(dst, t.raw_data(), t.nbytes());
    dst += t.nbytes();
  }
  return out;
}

// Last lines of the helper's log, for the note when it fails.
std::string tail_of(const std::string& path, size_t max_chars = 600) {
  auto text = bytes_from_path(path);
  if (!text.ok()) return "";
  std::string s = text.value();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.size() > max_chars) s = "..." + s.substr(s.size() - max_chars);
  return s;
}

}  // namespace

std::string find_torch_runner() {
  std::error_code ec;
  std::vector<fs::path> candidates;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path() / "../../python/torch_runner.py");
    candidates.push_back(exe.parent_path() / "../python/torch_runner.py");
  }
  candidates.push_back(fs::current_path(ec) / "python/torch_runner.py");
  for (const fs::path& p : candidates)
    if (fs::exists(p, ec)) return fs::weakly_canonical(p, ec).string();
  return "";
}

std::string find_python() {
  if (const char* env = std::getenv("ACTRT_PYTHON"); env && *env) return env;
  // Debian's interpreter carries torch/numpy/onnx here; a pyenv `python3` first on PATH may not.
  if (::access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  return "python3";
}

Result<TorchRunResult> run_torch(const std::vector<TensorMap>& feeds, const TorchRunOptions& o) {
  if (feeds.empty()) return invalid_argument("torch row: no samples");
  const std::string script = o.script.empty() ? find_torch_runner() : o.script;
  if (script.empty())
    return io_error("python/torch_runner.py not found next to the actrt executable or in the "
                    "current directory (pass --torch-runner PATH)");
  std::error_code ec;
  fs::create_directories(o.work_dir, ec);
  if (ec) return io_error(o.work_dir + ": " + ec.message());
  const std::string inputs = o.work_dir + "/inputs.npz";
  const std::string outputs = o.work_dir + "/outputs.npz";
  const std::string timings = o.work_dir + "/timings.json";
  const std::string log_path = o.work_dir + "/torch_runner.log";
  fs::remove(outputs, ec);
  fs::remove(timings, ec);
  ASSIGN_OR_RETURN(Tensor qpos, stack(feeds, o.qpos_name));
  ASSIGN_OR_RETURN(Tensor image, stack(feeds, o.image_name));
  // The helper reads fixed keys; the model's own input names travel as arguments.
  // OUT/torch is compare's own scratch folder (its outputs are removed above): replaced freely.
  RETURN_IF_ERROR(data::write_npz(inputs, {{"qpos", qpos}, {"image", image}}, /*overwrite=*/true));

  // The engines' default when none is given (core/thread_policy.h), so both rows use as many.
  const int threads = o.threads > 0 ? o.threads : default_threads();
  const std::string python = find_python();
  const std::string cmd =
      shell_quote(python) + " " + shell_quote(script) + " --model " + shell_quote(o.model_path) +
      " --inputs " + shell_quote(inputs) + " --outputs " + shell_quote(outputs) + " --timings " +
      shell_quote(timings) + " --device " + std::string(backend_name(o.backend)) + " --threads " +
      std::to_string(threads) + " --repeat " + std::to_string(o.repeat) + " > " +
      shell_quote(log_path) + " 2>&1";
  log_info("PyTorch row: " + python + " " + script + " (log: " + log_path + ")");
  const int rc = std::system(cmd.c_str());
  if (rc != 0) {
    const std::string tail = tail_of(log_path);
    return unsupported(fmt::format("the PyTorch helper failed ({} {}, exit status {}){}", python,
                                   script, WIFEXITED(rc) ? WEXITSTATUS(rc) : rc,
                                   tail.empty() ? std::string() : ": " + tail));
  }
  ASSIGN_OR_RETURN(auto out, data::read_npz(outputs));
  auto it = out.find("actions");
  if (it == out.end()) return invalid_argument(outputs + ": no 'actions' array");
  const Tensor& actions = it->second;
  if (actions.rank() < 2 || actions.shape()[0] != static_cast<int64_t>(feeds.size()))
    return invalid_argument(fmt::format("{}: 'actions' has shape {}, expected {} samples first",
                                        outputs, shape_to_string(actions.shape()), feeds.size()));
  const Tensor f32 = actions.to_float32();
  Shape one = actions.shape();
  one[0] = 1;
  const int64_t per = shape_numel(one);
  TorchRunResult result;
  for (size_t i = 0; i < feeds.size(); ++i) {
    Tensor t(DataType::kFloat32, one);
    std::memcpy(t.raw_data(), f32.data<float>() + static_cast<int64_t>(i) * per,
                static_cast<size_t>(per) * sizeof(float));
    result.actions.push_back(std::move(t));
  }
  ASSIGN_OR_RETURN(std::string text, bytes_from_path(timings));
  Result<Json> json = parse_json(text, timings);
  if (!json.ok()) return invalid_argument(json.status().message());
  const Json lat = json->is_object() ? json->value("latency_ms", Json()) : Json();
  if (!lat.is_array() || lat.empty()) return invalid_argument(timings + ": no 'latency_ms' list");
  for (const Json& v : lat) {
    if (!v.is_number())
      return invalid_argument(timings + ": 'latency_ms' holds a " + std::string(json_kind_name(v)) +
                              ", expected numbers");
    result.latency_ms.push_back(v.get<double>());
  }
  if (const Json d = json->value("description", Json()); d.is_string())
    result.description = d.get<std::string>();
  return result;
}

}  // namespace actrt::cli::compare_cli
