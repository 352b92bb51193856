// What `actrt rollout` writes: a Markdown report, the same numbers as JSON, SVG plots (one
// episode's executed vs recorded trajectory per joint; the step-latency histogram), and per
// episode the executed actions, predicted chunks and latencies as .npz.
#pragma once

#include <string>
#include <vector>

#include "compare/rollout.h"

namespace actrt::compare {

// How the rollout was run, for the report's header.
struct RolloutDescription {
  std::string engine, data;        // paths
  std::string backend, target, precisions;
  std::string mode;                // "chunked (query every 20 steps)" / "temporal ensembling (k = 0.01)"
  std::vector<std::string> cameras;
  double rate_hz = 50;
  std::string command;             // the command line
};

// DIR/rollout.md, DIR/rollout.json, DIR/latency_histogram.svg, DIR/trajectory_joint<j>.svg
// (for the first replayed episode). DIR is created when missing; existing files are replaced only
// when `overwrite`.
Status write_rollout_report(const std::string& dir, const RolloutResult& result,
                            const RolloutDescription& description, bool overwrite = false);
// The report's file names (what a caller checks for before overwriting).
std::vector<std::string> rollout_report_files(int64_t action_dim);

// DIR/episode_<i>.npz: actions [T, action_dim] (executed), chunks [T, chunk, action_dim] (NaN rows
// where no chunk was predicted; needs RolloutOptions::keep_chunks) and latency_ms [T].
Status save_rollout_actions(const std::string& dir, const RolloutResult& result, int64_t chunk_size,
                            int64_t action_dim, bool overwrite = false);

// The rollout's summary as text lines for the console (latency, jitter, deadlines, L1).
std::string rollout_summary(const RolloutResult& result);
// What the report warns about: unstable latency of the engine queries (a shared CPU, other
// load), missed deadlines, clamped actions.
std::vector<std::string> rollout_warnings(const RolloutResult& result);

}  // namespace actrt::compare
