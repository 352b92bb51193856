#include "compare/comparator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "actrt/log.h"
#include "compare/base64.h"
#include "core/json.h"
#include "core/file_io.h"
#include "core/finite.h"
#include "data/npz.h"

namespace actrt::compare {

namespace {

// FNV-1a over names, dtypes, shapes and bytes: cheap, and enough to catch a loader whose
// get(i) is not repeatable (not a security hash).
uint64_t hash_feed(const TensorMap& feed) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 1099511628211ull;
    }
  };
  for (const auto& [name, t] : feed) {
    mix(name.data(), name.size());
    const int32_t dt = static_cast<int32_t>(t.dtype());
    mix(&dt, sizeof dt);
    for (int64_t d : t.shape()) mix(&d, sizeof d);
    if (t.raw_data()) mix(t.raw_data(), t.nbytes());
  }
  return h;
}

}  // namespace

std::vector<double> RunnerResults::runtimes_ms() const {
  std::vector<double> out;
  out.reserve(iterations.size());
  for (const auto& it : iterations) out.push_back(it.runtime_ms);
  return out;
}

const RunnerResults* RunResults::find(std::string_view runner_name) const {
  for (const auto& r : runners)
    if (r.runner_name == runner_name) return &r;
  return nullptr;
}

bool IterationComparison::passed() const {
  return std::all_of(outputs.begin(), outputs.end(), [](const auto& o) { return o.passed; });
}

int64_t PairComparison::passed_iterations() const {
  return std::count_if(iterations.begin(), iterations.end(),
                       [](const auto& it) { return it.passed(); });
}

double PairComparison::pass_rate() const {
  if (iterations.empty()) return 1.0;
  return static_cast<double>(passed_iterations()) / static_cast<double>(iterations.size());
}

bool PairComparison::passed() const { return passed_iterations() == int64_t(iterations.size()); }

bool AccuracyResult::passed() const {
  return std::all_of(pairs.begin(), pairs.end(), [](const auto& p) { return p.passed(); });
}

std::vector<std::pair<size_t, size_t>> pairs_against(size_t reference, size_t runner_count) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t i = 0; i < runner_count; ++i)
    if (i != reference) out.emplace_back(i, reference);
  return out;
}

Result<RunResults> Comparator::run(const std::vector<Runner*>& runners, const DataLoader& loader,
                                   const RunOptions& options) {
  if (runners.empty()) return invalid_argument("Comparator::run: no runners given");
  size_t iterations = loader.size();
  if (options.max_iterations > 0) iterations = std::min(iterations, options.max_iterations);
  if (iterations == 0) return invalid_argument("Comparator::run: the data loader has no items");

  RunResults results;
  std::vector<uint64_t> feed_hashes;  // from the first runner
  for (size_t r = 0; r < runners.size(); ++r) {
    Runner* runner = runners[r];
    if (runner == nullptr)
      return invalid_argument(fmt::format("Comparator::run: runner {} is null", r));
    const std::string where = "runner '" + runner->name() + "'";
    // Activate only if the caller did not; RunnerActivation deactivates at the end of the turn.
    std::optional<RunnerActivation> activation;
    if (!runner->is_active()) {
      activation.emplace(*runner);
      if (!activation->ok()) return activation->status().with_context("activating " + where);
    }
    if (options.log) log_info("Runner: " + runner->name() + " | Activated and running inference");

    for (int w = 0; w < options.warm_up_runs; ++w) {
      ASSIGN_OR_RETURN(TensorMap feed, loader.get(0));
      Result<TensorMap> out = runner->infer(feed);
      if (!out.ok()) return out.status().with_context(fmt::format("{}, warm-up run {}", where, w));
    }

    RunnerResults rr;
    rr.runner_name = runner->name();
    for (size_t i = 0; i < iterations; ++i) {
      Result<TensorMap> feed = loader.get(i);
      if (!feed.ok()) return feed.status().with_context(fmt::format("data loader item {}", i));
      const uint64_t h = hash_feed(*feed);
      if (r == 0) {
        feed_hashes.push_back(h);
        // A NaN / Inf input is not refused here (a test may feed one on purpose), but it is
        // named, so that the mismatches it causes are not read as a tolerance question.
        for (const auto& [name, t] : *feed)
          if (auto bad = find_non_finite(t))
            log_warning(fmt::format("data loader item {}: input '{}' holds {}; every output "
                                    "computed from it may differ between runners for that reason",
                                    i, name, describe_non_finite(*bad)));
      } else if (feed_hashes[i] != h) {
        return internal_error(
            fmt::format("Comparator::run: data loader item {} differs between runner '{}' and {}; "
                        "a DataLoader must return the same data for the same index",
                        i, runners[0]->name(), where));
      }
      Result<TensorMap> out = runner->infer(*feed);
      if (!out.ok()) return out.status().with_context(fmt::format("{}, iteration {}", where, i));
      IterationResult ir;
      for (const auto& [name, t] : *out) ir.outputs.emplace(name, t.clone());
      ir.runtime_ms = runner->last_inference_time_ms();
      rr.iterations.push_back(std::move(ir));
      if (options.on_progress) options.on_progress(r, i);
    }
    if (options.log) {
      const auto times = rr.runtimes_ms();
      double sum = 0;
      for (double t : times) sum += t;
      char buf[160];
      std::snprintf(buf, sizeof buf, "Runner: %s | Completed %zu iteration(s) | mean %.5g ms",
                    rr.runner_name.c_str(), times.size(), sum / static_cast<double>(times.size()));
      log_info(buf);
    }
    results.runners.push_back(std::move(rr));
  }
  return results;
}

