#include "compare_report.h"

#include <cmath>
#include <filesystem>

#include "compare/report_markdown.h"
#include "compare/report_svg.h"
#include "core/json.h"

namespace actrt::cli::compare_cli {

namespace {

using compare::Align;
using compare::format_sig;

std::string opt(const std::optional<double>& v, int digits = 4) {
  return v ? format_sig(*v, digits) : "-";
}

// JSON has no NaN / Infinity: those (and absent values) are null.
Json num(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? Json(*v) : Json();
}

Json row_json(const ReportRow& r) {
  Json steps = Json::array();
  for (double v : r.l1_per_step) steps.push_back(num(v));
  return {{"name", r.name},
          {"status", r.status},
          {"reason", r.reason},
          {"l1_to_ground_truth", num(r.l1)},
          {"l1_to_ground_truth_robot", num(r.l1_robot)},
          {"l1_per_step", std::move(steps)},
          {"l1_vs_fp32", num(r.l1_vs_fp32)},
          {"max_abs_vs_fp32", num(r.max_abs_vs_fp32)},
          {"latency_ms_median", num(r.latency_median)},
          {"latency_ms_p99", num(r.latency_p99)},
          {"latency_ms_mean", num(r.latency_mean)},
          {"latency_cv", num(r.latency_cv)},
          {"latency_runs", r.latency_runs},
          {"latency_warning", r.latency_warning ? Json(*r.latency_warning) : Json()},
          {"speedup_vs_pytorch", num(r.speedup_vs_pytorch)},
          {"engine_bytes", r.engine_bytes ? Json(*r.engine_bytes) : Json()},
          {"build_seconds", num(r.build_seconds)},
          {"engine_cached", r.engine_cached},
          {"engine_path", r.engine_path}};
}

Json refs_json(const std::vector<data::SampleRef>& refs) {
  Json a = Json::array();
  for (const auto& r : refs) a.push_back(Json::array({r.episode, r.t}));
  return a;
}

std::vector<const ReportRow*> all_rows(const ReportInputs& in) {
  std::vector<const ReportRow*> rows;
  if (in.pytorch) rows.push_back(&*in.pytorch);
  for (const ReportRow& r : in.variants) rows.push_back(&r);
  return rows;
}

}  // namespace

std::vector<std::string> report_warnings(const ReportInputs& in) {
  std::vector<std::string> out;
  for (const ReportRow* r : all_rows(in))
    if (r->latency_warning) out.push_back(*r->latency_warning);
  return out;
}

std::string report_table(const ReportInputs& in) {
  compare::MarkdownTable t(
      {"variant", "L1 (norm)", "L1 (robot)", std::string(compare::kL1ToFp32Header),
       "max abs vs fp32", "median ms", "p99 ms", "speed-up vs torch", "engine MB", "build s",
       "note"},
      {Align::kLeft, Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kRight,
       Align::kRight, Align::kRight, Align::kRight, Align::kRight, Align::kLeft});
  for (const ReportRow* r : all_rows(in)) {
    std::string note = r->status == "ok" ? r->reason : r->status + ": " + r->reason;
    if (r->engine_cached) note = note.empty() ? "cached engine" : note + "; cached engine";
    if (r->latency_warning)  // the full text is in the Warnings section below the table
      note = (note.empty() ? "" : note + "; ") + "unstable latency (cv " +
             format_sig(100.0 * r->latency_cv.value_or(0), 2) + " %)";
    std::string speedup = r->speedup_vs_pytorch ? format_sig(*r->speedup_vs_pytorch, 3) + "x" : "-";
    (void)t.add_row({r->name, opt(r->l1), opt(r->l1_robot), opt(r->l1_vs_fp32), opt(r->max_abs_vs_fp32),
                     opt(r->latency_median), opt(r->latency_p99), speedup,
                     r->engine_bytes ? format_sig(static_cast<double>(*r->engine_bytes) / 1e6, 3) : "-",
                     opt(r->build_seconds, 3), note});
  }
  return t.str() + "\n" + std::string(compare::kL1ToFp32Note) + "\n";
}

Status write_report(const ReportInputs& in, const std::string& out_dir, bool overwrite) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return io_error(out_dir + ": cannot create the report folder: " + ec.message());

  // Markdown.
  std::string cams;
  for (const auto& c : in.cameras) cams += (cams.empty() ? "" : ",") + c;
  std::string md = "# actrt compare: " + in.model + "\n\n";
  md += "- backend: " + in.backend + "\n";
  md += "- data: " + in.data_dir + " (cameras " + cams + "; statistics: " + in.stats_source + ")\n";
  md += "- " + std::to_string(in.evaluation.size()) + " evaluation samples, " +
        std::to_string(in.calibration.size()) +
        " calibration samples for int8 (disjoint: one seeded permutation, seed " +
        std::to_string(in.seed) + ")\n";
  md += "- L1: mean |prediction - ground truth| over un-padded chunk entries; robot units = "
        "de-normalized with action_mean/action_std\n";
  md += "- latency: " + in.latency_method + "\n";
  if (!in.pytorch_note.empty()) md += "- PyTorch: " + in.pytorch_note + "\n";
  md += '\n';  // appended piecewise: GCC 12's -Wrestrict misfires on "\n" + std::string here
  md += report_table(in);
  md += '\n';
  md += compare::warnings_section(report_warnings(in));
  md += "![latency vs L1](latency_vs_l1.svg)\n\n![L1 along the chunk](l1_along_chunk.svg)\n";
  RETURN_IF_ERROR(compare::write_text_file(out_dir + "/report.md", md, overwrite));

  // JSON.
  Json vars = Json::array();
  for (const ReportRow& r : in.variants) vars.push_back(row_json(r));
  const Json root = {{"model", in.model},
                     {"backend", in.backend},
                     {"data", in.data_dir},
                     {"cameras", in.cameras},
                     {"stats", in.stats_source},
                     {"seed", in.seed},
                     {"samples", in.evaluation.size()},
                     {"calibration_samples", in.calibration.size()},
                     {"evaluation_refs", refs_json(in.evaluation)},
                     {"calibration_refs", refs_json(in.calibration)},
                     {"latency_method", in.latency_method},
                     {"pytorch", in.pytorch ? row_json(*in.pytorch) : Json()},
                     {"pytorch_note", in.pytorch_note},
                     {"variants", std::move(vars)},
                     {"warnings", report_warnings(in)}};
  RETURN_IF_ERROR(compare::write_text_file(out_dir + "/results.json", dump_json(root) + "\n", overwrite));

  // Plots: every row that produced numbers.
  std::vector<compare::ScatterPoint> points;
  std::vector<compare::LineSeries> series;
  for (const ReportRow* r : all_rows(in)) {
    if (r->status != "ok") continue;
    if (r->latency_median && r->l1) points.push_back({r->name, *r->latency_median, *r->l1});
    if (!r->l1_per_step.empty()) series.push_back({r->name, r->l1_per_step});
  }
  RETURN_IF_ERROR(compare::write_text_file(
      out_dir + "/latency_vs_l1.svg",
      compare::latency_vs_l1_svg(points, "Latency (median ms, " + in.backend +
                                             ") vs. L1 to ground truth"),
      overwrite));
  RETURN_IF_ERROR(compare::write_text_file(
      out_dir + "/l1_along_chunk.svg",
      compare::l1_along_chunk_svg(series, "L1 to ground truth along the action chunk (" +
                                              in.backend + ")"),
      overwrite));
  return ok_status();
}

}  // namespace actrt::cli::compare_cli
