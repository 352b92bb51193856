// `actrt compare`: one row per variant (plus the PyTorch row) and the report files:
// OUT/report.md (the table, also printed), OUT/results.json, OUT/latency_vs_l1.svg,
// OUT/l1_along_chunk.svg.
//
// results.json:
//   {"model": ..., "backend": ..., "samples": N, "calibration_samples": M, "seed": S,
//    "evaluation_samples": [[episode, t], ...], "calibration_samples_used": [[episode, t], ...],
//    "pytorch": {row} | null, "pytorch_note": "...",
//    "variants": [{row}, ...]}
//   row: name, status ("ok" | "skipped" | "failed"), reason, l1_to_ground_truth,
//        l1_to_ground_truth_robot, l1_per_step, l1_vs_fp32, max_abs_vs_fp32, latency_ms_median,
//        latency_ms_p99, latency_ms_mean, latency_cv, latency_runs, latency_warning (null when
//        stable), speedup_vs_pytorch, engine_bytes, build_seconds, engine_cached, engine_path.
//        Numbers that do not exist for a row (a failed build, no PyTorch row for the speed-up)
//        are null.
//   "warnings": the report's warnings (every row's latency_warning), also a "## Warnings"
//   section of report.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "actrt/status.h"
#include "data/act_episodes.h"

namespace actrt::cli::compare_cli {

struct ReportRow {
  std::string name;
  std::string status = "ok";  // ok | skipped | failed
  std::string reason;
  std::optional<double> l1, l1_robot, l1_vs_fp32, max_abs_vs_fp32;
  std::vector<double> l1_per_step;
  std::optional<double> latency_median, latency_p99, latency_mean;
  std::optional<double> latency_cv;  // coefficient of variation of the timed runs
  int64_t latency_runs = 0;
  // compare::report_latency_warning's text when the timings vary too much to trust the median.
  std::optional<std::string> latency_warning;
  std::optional<double> speedup_vs_pytorch;
  std::optional<int64_t> engine_bytes;
  std::optional<double> build_seconds;
  bool engine_cached = false;
  std::string engine_path;
};

struct ReportInputs {
  std::string model, backend, data_dir, stats_source, latency_method;
  std::vector<std::string> cameras;
  uint64_t seed = 1;
  std::vector<data::SampleRef> evaluation, calibration;
  std::optional<ReportRow> pytorch;
  std::string pytorch_note;
  std::vector<ReportRow> variants;
};

// The terminal / Markdown table (without a title).
std::string report_table(const ReportInputs& in);
// Every row's latency warning, PyTorch's first: what report.md's Warnings section lists.
std::vector<std::string> report_warnings(const ReportInputs& in);
// Writes the four files into `out_dir`.
// The files write_report writes into OUT (checked before any work: an existing one is refused
// without --force).
inline constexpr const char* kReportFiles[] = {"report.md", "results.json", "latency_vs_l1.svg",
                                               "l1_along_chunk.svg"};
// Replaces existing report files only when `overwrite`.
Status write_report(const ReportInputs& in, const std::string& out_dir, bool overwrite);

}  // namespace actrt::cli::compare_cli
