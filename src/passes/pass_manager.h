// PassManager: the optimization pipeline and the single registry of passes.
//
// all_passes() is the one list of passes (name, description, function): the CLI's
// --disable-pass and --list-passes, the default pipeline and the tests all read it, so a new
// pass is one registry line plus its own file. Backend passes (a backend's own rewrites, run in
// its compile()) are registered and run by backend_pass.h.
//
// The default pipeline is
//   fold_constants -> eliminate_identity -> fold_squeeze_unsqueeze -> merge_split_concat ->
//   simplify_gather_of_concat -> eliminate_dead -> fuse_conv_affine -> batch_shared_branches ->
//   fuse_matmul_add -> hoist_activation_over_reshape -> fuse_layer_norm -> eliminate_dead
// with infer_shapes (and the IR verifier) after every pass, repeated until one whole round
// changes nothing (or max_iterations rounds ran). Re-inferring between passes is what lets a
// pass rely on static shapes and constant data for values an earlier pass created, and lets
// constant propagation see through the rewrites (e.g. fold_constants after a fusion).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "actrt/status.h"
#include "ir/graph.h"
#include "passes/infer_shapes.h"
#include "passes/pass.h"

namespace actrt::passes {

// Every pass actrt has, in default-pipeline order of first use.
std::span<const PassInfo> all_passes();
// The registered pass of that name, or nullptr.
const PassInfo* find_pass(std::string_view name);
// The default pipeline, as names from all_passes() (a name may appear twice).
std::span<const std::string_view> default_pipeline();

struct PipelineOptions {
  // Pass names to skip; a name neither in all_passes() nor a backend pass (backend_pass.h) is
  // an error that lists the known names. Backend pass names are skipped by the backend.
  std::vector<std::string> disabled;
  // Rounds of the whole pipeline at most; it stops earlier once a round changes nothing.
  int max_iterations = 8;
  // Run the IR verifier after every pass, so that a broken rewrite is reported by pass name.
  bool verify = true;
  InferOptions infer;
};

// What one pass did: a record per pass run (PassManager::history) or summed over the rounds
// (PassManager::run's result), for `actrt inspect` ('what each pass removed').
struct PassRunRecord {
  std::string name;
  int iteration = 0;      // round, from 0 (summaries: the number of rounds run)
  int nodes_removed = 0;  // net; negative when the pass added nodes
  int rewrites = 0;
  std::string detail;
};

class PassManager {
 public:
  // The default pipeline without options.disabled.
  static Result<PassManager> create(const PipelineOptions& options = {});
  // A pipeline of registered passes by name (tests, tools); options.disabled still applies.
  static Result<PassManager> from_names(const std::vector<std::string>& names,
                                        const PipelineOptions& options = {});

  // Infers shapes, then runs the pipeline to a fixed point. Returns one record per pipeline
  // entry, in pipeline order, summed over the rounds. Errors name the pass that failed.
  Result<std::vector<PassRunRecord>> run(ir::Graph& graph);

  // Every pass run of the last run(), in order.
  const std::vector<PassRunRecord>& history() const { return history_; }
  const std::vector<const PassInfo*>& pipeline() const { return pipeline_; }

 private:
  PassManager(std::vector<const PassInfo*> pipeline, PipelineOptions options)
      : pipeline_(std::move(pipeline)), options_(std::move(options)) {}

  std::vector<const PassInfo*> pipeline_;
  PipelineOptions options_;
  std::vector<PassRunRecord> history_;
};

// PassManager::create(options) then run(graph).
Result<std::vector<PassRunRecord>> optimize(ir::Graph& graph, const PipelineOptions& options = {});

}  // namespace actrt::passes
