// The Comparator: runs several runners on identical inputs and compares their outputs, as
// Polygraphy's Comparator.run / Comparator.compare_accuracy do.
//
//   std::vector<Runner*> runners = {engine_runner.get(), reference_runner.get()};
//   ASSIGN_OR_RETURN(RunResults results, Comparator::run(runners, loader));
//   RETURN_IF_ERROR(save_run_results(results, "results.json"));
//   CompareOptions opt;
//   RETURN_IF_ERROR(opt.tolerances.parse_atol("1e-3"));
//   ASSIGN_OR_RETURN(AccuracyResult acc, Comparator::compare_accuracy(results, opt));
//   return acc.passed() ? 0 : 1;
//
// run(): runners are used one after the other (only one holds its buffers at a time, which
// matters on the GPU). A runner that is not active is activated with RunnerActivation for its
// turn and deactivated after it; one that the caller already activated is used as is and left
// active. Every runner gets loader.get(i) for i in [0, iterations); since DataLoader promises the
// same data for the same i, inputs are identical, and run() checks that (a 64-bit hash of every
// feed, compared with the first runner's) so a loader that breaks the promise is an error rather
// than a silently meaningless comparison. Outputs are deep-copied, since a runner may reuse its
// output buffers on the next infer().
//
// compare_accuracy(): for each runner pair (default: consecutive pairs (0,1), (1,2), ... as in
// Polygraphy; the second runner of a pair is the reference for relative error), each iteration
// and each output of the first runner: metrics and pass/fail (compare/metrics.h). Outputs missing
// from the second runner or of different shape fail with a note. Logs Polygraphy-style lines when
// options.log is set.
//
// JSON (save/load): Polygraphy's RunResults layout, so both tools can read each other's files:
//   {"lst": [["runner", [{"outputs": {"name": {"values": {"array": "<base64 .npy>",
//     "polygraphy_class": "ndarray"}, "polygraphy_class": "LazyArray"}}, "runtime": <seconds>,
//     "runner_name": "runner", "polygraphy_class": "IterationResult"}, ...]]],
//    "polygraphy_class": "RunResults"}
// Outputs are written in name order. bf16 outputs (no NumPy dtype) are written as f32 (exact),
// so they load back as f32. load also accepts bare ndarray objects without the LazyArray wrapper.
// save -> load -> save gives the same bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actrt/data_loader.h"
#include "actrt/runner.h"
#include "actrt/status.h"
#include "compare/metrics.h"

namespace actrt::compare {

struct IterationResult {
  TensorMap outputs;
  double runtime_ms = 0;  // runner.last_inference_time_ms() of this iteration
};

struct RunnerResults {
  std::string runner_name;
  std::vector<IterationResult> iterations;
  std::vector<double> runtimes_ms() const;
};

// In runner order; names may repeat (as in Polygraphy).
struct RunResults {
  std::vector<RunnerResults> runners;
  // First entry with that name, or nullptr.
  const RunnerResults* find(std::string_view runner_name) const;
};

struct RunOptions {
  // Items of the loader to run (0: all of them).
  size_t max_iterations = 0;
  // Untimed, unrecorded infer() calls on item 0 before the recorded ones, per runner (first-call
  // costs such as lazy allocation or cuDNN autotuning would otherwise land in iteration 0).
  int warm_up_runs = 0;
  // Called after each recorded inference (runner index, iteration), e.g. for a progress bar.
  std::function<void(size_t, size_t)> on_progress;
  bool log = true;  // [I] lines per runner
};

struct OutputComparison {
  std::string output;
  bool passed = false;
  bool compared = false;  // false: missing in the second runner or shapes differ (see note)
  std::string note;
  OutputMetrics metrics;
};

struct IterationComparison {
  size_t iteration = 0;
  std::vector<OutputComparison> outputs;
  bool passed() const;
};

// One output aggregated over all iterations of a pair.
struct OutputSummary {
  std::string output;
  int64_t iterations = 0;
  int64_t passed_iterations = 0;
  double max_abs = 0;     // max over iterations
  double mean_l1 = 0;     // mean of the per-iteration L1 (equal weights: same element count)
  double max_rel = 0;     // max over iterations
  double min_cosine = 1;  // worst iteration
  Tolerance required;     // max over iterations
};

struct PairComparison {
  size_t runner_a = 0, runner_b = 0;  // indices into RunResults::runners
  std::string name_a, name_b;
  std::vector<IterationComparison> iterations;
  std::vector<OutputSummary> summaries;  // in output name order
  int64_t passed_iterations() const;
  double pass_rate() const;  // passed iterations / iterations (1 when none, like Polygraphy)
  bool passed() const;
};

struct AccuracyResult {
  std::vector<PairComparison> pairs;
  bool passed() const;
};

struct CompareOptions {
  ToleranceOptions tolerances;
  // Index pairs (a, b) into RunResults::runners; empty: (0,1), (1,2), ...
  std::vector<std::pair<size_t, size_t>> pairs;
  bool log = true;
};

// Every runner i != reference compared against `reference` (the usual "all versus FP32").
std::vector<std::pair<size_t, size_t>> pairs_against(size_t reference, size_t runner_count);

class Comparator {
 public:
  static Result<RunResults> run(const std::vector<Runner*>& runners, const DataLoader& loader,
                                const RunOptions& options = {});
  static Result<AccuracyResult> compare_accuracy(const RunResults& results,
                                                 const CompareOptions& options = {});
};

// JSON in Polygraphy's layout (see the top of this file).
Result<std::string> run_results_to_json(const RunResults& results);
Result<RunResults> run_results_from_json(std::string_view text, std::string_view source = "<json>");
// Refuses an existing `path` unless `overwrite`.
Status save_run_results(const RunResults& results, const std::string& path, bool overwrite = false);
Result<RunResults> load_run_results(const std::string& path);

}  // namespace actrt::compare
