// Backend passes: the graph rewrites a backend runs in compile() (its fusions, INT8 and FP16
// lowering, layout folds), declared and run like the graph passes of pass_manager.h.
//
// Each backend keeps one static, ordered table of BackendPass<State> (name, description, run),
// where State is the backend's compile state: the plan and config plus whatever its passes hand
// on to each other and to compile() (activation scales, fusion counts). The table is the only
// list: the backend registers its backend-neutral view here (register_backend_passes), which
// `actrt inspect --list-passes --backend B` prints and --disable-pass checks names against, and
// compile() runs it with run_backend_passes, which skips disabled passes and verifies the graph
// (ir/verifier.h) after every pass, so that a broken rewrite is reported by pass name.
//
// The list is static: a pass whose work depends on the build (FP16 on or off, INT8) decides
// inside and reports that it skipped itself. A pass without which the engine would compute
// wrong results is marked `required`; --disable-pass refuses it.
#pragma once

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "actrt/log.h"
#include "actrt/precision.h"
#include "actrt/status.h"
#include "ir/graph.h"
#include "passes/pass.h"
#include "passes/pass_manager.h"

namespace actrt::passes {

// The backend-neutral view of one backend pass.
struct BackendPassInfo {
  std::string_view name;
  std::string_view description;
  bool required = false;  // the engine is wrong without it: --disable-pass refuses it
};

// One row of a backend's pass table. `run` rewrites state's graph; a pass that does not apply to
// this build returns a report whose detail says why (and changes nothing).
template <class State>
struct BackendPass {
  std::string_view name;
  std::string_view description;
  Result<PassReport> (*run)(State& state);
  bool required = false;
};

// Registers `backend`'s passes (in run order) at static-initialization time, like
// runtime::register_backend. Returns true so that the registration can seed a static.
bool register_backend_passes(BackendKind backend, std::vector<BackendPassInfo> passes);
// The registered passes of `backend` in run order; empty when that backend is not compiled in.
std::span<const BackendPassInfo> backend_passes(BackendKind backend);
// Whether `name` is a pass of any registered backend.
bool is_backend_pass(std::string_view name);
// Every pass name, graph passes first, then each backend's: for "unknown pass" messages.
std::string known_pass_names();

// Checks --disable-pass names for a build on `backend`: each must name a graph pass or a
// backend pass (unknown names are refused, listing the known ones) and none may name a
// required pass of `backend`.
Status check_disabled_passes(BackendKind backend, const std::vector<std::string>& disabled);

// Verifies `graph` after backend pass `pass` of `backend`; the error names both.
Status verify_after_backend_pass(const ir::Graph& graph, BackendKind backend,
                                 std::string_view pass);

// The backend-neutral view of a pass table, for register_backend_passes.
template <class State>
std::vector<BackendPassInfo> describe_passes(std::span<const BackendPass<State>> table) {
  std::vector<BackendPassInfo> out;
  for (const BackendPass<State>& p : table) out.push_back({p.name, p.description, p.required});
  return out;
}

// Runs `table` in order on `graph` (the graph inside `state`), skipping the passes named in
// `disabled` (checked first, see check_disabled_passes) and verifying the graph after every
// pass ([V] logs what each did). Returns one record per pass run; errors name the backend and
// the pass.
template <class State>
Result<std::vector<PassRunRecord>> run_backend_passes(BackendKind backend,
                                                      std::span<const BackendPass<State>> table,
                                                      State& state, const ir::Graph& graph,
                                                      const std::vector<std::string>& disabled) {
  RETURN_IF_ERROR(check_disabled_passes(backend, disabled));
  std::vector<PassRunRecord> records;
  for (const BackendPass<State>& p : table) {
    const std::string name(p.name);
    if (std::find(disabled.begin(), disabled.end(), name) != disabled.end()) {
      log_verbose(std::string(backend_name(backend)) + " backend pass " + name +
                  ": disabled (--disable-pass)");
      continue;
    }
    Result<PassReport> report = p.run(state);
    if (!report.ok())
      return report.status().with_context(std::string(backend_name(backend)) +
                                          " backend pass " + name);
    RETURN_IF_ERROR(verify_after_backend_pass(graph, backend, p.name));
    records.push_back({name, 0, report->nodes_removed, report->rewrites, report->detail});
    log_verbose(std::string(backend_name(backend)) + " backend pass " + name + ": " +
                (report->detail.empty() ? std::to_string(report->rewrites) + " rewrites, " +
                                              std::to_string(report->nodes_removed) +
                                              " nodes removed"
                                        : report->detail));
  }
  return records;
}

}  // namespace actrt::passes
