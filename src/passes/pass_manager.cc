#include "passes/pass_manager.h"

#include <algorithm>
#include <array>

#include "actrt/log.h"
#include "ir/verifier.h"
#include "passes/backend_pass.h"
#include "passes/batch_shared_branches.h"
#include "passes/eliminate_dead.h"
#include "passes/eliminate_identity.h"
#include "passes/fold_constants.h"
#include "passes/fold_squeeze_unsqueeze.h"
#include "passes/fuse_conv_affine.h"
#include "passes/fuse_layer_norm.h"
#include "passes/fuse_matmul_add.h"
#include "passes/hoist_activation_over_reshape.h"
#include "passes/merge_split_concat.h"
#include "passes/simplify_gather_of_concat.h"

namespace actrt::passes {

namespace {
// The registry. Descriptions are one line each: `actrt inspect --list-passes` prints them.
constexpr std::array kPasses{
    PassInfo{"fold_constants",
             "replace nodes whose outputs shape inference computed as constants by those constants",
             fold_constants},
    PassInfo{"eliminate_identity", "remove Identity and inference-mode Dropout",
             eliminate_identity},
    PassInfo{"fold_squeeze_unsqueeze",
             "drop a Squeeze/Unsqueeze that undoes the one before it (LeRobot's per-token tensors)",
             fold_squeeze_unsqueeze},
    PassInfo{"merge_split_concat",
             "a Concat of all of a Split's outputs in order reads the Split's input (LeRobot's "
             "token stack)",
             merge_split_concat},
    PassInfo{"simplify_gather_of_concat",
             "read the selected part of a Concat/stack directly in Gather/Slice/Split (drops "
             "ACT's unused decoder layers together with eliminate_dead)",
             simplify_gather_of_concat},
    PassInfo{"eliminate_dead", "remove nodes whose outputs reach no graph output",
             eliminate_dead},
    PassInfo{"fuse_conv_affine",
             "fold per-channel Mul/Add/Sub/Div and BatchNormalization after a Conv into its "
             "weight and bias",
             fuse_conv_affine},
    PassInfo{"batch_shared_branches",
             "run k identical per-branch chains (ACT's per-camera backbone) as one batch of k",
             batch_shared_branches},
    PassInfo{"fuse_matmul_add", "MatMul with constant weight + Add of constant bias -> Gemm",
             fuse_matmul_add},
    PassInfo{"hoist_activation_over_reshape",
             "Reshape -> Relu/Gelu/... becomes Relu/Gelu/... -> Reshape (lets GEMMs fuse it)",
             hoist_activation_over_reshape},
    PassInfo{"fuse_layer_norm",
             "recognize a decomposed LayerNorm (ReduceMean..Sqrt..Div..Mul..Add) as "
             "LayerNormalization",
             fuse_layer_norm},
};

constexpr std::array<std::string_view, 12> kDefaultPipeline{
    "fold_constants",
    "eliminate_identity",
    "fold_squeeze_unsqueeze",
    "merge_split_concat",
    "simplify_gather_of_concat",
    "eliminate_dead",
    "fuse_conv_affine",
    "batch_shared_branches",
    "fuse_matmul_add",
    "hoist_activation_over_reshape",
    "fuse_layer_norm",
    "eliminate_dead",
};

std::string known_names() {
  std::string s;
  for (const PassInfo& p : kPasses) s += (s.empty() ? "" : ", ") + std::string(p.name);
  return s;
}
}  // namespace

std::span<const PassInfo> all_passes() { return kPasses; }

const PassInfo* find_pass(std::string_view name) {
  for (const PassInfo& p : kPasses)
    if (p.name == name) return &p;
  return nullptr;
}

std::span<const std::string_view> default_pipeline() { return kDefaultPipeline; }

Result<PassManager> PassManager::from_names(const std::vector<std::string>& names,
                                            const PipelineOptions& options) {
  // Backend passes may be named too: the same --disable-pass list reaches the backend's
  // compile() (passes/backend_pass.h), which skips them there.
  for (const std::string& d : options.disabled)
    if (!find_pass(d) && !is_backend_pass(d))
      return invalid_argument("unknown pass '" + d + "' to disable; the passes are: " +
                              known_pass_names());
  std::vector<const PassInfo*> pipeline;
  for (const std::string& n : names) {
    const PassInfo* p = find_pass(n);
    if (!p) return invalid_argument("unknown pass '" + n + "'; the passes are: " + known_names());
    if (std::find(options.disabled.begin(), options.disabled.end(), n) != options.disabled.end())
      continue;
    pipeline.push_back(p);
  }
  if (options.max_iterations < 1)
    return invalid_argument("PipelineOptions.max_iterations must be >= 1, got " +
                            std::to_string(options.max_iterations));
  return PassManager(std::move(pipeline), options);
}

Result<PassManager> PassManager::create(const PipelineOptions& options) {
  std::vector<std::string> names(kDefaultPipeline.begin(), kDefaultPipeline.end());
  return from_names(names, options);
}

Result<std::vector<PassRunRecord>> PassManager::run(ir::Graph& graph) {
  history_.clear();
  std::vector<PassRunRecord> summary;
  for (const PassInfo* p : pipeline_) {
    PassRunRecord record;
    record.name = p->name;
    summary.push_back(std::move(record));
  }
  RETURN_IF_ERROR(infer_shapes(graph, options_.infer).with_context("before optimization"));
  bool converged = false;
  int round = 0;
  for (; round < options_.max_iterations && !converged; ++round) {
    converged = true;
    for (size_t i = 0; i < pipeline_.size(); ++i) {
      const PassInfo& p = *pipeline_[i];
      const std::string where = "pass " + std::string(p.name) + " (round " +
                                std::to_string(round) + ")";
      auto report = p.run(graph);
      if (!report.ok()) return report.status().with_context(where);
      RETURN_IF_ERROR(infer_shapes(graph, options_.infer).with_context("after " + where));
      if (options_.verify)
        RETURN_IF_ERROR(ir::verify_graph(graph, {.require_shapes = true})
                            .with_context("graph invalid after " + where));
      const PassReport& r = *report;
      history_.push_back({std::string(p.name), round, r.nodes_removed, r.rewrites, r.detail});
      summary[i].nodes_removed += r.nodes_removed;
      summary[i].rewrites += r.rewrites;
      if (!r.detail.empty())
        summary[i].detail += (summary[i].detail.empty() ? "" : "; ") + r.detail;
      if (r.rewrites != 0 || r.nodes_removed != 0) {
        converged = false;
        log_verbose(std::string(p.name) + ": " + std::to_string(r.rewrites) + " rewrites, " +
                    std::to_string(r.nodes_removed) + " nodes removed");
      }
    }
  }
  if (!converged)
    log_warning("optimization stopped after " + std::to_string(round) +
                " rounds without reaching a fixed point; the graph is valid but may not be "
                "fully optimized");
  for (PassRunRecord& s : summary) s.iteration = round;
  return summary;
}

Result<std::vector<PassRunRecord>> optimize(ir::Graph& graph, const PipelineOptions& options) {
  ASSIGN_OR_RETURN(PassManager pm, PassManager::create(options));
  return pm.run(graph);
}

}  // namespace actrt::passes
