#include "backends/cuda/conv_choice.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "actrt/log.h"
#include "backends/cuda/conv.h"
#include "backends/cuda/conv_graph.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/tactic_cache.h"
#include "backends/cuda/winograd.h"

namespace actrt::cuda {

std::string ConvChoice::to_string() const {
  return tactic.empty() ? "legacy" + std::to_string(algo) : tactic;
}

Result<ConvChoice> ConvChoice::parse(const std::string& text) {
  ConvChoice c;
  if (text.rfind("legacy", 0) == 0) {
    char* end = nullptr;
    const std::string num = text.substr(6);
    c.algo = static_cast<int>(std::strtol(num.c_str(), &end, 10));
    if (num.empty() || *end || c.algo < 0 || c.algo >= CUDNN_CONVOLUTION_FWD_ALGO_COUNT)
      return invalid_argument("convolution tactic '" + text + "': bad legacy algorithm");
    return c;
  }
  if (is_winograd_tactic(text)) {
    RETURN_IF_ERROR(parse_winograd_tactic(text).status());
    c.tactic = text;
    return c;
  }
  if (text.empty() || text[0] != 'e')
    return invalid_argument("convolution tactic '" + text + "': expected legacy<algo>, " +
                            "e<engine>[;<knob>=<value>...] or wino4x4;lt=<index>");
  c.tactic = text;
  return c;
}

Result<ConvChoice> choose_conv(cudnnHandle_t h, const ir::Node& node, Precision precision,
                               bool deterministic) {
  const auto start = std::chrono::steady_clock::now();
  ConvChoice best;
  double best_ms = 1e30;
  std::string graph_failure;
  {
    CudnnGraphConv g;
    Status st = g.init(h, node, precision);
    double ms = 0;
    Result<std::string> t = st.ok() ? g.choose(deterministic, kConvGraphTactics, kConvMaxWorkspace, &ms)
                                    : Result<std::string>(st);
    if (t.ok()) {
      best.tactic = *t;
      best.ms = deterministic ? 0 : ms;
      best_ms = ms;
      if (deterministic) return best;
    } else {
      graph_failure = t.status().message();
    }
  }
  // The legacy fused call has no per-channel output scale: INT8 convolutions are graph-only.
  CudnnConv legacy;
  const Status legacy_init =
      node.input(0)->dtype() == DataType::kInt8
          ? unsupported("the legacy call has no per-channel INT8 scales")
          : legacy.init(node, precision);
  double ms = 0;
  Result<int> algo = legacy_init.ok()
                         ? legacy.choose_algo(h, deterministic, kConvMaxWorkspace, &ms)
                         : Result<int>(legacy_init);
  if (algo.ok() && (best.tactic.empty() || ms < best_ms)) {
    best.tactic.clear();
    best.algo = *algo;
    best.ms = deterministic ? 0 : ms;
  }
  // FP32 3x3 convolutions: our Winograd path (winograd.h) when it beats both.
  std::string winograd_note;
  if (!deterministic && winograd_refusal(node, precision).empty()) {
    double wino_ms = 0;
    Result<std::string> wino = time_winograd(node, kConvMaxWorkspace, &wino_ms);
    const bool have_cudnn = !best.tactic.empty() || best.algo >= 0;  // timed: best.ms is real
    if (wino.ok() && (!have_cudnn || wino_ms < best.ms)) {
      best.tactic = *wino;
      best.algo = -1;
      best.ms = wino_ms;
    }
    winograd_note = wino.ok() ? ", Winograd " + std::to_string(wino_ms) + " ms"
                              : ", Winograd refused (" + wino.status().message() + ")";
  }
  if (best.tactic.empty() && best.algo < 0) {
    // An INT8 convolution cuDNN cannot run on this GPU can still run in floating point.
    const std::string hint =
        node.input(0)->dtype() == DataType::kInt8
            ? "; to keep this layer out of INT8, build with --layer-precisions '" + node.name() +
                  ":fp16' (or :fp32)"
            : "";
    return unsupported("CudaConv '" + node.name() + "': neither cuDNN's graph API (" +
                       graph_failure + ") nor its legacy call (" + algo.status().message() +
                       ") runs this convolution" + hint);
  }
  const double tuning_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log_verbose("CudaConv '" + node.name() + "': " +
              (graph_failure.empty() ? "graph API best " + std::to_string(best_ms) + " ms"
                                     : "graph API unavailable (" + graph_failure + ")") +
              (algo.ok() ? ", legacy best " + std::to_string(ms) + " ms (algo " +
                               std::to_string(*algo) + ")"
                         : ", legacy refused") +
              winograd_note + "; chose " + best.to_string() + " after " +
              std::to_string(tuning_s) + " s");
  return best;
}

void apply_conv_choice(ir::Node& node, const ConvChoice& choice, bool timed) {
  node.set_attribute("tactic", ir::Attribute::from_string(choice.tactic));
  node.set_attribute("algo", ir::Attribute::from_int(choice.tactic.empty() ? choice.algo : -1));
  node.set_attribute("algo_timed", ir::Attribute::from_int(timed ? 1 : 0));
}

namespace {

// What a convolution's timing depends on besides the device: shapes, dtypes, precision,
// residual, attributes, the workspace limit and the number of graph tactics tried.
std::string geometry_key(const ir::Node& n, Precision p) {
  std::string key = "cudnn.conv|" + shape_to_string(n.input(0)->shape()) + "|" +
                    shape_to_string(n.input(1)->shape()) + "|" +
                    std::string(dtype_name(n.input(0)->dtype())) + "->" +
                    std::string(dtype_name(n.output(0)->dtype())) + "|" +
                    std::string(precision_name(p)) + "|" + std::to_string(n.input(3) != nullptr);
  for (const char* a : {"strides", "pads", "dilations", "group", "relu"}) {
    auto it = n.attributes().find(a);
    if (it == n.attributes().end()) continue;
    // Appended piece by piece: GCC 12 reports a false -Wrestrict for "," + std::to_string(v).
    key += '|';
    key += std::to_string(it->second.i);
    for (int64_t v : it->second.ints) {
      key += ',';
      key += std::to_string(v);
    }
  }
  return key + "|ws=" + std::to_string(kConvMaxWorkspace) + "|graph=" +
         std::to_string(kConvGraphTactics) + "|wino4x4";
}

// A cached choice must still be accepted by this cuDNN (a hand-edited or stale cache fails the
// build, not the engine later).
Status check_choice(cudnnHandle_t h, const ir::Node& n, Precision p, const ConvChoice& c) {
  if (is_winograd_tactic(c.tactic)) {
    const std::string refusal = winograd_refusal(n, p);
    return refusal.empty() ? ok_status() : unsupported("Winograd: " + refusal);
  }
  if (!c.tactic.empty()) {
    CudnnGraphConv g;
    RETURN_IF_ERROR(g.init(h, n, p));
    RETURN_IF_ERROR(g.select(c.tactic));
    if (g.workspace_bytes() > kConvMaxWorkspace) return unsupported("needs too much workspace");
    return ok_status();
  }
  CudnnConv legacy;
  RETURN_IF_ERROR(legacy.init(n, p));
  ASSIGN_OR_RETURN(size_t need, legacy.workspace_bytes(h, c.algo));
  if (need > kConvMaxWorkspace) return unsupported("needs too much workspace");
  return ok_status();
}

// Builds the execution plan of every candidate tactic of `work` on worker threads, each with
// its own cuDNN handle (handles are per thread). cuDNN keeps the kernels it compiles at run
// time (NVRTC, about 0.8 s each on the H100) for the rest of the process, so the sequential
// timing that follows finds them compiled: an INT8 act-base build compiles 48 such kernels.
// Failures are ignored here; the timing pass reports them.
void precompile_conv_plans(const std::vector<std::pair<const ir::Node*, Precision>>& work) {
  size_t threads = std::min<size_t>(work.size(), std::max(1u, std::thread::hardware_concurrency()));
  // ACTRT_CUDA_BUILD_THREADS caps the threads (1: no parallel compile).
  if (const char* cap = std::getenv("ACTRT_CUDA_BUILD_THREADS"); cap && std::atoi(cap) > 0)
    threads = std::min<size_t>(threads, size_t(std::atoi(cap)));
  if (threads < 2) return;
  const auto start = std::chrono::steady_clock::now();
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      auto handle = build_cudnn_handle();
      if (!handle.ok()) return;
      for (size_t i = next++; i < work.size(); i = next++) {
        CudnnGraphConv g;
        if (!g.init(*handle, *work[i].first, work[i].second).ok()) continue;
        auto candidates = g.tactics(kConvGraphTactics);
        if (!candidates.ok()) continue;
        for (const auto& c : *candidates) (void)g.select(c.text);
      }
      cudnnDestroy(*handle);
    });
  for (auto& th : pool) th.join();
  log_verbose("CUDA compile: candidate plans of " + std::to_string(work.size()) +
              " convolution geometries built on " + std::to_string(threads) + " threads in " +
              std::to_string(std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                                 .count())
                  .substr(0, 5) +
              " s");
}

