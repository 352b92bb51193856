// Kernel tables: how a backend says which node each of its kernels runs.
//
// Every backend keeps one table of entries in priority order; the first entry whose accepts()
// returns ok runs the node. The same table answers the builder (which kernel a node of the final
// graph gets, and every node no kernel accepts, with each kernel's reason), the context (which
// step to construct), the op harness (tests/ops: every op x every kernel that accepts it) and
// docs/ops.md. Nothing else may decide what runs a node: no second chooser, no list of names.
//
// A backend's own entry type adds its step factory (whose signature is the backend's business);
// KernelInfo is the backend-neutral view of an entry.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "actrt/precision.h"
#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::runtime {

// ok: the kernel runs this node; kUnsupported with a reason otherwise ("needs constant weights").
using AcceptsFn = Status (*)(const ir::Node& node);

struct KernelInfo {
  const char* name = "";     // "onednn.conv", "actrt.layer_norm", "host.reference"
  const char* summary = "";  // one line for docs/ops.md and `actrt inspect --list-kernels`
  AcceptsFn accepts = nullptr;
  // Runs on the host with the reference kernels (a CUDA fallback): counted in build summaries.
  bool host_fallback = false;
};

// The first entry of `table` that accepts `node`, or kUnsupported naming the node and every
// kernel's reason. Entry is a backend's table row with at least `name` and `accepts`.
template <class Entry>
Result<const Entry*> first_accepting(std::span<const Entry> table, const ir::Node& node) {
  std::string reasons;
  for (const Entry& e : table) {
    Status s = e.accepts(node);
    if (s.ok()) return &e;
    if (s.code() != StatusCode::kUnsupported) return s;
    reasons += std::string(reasons.empty() ? "" : "; ") + e.name + ": " + s.message();
  }
  return unsupported(node.describe() + ": no kernel runs it (" +
                     (reasons.empty() ? std::string("the table is empty") : reasons) + ")");
}

// The backend-neutral view of a backend table (Entry has name, summary, accepts, host_fallback).
template <class Entry>
std::vector<KernelInfo> kernel_infos(std::span<const Entry> table) {
  std::vector<KernelInfo> out;
  for (const Entry& e : table) out.push_back({e.name, e.summary, e.accepts, e.host_fallback});
  return out;
}

}  // namespace actrt::runtime
