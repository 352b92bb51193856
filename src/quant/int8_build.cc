#include "quant/int8_build.h"

#include "actrt/calibrator.h"
#include "quant/cache.h"
#include "quant/calibrate.h"
#include "quant/precision_planner.h"

namespace actrt::quant {

Status prepare_int8(const ir::Graph& graph, const BuilderConfig& config, runtime::Plan& plan,
                    const runtime::Backend* backend) {
  if (!config.int8) return ok_status();
  std::map<std::string, float> scales;
  if (config.calibrator) {
    ASSIGN_OR_RETURN(CalibrationResult r, calibrate(graph, *config.calibrator, backend));
    scales = r.scale_map();
    plan.metadata["int8.calibration"] = std::string(cache_algorithm_name(r.algorithm));
    plan.metadata["int8.scales_from"] = r.from_cache ? "cache" : "calibration";
    if (r.from_cache) plan.metadata["int8.cache"] = config.calibrator->options().cache_path;
  }
  const PrecisionPlan pp = plan_precisions(graph, scales, config);
  plan.int8_scales = std::move(scales);
  for (const auto& [node, p] : pp.precisions) plan.layers[node] = runtime::LayerChoice{"", p};
  for (const auto& [p, count] : pp.counts)
    plan.metadata["int8.planned." + std::string(precision_name(p))] = std::to_string(count);
  return ok_status();
}

}  // namespace actrt::quant