Result<AccuracyResult> Comparator::compare_accuracy(const RunResults& results,
                                                    const CompareOptions& options) {
  const size_t n = results.runners.size();
  std::vector<std::pair<size_t, size_t>> pairs = options.pairs;
  if (pairs.empty())
    for (size_t i = 0; i + 1 < n; ++i) pairs.emplace_back(i, i + 1);
  AccuracyResult acc;
  for (auto [ia, ib] : pairs) {
    if (ia >= n || ib >= n)
      return invalid_argument(fmt::format(
          "compare_accuracy: runner pair ({}, {}) out of range; there are {} runners", ia, ib, n));
    const RunnerResults& a = results.runners[ia];
    const RunnerResults& b = results.runners[ib];
    PairComparison pc;
    pc.runner_a = ia;
    pc.runner_b = ib;
    pc.name_a = a.runner_name;
    pc.name_b = b.runner_name;
    if (a.iterations.size() != b.iterations.size())
      log_warning(
          fmt::format("Runner '{}' has {} iterations but '{}' has {}; comparing the first {}",
                      a.runner_name, a.iterations.size(), b.runner_name, b.iterations.size(),
                      std::min(a.iterations.size(), b.iterations.size())));
    const size_t iters = std::min(a.iterations.size(), b.iterations.size());
    std::map<std::string, OutputSummary> summaries;
    for (size_t it = 0; it < iters; ++it) {
      if (options.log)
        log_info(fmt::format("Comparing Output of {} vs. {} | Iteration: {}", a.runner_name,
                             b.runner_name, it));
      IterationComparison ic;
      ic.iteration = it;
      const TensorMap& oa = a.iterations[it].outputs;
      const TensorMap& ob = b.iterations[it].outputs;
      for (const auto& [name, ta] : oa) {
        OutputComparison oc;
        oc.output = name;
        auto found = ob.find(name);
        if (found == ob.end()) {
          oc.note = "output '" + name + "' not produced by runner '" + b.runner_name + "'";
        } else {
          const Tolerance tol = options.tolerances.tolerance_for(name);
          const ErrorStat stat = options.tolerances.error_stat_for(name);
          Result<OutputMetrics> m = compare_tensors(ta, found->second, tol, stat);
          // A NaN / Inf output fails every tolerance; say where it is instead of only that the
          // tolerance failed.
          for (const auto& [runner, t] : {std::pair{&a, &ta}, std::pair{&b, &found->second}})
            if (auto bad = find_non_finite(*t))
              oc.note += (oc.note.empty() ? "" : "; ") +
                         fmt::format("runner '{}' produced {} in output '{}'", runner->runner_name,
                                     describe_non_finite(*bad), name);
          if (!m.ok()) {
            oc.note = "output '" + name + "': " + m.status().message();
          } else {
            oc.compared = true;
            oc.metrics = std::move(m).value();
            oc.passed = oc.metrics.passed;
          }
        }
        if (options.log) {
          if (oc.compared) {
            log_info("    Comparing Output: '" + name + "' (dtype=" +
                     std::string(dtype_name(ta.dtype())) + ", shape=" +
                     shape_to_string(ta.shape()) + ") with '" + name + "' (dtype=" +
                     std::string(dtype_name(found->second.dtype())) + ", shape=" +
                     shape_to_string(found->second.shape()) + ")");
            for (const std::string& line :
                 format_output_metrics(oc.metrics, name, a.runner_name, b.runner_name)) {
              if (line.rfind("FAILED", 0) == 0) {
                log_error("        " + line);
              } else {
                log_info("        " + line);
              }
            }
            if (!oc.note.empty()) log_error("        " + oc.note);
          } else {
            log_error("    FAILED | " + oc.note);
          }
        }
        OutputSummary& s = summaries[name];
        s.output = name;
        ++s.iterations;
        if (oc.passed) ++s.passed_iterations;
        if (oc.compared) {
          const OutputMetrics& m = oc.metrics;
          // std::max would drop a NaN depending on argument order; keep NaN visible.
          auto worst = [](double cur, double v) { return std::isnan(v) || v > cur ? v : cur; };
          s.max_abs = worst(s.max_abs, m.max_abs);
          s.max_rel = worst(s.max_rel, m.max_rel);
          s.required.atol = worst(s.required.atol, m.required.atol);
          s.required.rtol = worst(s.required.rtol, m.required.rtol);
          s.mean_l1 += m.l1;
          s.min_cosine = std::isnan(m.cosine) ? m.cosine : std::min(s.min_cosine, m.cosine);
        }
        ic.outputs.push_back(std::move(oc));
      }
      if (oa.empty())
        log_warning(
            fmt::format("Runner '{}' produced no outputs in iteration {}", a.runner_name, it));
      if (options.log) {
        std::vector<std::string> bad;
        for (const auto& oc : ic.outputs)
          if (!oc.passed) bad.push_back(oc.output);
        if (bad.empty()) {
          log_info(
              fmt::format("    PASSED | All outputs matched | Outputs: {}", ic.outputs.size()));
        } else {
          std::string list;
          for (const auto& s : bad) list += (list.empty() ? "'" : ", '") + s + "'";
          log_error("    FAILED | Mismatched outputs: [" + list + "]");
        }
      }
      pc.iterations.push_back(std::move(ic));
    }
    for (auto& [name, s] : summaries) {
      int64_t compared = 0;
      for (const auto& ic : pc.iterations)
        for (const auto& oc : ic.outputs)
          if (oc.output == name && oc.compared) ++compared;
      if (compared > 0) s.mean_l1 /= static_cast<double>(compared);
      pc.summaries.push_back(s);
    }
    if (options.log) {
      char buf[256];
      std::snprintf(buf, sizeof buf,
                    "Accuracy Summary | %s vs. %s | Passed: %lld/%zu iterations | Pass Rate: %.1f%%",
                    pc.name_a.c_str(), pc.name_b.c_str(),
                    static_cast<long long>(pc.passed_iterations()), pc.iterations.size(),
                    100.0 * pc.pass_rate());
      if (pc.passed()) {
        log_info(buf);
      } else {
        log_error(buf);
      }
    }
    acc.pairs.push_back(std::move(pc));
  }
  return acc;
}

