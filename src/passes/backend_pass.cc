#include "passes/backend_pass.h"

#include <map>

#include "ir/verifier.h"

namespace actrt::passes {

namespace {

// Filled at static-initialization time by the backends' registrations, read-only afterwards.
std::map<BackendKind, std::vector<BackendPassInfo>>& registry() {
  static std::map<BackendKind, std::vector<BackendPassInfo>> passes;
  return passes;
}

const BackendPassInfo* find_backend_pass(BackendKind backend, std::string_view name) {
  for (const BackendPassInfo& p : backend_passes(backend))
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace

bool register_backend_passes(BackendKind backend, std::vector<BackendPassInfo> passes) {
  registry()[backend] = std::move(passes);
  return true;
}

std::span<const BackendPassInfo> backend_passes(BackendKind backend) {
  auto it = registry().find(backend);
  if (it == registry().end()) return {};
  return it->second;
}

bool is_backend_pass(std::string_view name) {
  for (const auto& [backend, passes] : registry())
    if (find_backend_pass(backend, name)) return true;
  return false;
}

std::string known_pass_names() {
  std::string s;
  for (const PassInfo& p : all_passes()) s += (s.empty() ? "" : ", ") + std::string(p.name);
  for (const auto& [backend, passes] : registry()) {
    s += "; " + std::string(backend_name(backend)) + " backend:";
    for (const BackendPassInfo& p : passes) s += " " + std::string(p.name);
  }
  return s;
}

Status check_disabled_passes(BackendKind backend, const std::vector<std::string>& disabled) {
  for (const std::string& name : disabled) {
    if (const BackendPassInfo* p = find_backend_pass(backend, name); p && p->required)
      return invalid_argument("--disable-pass " + name + ": the " +
                              std::string(backend_name(backend)) +
                              " backend needs this pass to compute correct results (" +
                              std::string(p->description) + ")");
    if (!find_pass(name) && !is_backend_pass(name))
      return invalid_argument("unknown pass '" + name + "' to disable; the passes are: " +
                              known_pass_names());
  }
  return ok_status();
}

Status verify_after_backend_pass(const ir::Graph& graph, BackendKind backend,
                                 std::string_view pass) {
  return ir::verify_graph(graph, {.require_shapes = true})
      .with_context("graph invalid after " + std::string(backend_name(backend)) +
                    " backend pass " + std::string(pass));
}

}  // namespace actrt::passes
