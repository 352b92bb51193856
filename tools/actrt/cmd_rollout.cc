// actrt rollout ENGINE --data DIR: replay recorded ACT episodes through a Policy as a robot would.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "actrt/log.h"
#include "actrt/policy.h"
#include "args.h"
#include "cli_common.h"
#include "command.h"
#include "compare/rollout.h"
#include "compare/rollout_report.h"
#include "core/limits.h"
#include "data/act_episodes.h"

namespace actrt::cli {
namespace {

// Files this run would write into DIR that exist already: refused unless --force.
Status check_folder_free(const std::string& dir, const std::vector<std::string>& files, bool force,
                         const char* flag) {
  if (force) return ok_status();
  for (const std::string& f : files) {
    std::error_code ec;
    const std::string path = dir + "/" + f;
    if (std::filesystem::exists(path, ec))
      return invalid_argument(fmt::format("--{} {}: {} exists; pass --force to overwrite it", flag, dir, path));
  }
  return ok_status();
}

Result<std::vector<int64_t>> episode_list(const ArgParser& p) {
  std::vector<int64_t> out;
  for (const std::string& item : p.get_list("episodes")) {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    if (errno || end == item.c_str() || *end || v < 0)
      return invalid_argument(fmt::format("--episodes: '{}' is not an episode index (0, 1, ...)", item));
    out.push_back(v);
  }
  return out;
}

Result<int> run_rollout(const std::vector<std::string>& args) {
  ArgParser p("actrt rollout ENGINE --data DIR [options]",
              "Replays recorded ACT episodes through a policy engine (`actrt build --policy`) as a robot "
              "would: one control step at a time at --rate, the episode's frames and qpos at each step. "
              "Reports the per-step latency (median, p99, max, jitter, missed deadlines) and the L1 of "
              "the executed actions to the recorded ones per joint, in robot units.",
              {"actrt rollout act-tiny.policy.engine --data models/act-tiny/eval",
               "actrt rollout act.engine --data episodes/ --temporal-ensemble 0.01 --report out/rollout",
               "actrt rollout act.engine --data episodes/ --rate 0 --chunk-steps 10 --save-actions out/actions"});
  p.positional("ENGINE", "a policy engine file (actrt build MODEL --policy)");
  p.group("Data");
  p.option("data", "DIR", "a folder of ACT episodes (episode_*.hdf5) with the policy's cameras");
  p.option("episodes", "I,J,...", "episode indices to replay (default: all)");
  p.group("Control loop");
  p.option("rate", "HZ", "control rate; 0 = as fast as possible", "50");
  p.option("temporal-ensemble", "K",
           "temporal ensembling: query every step, weights exp(-K*i), i = 0 the oldest (ACT: 0.01)");
  p.option("chunk-steps", "N", "chunked mode: query every N steps (default: the contract's, else the chunk size)");
  p.flag("clamp", "clamp actions to the statistics' action_min / action_max (counted in the report)");
  p.option("deadline-ms", "MS", "count steps slower than MS as missed (default: the control period)");
  p.option("threads", "N", "CPU engines: threads (default: the engine's setting)");
  p.group("Output");
  p.option("report", "DIR", "write rollout.md, rollout.json and SVG plots into DIR");
  p.option("save-actions", "DIR", "write DIR/episode_<i>.npz: actions [T,A], chunks [T,chunk,A], latency_ms [T]");
  p.flag("force", "overwrite existing report or action files");
  if (int rc = parse_or_exit(p, args); rc >= 0) return rc;
  if (!p.has("data")) return invalid_argument("--data DIR is required (a folder of ACT episodes)");
  if (p.has("temporal-ensemble") && p.has("chunk-steps"))
    return invalid_argument("--temporal-ensemble and --chunk-steps are exclusive (two ways to play chunks)");

  PolicyOptions po;
  ASSIGN_OR_RETURN(const double rate, p.get_double("rate", 50, 0, 100000));
  if (p.has("temporal-ensemble")) {
    po.mode = PolicyOptions::Mode::kTemporalEnsemble;
    ASSIGN_OR_RETURN(po.ensemble_k, p.get_double("temporal-ensemble", 0.01, 0, 1e6));
  }
  if (p.has("chunk-steps")) {
    po.mode = PolicyOptions::Mode::kChunked;
    ASSIGN_OR_RETURN(po.chunk_steps, p.get_int("chunk-steps", 0, 1, limits::kMaxIterations));
  }
  po.clamp_actions = p.has("clamp");
  ASSIGN_OR_RETURN(po.deadline_ms, p.get_double("deadline-ms", rate > 0 ? 1000.0 / rate : 0.0, 0,
                                                 limits::kMaxDurationMs));
  ASSIGN_OR_RETURN(const int64_t threads, p.get_int("threads", 0, 0, limits::kMaxThreads));
  po.threads = static_cast<int>(threads);
  ASSIGN_OR_RETURN(std::vector<int64_t> which, episode_list(p));

  const std::string engine_path = p.arg("ENGINE");
  ASSIGN_OR_RETURN(std::unique_ptr<Policy> policy, Policy::load(engine_path, po));
  const PolicyContract& c = policy->contract();
  if (p.has("report"))
    RETURN_IF_ERROR(check_folder_free(p.get("report"), compare::rollout_report_files(c.action_dim), p.has("force"),
                                      "report"));
  ASSIGN_OR_RETURN(data::ActEpisodes eps, data::ActEpisodes::open(p.get("data"), c.cameras));
  if (p.has("save-actions")) {
    std::vector<std::string> files;
    const int64_t n = which.empty() ? eps.num_episodes() : static_cast<int64_t>(which.size());
    for (int64_t i = 0; i < n; ++i)
      files.push_back(fmt::format("episode_{}.npz", which.empty() ? i : which[static_cast<size_t>(i)]));
    RETURN_IF_ERROR(check_folder_free(p.get("save-actions"), files, p.has("force"), "save-actions"));
  }

  const std::string mode =
      policy->mode() == PolicyOptions::Mode::kTemporalEnsemble
          ? fmt::format("temporal ensembling (query every step, k = {})",
                        p.has("temporal-ensemble") ? po.ensemble_k
                                                   : c.temporal_ensemble_coeff.value_or(po.ensemble_k))
          : fmt::format("chunked (query every {} steps of a {}-step chunk)", policy->chunk_steps(), c.chunk_size);
  log_info(fmt::format("Rollout: {} episode(s) of {} steps from {}, {}, {}", which.empty() ? eps.num_episodes() : static_cast<int64_t>(which.size()),
                       eps.episode_length(), p.get("data"), mode,
                       rate > 0 ? fmt::format("{} Hz", rate) : std::string("as fast as possible")));

  compare::RolloutOptions ro;
  ro.rate_hz = rate;
  ro.episodes = which;
  ro.keep_chunks = p.has("save-actions");
  ASSIGN_OR_RETURN(compare::RolloutResult result, compare::run_rollout(*policy, eps, ro));
  std::printf("%s", compare::rollout_summary(result).c_str());
  for (const std::string& w : compare::rollout_warnings(result)) log_warning(w);

  if (p.has("report")) {
    compare::RolloutDescription d;
    d.engine = engine_path;
    d.data = p.get("data");
    const Engine& engine = policy->engine();
    d.backend = std::string(backend_name(engine.backend()));
    d.target = engine.target();
    auto prec = engine.metadata().find("precisions");
    d.precisions = prec == engine.metadata().end() ? "" : prec->second;
    d.mode = mode;
    d.cameras = c.cameras;
    d.rate_hz = rate;
    d.command = "actrt rollout";
    for (const std::string& a : args) d.command += " " + a;
    RETURN_IF_ERROR(compare::write_rollout_report(p.get("report"), result, d, p.has("force")));
    std::printf("Report: %s/rollout.md, rollout.json, latency_histogram.svg, trajectory_joint*.svg\n",
                p.get("report").c_str());
  }
  if (p.has("save-actions")) {
    RETURN_IF_ERROR(compare::save_rollout_actions(p.get("save-actions"), result, c.chunk_size,
                                                  c.action_dim, p.has("force")));
    std::printf("Actions: %s/episode_<i>.npz\n", p.get("save-actions").c_str());
  }
  return 0;
}

}  // namespace

ACTRT_REGISTER_COMMAND(rollout, "replay recorded episodes through a policy engine at a control rate", run_rollout);

}  // namespace actrt::cli