// ---- JSON ----

Result<std::string> run_results_to_json(const RunResults& results) {
  Json lst = Json::array();
  for (const RunnerResults& rr : results.runners) {
    Json iterations = Json::array();
    for (size_t i = 0; i < rr.iterations.size(); ++i) {
      const IterationResult& ir = rr.iterations[i];
      Json outputs = Json::object();
      for (const auto& [name, t] : ir.outputs) {
        const Tensor& saved = t.dtype() == DataType::kBFloat16 ? t.to_float32() : t;
        Result<std::vector<uint8_t>> npy = data::serialize_npy(saved, name);
        if (!npy.ok())
          return npy.status().with_context(
              fmt::format("runner '{}', iteration {}, output '{}'", rr.runner_name, i, name));
        outputs[name] = {{"values", {{"array", base64_encode(*npy)}, {"polygraphy_class", "ndarray"}}},
                         {"polygraphy_class", "LazyArray"}};
      }
      iterations.push_back({{"outputs", std::move(outputs)},
                            {"runtime", ir.runtime_ms / 1000.0},  // Polygraphy stores seconds
                            {"runner_name", rr.runner_name},
                            {"polygraphy_class", "IterationResult"}});
    }
    lst.push_back(Json::array({rr.runner_name, std::move(iterations)}));
  }
  const Json doc = {{"lst", std::move(lst)}, {"polygraphy_class", "RunResults"}};
  return dump_json(doc, 4) + "\n";  // Polygraphy's json.dumps(indent=4)
}

