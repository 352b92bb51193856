#include "compare/rollout.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

#include <fmt/format.h>

namespace actrt::compare {

namespace {

Status check_episodes_match(const PolicyContract& c, const data::ActEpisodes& eps) {
  if (eps.cameras() != c.cameras)
    return invalid_argument("rollout: the episodes were opened with other cameras than the policy's");
  if (eps.height() != c.image_height || eps.width() != c.image_width)
    return invalid_argument(fmt::format("rollout: the episodes' frames are {}x{}, the policy expects {}x{}",
                                        eps.height(), eps.width(), c.image_height, c.image_width));
  if (eps.state_dim() != c.state_dim || eps.state_dim() != c.action_dim)
    return invalid_argument(fmt::format(
        "rollout: the episodes have qpos and action dimension {}, the policy state_dim {} and action_dim {}",
        eps.state_dim(), c.state_dim, c.action_dim));
  return ok_status();
}

}  // namespace

Result<RolloutResult> run_rollout(Policy& policy, const data::ActEpisodes& eps, const RolloutOptions& o) {
  const PolicyContract& c = policy.contract();
  RETURN_IF_ERROR(check_episodes_match(c, eps));
  if (!(o.rate_hz >= 0) || !std::isfinite(o.rate_hz))
    return invalid_argument(fmt::format("rollout: rate {} Hz is not a finite value >= 0", o.rate_hz));
  std::vector<int64_t> which = o.episodes;
  if (which.empty())
    for (int64_t e = 0; e < eps.num_episodes(); ++e) which.push_back(e);
  for (int64_t e : which)
    if (e < 0 || e >= eps.num_episodes())
      return invalid_argument(fmt::format("rollout: episode {} does not exist (the data has {})", e,
                                          eps.num_episodes()));

  using clock = std::chrono::steady_clock;
  RolloutResult r;
  r.period_ms = o.rate_hz > 0 ? 1000.0 / o.rate_hz : 0;
  const auto period = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double, std::milli>(r.period_ms));
  const int64_t T = eps.episode_length(), A = c.action_dim, K = c.chunk_size;
  const auto ncam = static_cast<int64_t>(c.cameras.size());
  std::vector<uint8_t*> buffers;
  for (const std::string& cam : c.cameras) buffers.push_back(policy.frame_buffer(cam));
  std::vector<double> all_latency;
  std::vector<double> l1_sum(static_cast<size_t>(A), 0.0);

  for (int64_t e : which) {
    EpisodeRollout ep;
    ep.episode = e;
    ep.steps = T;
    ep.executed.resize(static_cast<size_t>(T * A));
    ep.recorded.resize(static_cast<size_t>(T * A));
    ep.latency_ms.resize(static_cast<size_t>(T));
    if (o.keep_chunks) ep.chunks.assign(static_cast<size_t>(T * K * A), std::numeric_limits<float>::quiet_NaN());
    policy.reset();
    auto tick = clock::now();
    for (int64_t t = 0; t < T; ++t) {
      // The camera's part: the frames land in the policy's own input buffers (no copy later).
      for (int64_t cam = 0; cam < ncam; ++cam)
        RETURN_IF_ERROR(eps.read_frame(e, cam, t, buffers[static_cast<size_t>(cam)]));
      ASSIGN_OR_RETURN(std::span<const float> qpos, eps.qpos_at(e, t));
      ASSIGN_OR_RETURN(std::span<const float> recorded, eps.action_at(e, t));
      Result<PolicyStep> step = policy.step(qpos);
      if (!step.ok())
        return step.status().with_context(fmt::format("rollout: episode {} step {}", e, t));
      const size_t row = static_cast<size_t>(t * A);
      std::copy(step->action.begin(), step->action.end(), ep.executed.begin() + static_cast<std::ptrdiff_t>(row));
      std::copy(recorded.begin(), recorded.end(), ep.recorded.begin() + static_cast<std::ptrdiff_t>(row));
      ep.latency_ms[static_cast<size_t>(t)] = step->latency_ms;
      const bool missed = step->missed_deadline || (r.period_ms > 0 && step->latency_ms > r.period_ms);
      ep.missed_deadlines += missed;
      ep.clamped_values += step->clamped;
      if (step->queried) {
        ++ep.queries;
        if (o.keep_chunks) {
          std::span<const float> chunk = policy.last_chunk();
          std::copy(chunk.begin(), chunk.end(), ep.chunks.begin() + static_cast<std::ptrdiff_t>(t * K * A));
        }
      }
      if (o.on_step) o.on_step(e, t);
      if (r.period_ms > 0) {
        // The next tick of a fixed-rate loop; a late step starts the next one at once and the
        // schedule resumes from now (no burst of catch-up steps).
        tick += period;
        const auto now = clock::now();
        if (tick > now) std::this_thread::sleep_until(tick);
        else tick = now;
      }
    }
    ep.l1_per_joint.assign(static_cast<size_t>(A), 0.0);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t d = 0; d < A; ++d) {
        const size_t i = static_cast<size_t>(t * A + d);
        const double diff = std::fabs(static_cast<double>(ep.executed[i]) - ep.recorded[i]);
        ep.l1_per_joint[static_cast<size_t>(d)] += diff / static_cast<double>(T);
        l1_sum[static_cast<size_t>(d)] += diff;
      }
    all_latency.insert(all_latency.end(), ep.latency_ms.begin(), ep.latency_ms.end());
    r.steps += T;
    r.missed_deadlines += ep.missed_deadlines;
    r.clamped_values += ep.clamped_values;
    r.queries += ep.queries;
    r.episodes.push_back(std::move(ep));
  }
  ASSIGN_OR_RETURN(r.latency, compute_latency_stats(all_latency));
  r.jitter_ms = r.latency.p99 - r.latency.median;
  r.l1_per_joint.resize(static_cast<size_t>(A));
  for (int64_t d = 0; d < A; ++d) {
    r.l1_per_joint[static_cast<size_t>(d)] = l1_sum[static_cast<size_t>(d)] / static_cast<double>(r.steps);
    r.l1_mean += r.l1_per_joint[static_cast<size_t>(d)] / static_cast<double>(A);
  }
  return r;
}

}  // namespace actrt::compare