std::function<bool(const ir::Node&)>& int8_rejection_hook() {
  static std::function<bool(const ir::Node&)> hook;
  return hook;
}

}  // namespace

void set_int8_conv_rejection_for_testing(std::function<bool(const ir::Node&)> reject) {
  int8_rejection_hook() = std::move(reject);
}

Result<int> choose_conv_tactics(runtime::Plan& plan, engine::TimingCache* cache,
                                bool deterministic, std::vector<std::string>* int8_rejected) {
  cudnnHandle_t h = nullptr;
  int timed = 0;
  std::map<std::string, ConvChoice> by_geometry;
  Status status = ok_status();
  if (!deterministic) {
    // The geometries the loop below will time (not in the cache), one node each.
    std::vector<std::pair<const ir::Node*, Precision>> work;
    std::set<std::string> keys;
    for (const auto& n : plan.graph->nodes()) {
      if (n->domain() != runtime::kFusedDomain || n->op_type() != kCudaConv) continue;
      const Precision p = plan.layers[n->name()].precision;
      const std::string key = geometry_key(*n, p);
      if ((cache && cache->contains(key)) || !keys.insert(key).second) continue;
      work.emplace_back(n.get(), p);
    }
    precompile_conv_plans(work);
  }
  for (const auto& n : plan.graph->nodes()) {
    if (n->domain() != runtime::kFusedDomain || n->op_type() != kCudaConv) continue;
    const Precision p = plan.layers[n->name()].precision;
    if (!h) {
      auto handle = build_cudnn_handle();
      if (!handle.ok()) {
        status = handle.status();
        break;
      }
      h = *handle;
    }
    if (int8_rejected && n->input(0)->dtype() == DataType::kInt8 && int8_rejection_hook() &&
        int8_rejection_hook()(*n)) {
      log_verbose(n->describe() + ": no cuDNN engine (set_int8_conv_rejection_for_testing)");
      int8_rejected->push_back(n->name());
      continue;
    }
    const std::string key = geometry_key(*n, p);
    auto found = by_geometry.find(key);
    if (found == by_geometry.end()) {
      Result<ConvChoice> choice = [&]() -> Result<ConvChoice> {
        if (deterministic) return choose_conv(h, *n, p, true);
        auto time = [&]() -> Result<TimedTextTactic> {
          ASSIGN_OR_RETURN(ConvChoice c, choose_conv(h, *n, p, false));
          return TimedTextTactic{c.to_string(), c.ms};
        };
        auto check = [&](const std::string& t) -> Status {
          ASSIGN_OR_RETURN(ConvChoice c, ConvChoice::parse(t));
          return check_choice(h, *n, p, c);
        };
        ASSIGN_OR_RETURN(std::string t, cached_or_timed_text_tactic(
                                            cache, key, "cuDNN convolution tactic", time, check));
        return ConvChoice::parse(t);
      }();
      if (!choice.ok()) {
        if (int8_rejected && n->input(0)->dtype() == DataType::kInt8 &&
            choice.status().code() == StatusCode::kUnsupported) {
          log_verbose(choice.status().message());
          int8_rejected->push_back(n->name());
          continue;
        }
        status = choice.status();
        break;
      }
      found = by_geometry.emplace(key, *choice).first;
      ++timed;
    }
    apply_conv_choice(*n, found->second, !deterministic);
  }
  if (h) cudnnDestroy(h);
  RETURN_IF_ERROR(status);
  return timed;
}

}  // namespace actrt::cuda