namespace {

// `v` (the member `where` names) must exist and be of `kind`.
Status expect_kind(const Json* v, Json::value_t kind, const std::string& where) {
  if (v == nullptr) return invalid_model(where + ": missing");
  if (v->type() != kind)
    return invalid_model(fmt::format("{}: expected {}, found {}", where, json_kind_name(Json(kind)),
                                     json_kind_name(*v)));
  return ok_status();
}

// Object member by key; nullptr when absent or `v` is not an object.
const Json* find(const Json& v, std::string_view key) {
  if (!v.is_object()) return nullptr;
  const auto it = v.find(key);
  return it == v.end() ? nullptr : &*it;
}

Result<Tensor> decode_array(const Json& v, const std::string& where, std::string_view source,
                            const std::string& name) {
  const Json* node = &v;
  RETURN_IF_ERROR(expect_kind(node, Json::value_t::object, where));
  // Unwrap LazyArray {"values": ...} (also its old alias LazyNumpyArray).
  if (const Json* inner = find(*node, "values")) node = inner;
  RETURN_IF_ERROR(expect_kind(node, Json::value_t::object, where + ".values"));
  const Json* cls = find(*node, "polygraphy_class");
  if (cls && cls->is_string() && cls->get<std::string>() != "ndarray")
    return unsupported(where + ": array of class '" + cls->get<std::string>() +
                       "' (only NumPy ndarrays are supported)");
  const Json* arr = find(*node, "array");
  RETURN_IF_ERROR(expect_kind(arr, Json::value_t::string, where + ".array"));
  Result<std::vector<uint8_t>> bytes = base64_decode(arr->get_ref<const std::string&>());
  if (!bytes.ok()) return bytes.status().with_context(where);
  return data::parse_npy(*bytes, std::string(source), name);
}

}  // namespace

Result<RunResults> run_results_from_json(std::string_view text, std::string_view source) {
  ASSIGN_OR_RETURN(const Json doc, parse_json(text, source));
  const std::string src(source);
  RETURN_IF_ERROR(expect_kind(&doc, Json::value_t::object, src + ": top level"));
  if (const Json* cls = find(doc, "polygraphy_class");
      cls && cls->is_string() && cls->get<std::string>() != "RunResults")
    return invalid_model(src + ": expected a RunResults file, found polygraphy_class '" +
                         cls->get<std::string>() + "'");
  const Json* lst = find(doc, "lst");
  RETURN_IF_ERROR(expect_kind(lst, Json::value_t::array, src + ": 'lst'"));
  RunResults results;
  for (size_t r = 0; r < lst->size(); ++r) {
    const Json& entry = (*lst)[r];
    const std::string where = fmt::format("{}: lst[{}]", src, r);
    RETURN_IF_ERROR(expect_kind(&entry, Json::value_t::array, where));
    if (entry.size() != 2)
      return invalid_model(fmt::format("{}: expected [runner_name, [iterations]], found {} elements",
                                       where, entry.size()));
    RETURN_IF_ERROR(expect_kind(&entry[0], Json::value_t::string, where + "[0]"));
    RETURN_IF_ERROR(expect_kind(&entry[1], Json::value_t::array, where + "[1]"));
    RunnerResults rr;
    rr.runner_name = entry[0].get<std::string>();
    const Json& iters = entry[1];
    for (size_t i = 0; i < iters.size(); ++i) {
      const std::string iw = fmt::format("{}[1][{}]", where, i);
      RETURN_IF_ERROR(expect_kind(&iters[i], Json::value_t::object, iw));
      const Json* outputs = find(iters[i], "outputs");
      RETURN_IF_ERROR(expect_kind(outputs, Json::value_t::object, iw + ".outputs"));
      IterationResult ir;
      for (const auto& [name, v] : outputs->items()) {
        ASSIGN_OR_RETURN(Tensor t, decode_array(v, iw + ".outputs." + name, source, name));
        ir.outputs.emplace(name, std::move(t));
      }
      const Json* runtime = find(iters[i], "runtime");
      if (runtime && runtime->is_number()) {
        ir.runtime_ms = runtime->get<double>() * 1000.0;
      } else if (runtime && !runtime->is_null()) {
        return invalid_model(iw + ".runtime: expected a number (seconds) or null, found " +
                             std::string(json_kind_name(*runtime)));
      }
      rr.iterations.push_back(std::move(ir));
    }
    results.runners.push_back(std::move(rr));
  }
  return results;
}

Status save_run_results(const RunResults& results, const std::string& path, bool overwrite) {
  ASSIGN_OR_RETURN(std::string text, run_results_to_json(results));
  return write_file_atomic(path, text, overwrite);
}

Result<RunResults> load_run_results(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, read_file_text(path));
  return run_results_from_json(text, path);
}

}  // namespace actrt::compare
