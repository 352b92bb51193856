#include "compare/rollout_report.h"

#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "compare/report_markdown.h"
#include "compare/report_svg.h"
#include "core/json.h"
#include "data/npz.h"

namespace actrt::compare {

namespace {

std::string ms(double v) { return fmt::format("{:.3f}", v); }

Json latency_json(const LatencyStats& s) {
  return {{"count", s.count},   {"min", s.min},       {"median", s.median}, {"mean", s.mean},
          {"p90", s.p90},       {"p95", s.p95},       {"p99", s.p99},       {"max", s.max},
          {"std_dev", s.std_dev}, {"coefficient_of_variation", s.coefficient_of_variation}};
}

}  // namespace

std::string rollout_summary(const RolloutResult& r) {
  std::string s = fmt::format(
      "Steps: {} in {} episode(s), {} engine queries; step latency median {} ms, p99 {} ms, max {} ms, "
      "jitter (p99 - median) {} ms; steps with a query: median {} ms, p99 {} ms\n",
      r.steps, r.episodes.size(), r.queries, ms(r.latency.median), ms(r.latency.p99), ms(r.latency.max),
      ms(r.jitter_ms), ms(r.query_latency.median), ms(r.query_latency.p99));
  s += r.period_ms > 0 ? fmt::format("Deadlines: {} of {} steps missed the {} ms control period\n",
                                     r.missed_deadlines, r.steps, ms(r.period_ms))
                       : fmt::format("Deadlines: as fast as possible; {} steps missed the policy's deadline\n",
                                     r.missed_deadlines);
  std::vector<std::string> l1;
  for (double v : r.l1_per_joint) l1.push_back(fmt::format("{:.4f}", v));
  s += fmt::format("L1 of executed to recorded actions (robot units): mean {:.4f}; per joint {}\n", r.l1_mean,
                   fmt::join(l1, " "));
  if (r.clamped_values > 0) s += fmt::format("Clamped: {} action values\n", r.clamped_values);
  return s;
}

std::vector<std::string> rollout_warnings(const RolloutResult& r) {
  std::vector<std::string> w;
  if (auto unstable = report_latency_warning("policy queries", r.query_latency)) w.push_back(*unstable);
  if (r.missed_deadlines > 0)
    w.push_back(fmt::format("{} of {} steps missed their deadline{}", r.missed_deadlines, r.steps,
                            r.period_ms > 0 ? fmt::format(" (control period {} ms)", ms(r.period_ms)) : ""));
  if (r.clamped_values > 0)
    w.push_back(fmt::format("{} action values were clamped to the statistics' range", r.clamped_values));
  return w;
}

std::vector<std::string> rollout_report_files(int64_t action_dim) {
  std::vector<std::string> files = {"rollout.md", "rollout.json", "latency_histogram.svg"};
  for (int64_t j = 0; j < action_dim; ++j) files.push_back(fmt::format("trajectory_joint{}.svg", j));
  return files;
}

Status write_rollout_report(const std::string& dir, const RolloutResult& r, const RolloutDescription& d, bool overwrite) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error(fmt::format("--report {}: cannot create the folder: {}", dir, ec.message()));
  const auto A = static_cast<int64_t>(r.l1_per_joint.size());
  const std::vector<std::string> warnings = rollout_warnings(r);

  // Markdown.
  std::string md = "# actrt rollout\n\n";
  md += fmt::format("- engine: {} ({} {}, {})\n", d.engine, d.backend, d.precisions, d.target);
  md += fmt::format("- data: {} (cameras {}); {} episode(s), {} steps\n", d.data, fmt::join(d.cameras, ","),
                    r.episodes.size(), r.steps);
  md += fmt::format("- mode: {}\n", d.mode);
  md += d.rate_hz > 0 ? fmt::format("- rate: {} Hz (control period {} ms)\n", d.rate_hz, ms(r.period_ms))
                      : std::string("- rate: as fast as possible\n");
  md += fmt::format("- command: `{}`\n\n", d.command);
  md += "## Step latency (Policy::step, frames in host memory to action in host memory)\n\n";
  MarkdownTable lat({"steps", "median ms", "mean ms", "p90 ms", "p99 ms", "max ms", "jitter (p99 - median) ms",
                     "missed deadlines"},
                    std::vector<Align>(8, Align::kRight));
  RETURN_IF_ERROR(lat.add_row({fmt::format("all {}", r.steps), ms(r.latency.median), ms(r.latency.mean),
                               ms(r.latency.p90), ms(r.latency.p99), ms(r.latency.max), ms(r.jitter_ms),
                               fmt::format("{} / {}", r.missed_deadlines, r.steps)}));
  RETURN_IF_ERROR(lat.add_row({fmt::format("{} with a query", r.queries), ms(r.query_latency.median),
                               ms(r.query_latency.mean), ms(r.query_latency.p90), ms(r.query_latency.p99),
                               ms(r.query_latency.max), ms(r.query_latency.p99 - r.query_latency.median), ""}));
  md += lat.str() + "\n";
  md += warnings_section(warnings);
  md += "![step latency](latency_histogram.svg)\n\n";
  md += "## Executed vs recorded actions (L1, robot units)\n\n";
  std::vector<std::string> headers = {"episode"};
  for (int64_t j = 0; j < A; ++j) headers.push_back(fmt::format("joint {}", j));
  headers.push_back("mean");
  MarkdownTable l1(headers, std::vector<Align>(headers.size(), Align::kRight));
  auto row = [&](const std::string& name, const std::vector<double>& v) {
    std::vector<std::string> cells = {name};
    double mean = 0;
    for (double x : v) {
      cells.push_back(fmt::format("{:.4f}", x));
      mean += x / static_cast<double>(v.size());
    }
    cells.push_back(fmt::format("{:.4f}", mean));
    return l1.add_row(std::move(cells));
  };
  for (const EpisodeRollout& ep : r.episodes) RETURN_IF_ERROR(row(std::to_string(ep.episode), ep.l1_per_joint));
  RETURN_IF_ERROR(row("all", r.l1_per_joint));
  md += l1.str() + "\n";
  if (!r.episodes.empty()) {
    md += fmt::format("Trajectories of episode {} (executed vs recorded):\n\n", r.episodes[0].episode);
    for (int64_t j = 0; j < A; ++j) md += fmt::format("![joint {}](trajectory_joint{}.svg)\n", j, j);
  }
  RETURN_IF_ERROR(write_text_file(dir + "/rollout.md", md, overwrite));

  // JSON.
  Json episodes = Json::array();
  for (const EpisodeRollout& ep : r.episodes) {
    std::vector<double> sorted = ep.latency_ms;
    ASSIGN_OR_RETURN(LatencyStats s, compute_latency_stats(sorted));
    episodes.push_back({{"episode", ep.episode}, {"steps", ep.steps}, {"queries", ep.queries},
                        {"missed_deadlines", ep.missed_deadlines}, {"clamped_values", ep.clamped_values},
                        {"latency_ms", latency_json(s)}, {"l1_per_joint", ep.l1_per_joint}});
  }
  Json j = {{"engine", d.engine},
            {"data", d.data},
            {"backend", d.backend},
            {"target", d.target},
            {"precisions", d.precisions},
            {"mode", d.mode},
            {"cameras", d.cameras},
            {"rate_hz", d.rate_hz},
            {"period_ms", r.period_ms},
            {"command", d.command},
            {"steps", r.steps},
            {"queries", r.queries},
            {"missed_deadlines", r.missed_deadlines},
            {"clamped_values", r.clamped_values},
            {"latency_ms", latency_json(r.latency)},
            {"query_latency_ms", latency_json(r.query_latency)},
            {"jitter_ms", r.jitter_ms},
            {"l1_per_joint", r.l1_per_joint},
            {"l1_mean", r.l1_mean},
            {"warnings", warnings},
            {"episodes", episodes}};
  RETURN_IF_ERROR(write_text_file(dir + "/rollout.json", dump_json(j, 2) + "\n", overwrite));

  // Plots.
  std::vector<double> all;
  for (const EpisodeRollout& ep : r.episodes) all.insert(all.end(), ep.latency_ms.begin(), ep.latency_ms.end());
  PlotOptions hist;
  hist.title = "Policy step latency";
  hist.x_label = "step latency (ms)";
  hist.y_label = "steps";
  RETURN_IF_ERROR(write_text_file(
      dir + "/latency_histogram.svg",
      histogram_svg(all, 40, hist, r.period_ms > 0 ? r.period_ms : std::numeric_limits<double>::quiet_NaN(),
                    r.period_ms > 0 ? fmt::format("period {} ms", ms(r.period_ms)) : ""),
      overwrite));
  if (!r.episodes.empty()) {
    const EpisodeRollout& ep = r.episodes[0];
    for (int64_t jnt = 0; jnt < A; ++jnt) {
      LineSeries executed{"executed (policy)", {}}, recorded{"recorded", {}};
      for (int64_t t = 0; t < ep.steps; ++t) {
        executed.values.push_back(ep.executed[static_cast<size_t>(t * A + jnt)]);
        recorded.values.push_back(ep.recorded[static_cast<size_t>(t * A + jnt)]);
      }
      PlotOptions o;
      o.title = fmt::format("Episode {}, joint {}", ep.episode, jnt);
      o.x_label = "control step";
      o.y_label = "action (robot units)";
      RETURN_IF_ERROR(write_text_file(fmt::format("{}/trajectory_joint{}.svg", dir, jnt),
                                      line_plot_svg({executed, recorded}, o), overwrite));
    }
  }
  return ok_status();
}

Status save_rollout_actions(const std::string& dir, const RolloutResult& r, int64_t chunk_size, int64_t action_dim, bool overwrite) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error(fmt::format("--save-actions {}: cannot create the folder: {}", dir, ec.message()));
  for (const EpisodeRollout& ep : r.episodes) {
    data::TensorMap arrays;
    arrays["actions"] = Tensor::from_vector(DataType::kFloat32, {ep.steps, action_dim}, ep.executed);
    if (!ep.chunks.empty())
      arrays["chunks"] = Tensor::from_vector(DataType::kFloat32, {ep.steps, chunk_size, action_dim}, ep.chunks);
    std::vector<float> latency(ep.latency_ms.begin(), ep.latency_ms.end());
    arrays["latency_ms"] = Tensor::from_vector(DataType::kFloat32, {ep.steps}, latency);
    RETURN_IF_ERROR(data::write_npz(fmt::format("{}/episode_{}.npz", dir, ep.episode), arrays, overwrite));
  }
  return ok_status();
}

}  // namespace actrt::compare
