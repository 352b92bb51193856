#include "build_options.h"

#include "core/limits.h"

namespace actrt::cli {

void add_builder_options(ArgParser& p) {
  p.group("Build");
  p.option("backend", "cpu|cuda", "where the engine runs", "cpu");
  p.flag("tf32", "allow TF32 matrix math (GPU)");
  p.flag("fp16", "allow FP16 layers");
  p.flag("bf16", "GPU: matrix products (Gemm / MatMul) in BF16, FP32 accumulation");
  p.flag("int8", "allow INT8 layers (needs calibration data or a calibration cache)");
  p.option("layer-precisions", "NAME:PREC,...", "force layers to a precision, e.g. norm1:fp32");
  p.option("threads", "N", "CPU threads (0 = the usable cores but one)", "0");
  p.option("seed", "N", "seed for anything random during the build", "1");
  p.option("timing-cache", "FILE",
           "GPU: reuse tactic timings from FILE and add new ones to it (created if missing; "
           "TensorRT's timing cache)");
}

Result<BuilderConfig> builder_config_from(const ArgParser& p) {
  BuilderConfig c;
  auto backend = backend_from_name(p.get("backend"));
  if (!backend) return invalid_argument("--backend must be cpu or cuda, got '" + p.get("backend") + "'");
  c.backend = *backend;
  c.tf32 = p.has("tf32");
  c.fp16 = p.has("fp16");
  c.bf16 = p.has("bf16");
  c.int8 = p.has("int8");
  c.disabled_passes = p.get_all("disable-pass");  // backend passes (add_model_options)
  ASSIGN_OR_RETURN(int64_t threads, p.get_int("threads", 0, 0, limits::kMaxThreads));
  c.threads = static_cast<int>(threads);
  ASSIGN_OR_RETURN(int64_t seed, p.get_int("seed", 1, 0, INT64_MAX));
  c.seed = static_cast<uint64_t>(seed);
  if (p.has("timing-cache")) {
    c.timing_cache_path = p.get("timing-cache");
    if (c.timing_cache_path.empty()) return invalid_argument("--timing-cache needs a file name");
  }
  const std::string lp = p.get("layer-precisions");
  size_t pos = 0;
  while (pos < lp.size()) {
    size_t end = lp.find(',', pos);
    if (end == std::string::npos) end = lp.size();
    const std::string entry = lp.substr(pos, end - pos);
    const size_t colon = entry.rfind(':');
    if (colon == std::string::npos)
      return invalid_argument("--layer-precisions entry '" + entry + "' is not NAME:PRECISION");
    auto prec = precision_from_name(entry.substr(colon + 1));
    if (!prec)
      return invalid_argument("--layer-precisions: unknown precision '" + entry.substr(colon + 1) +
                              "' (fp32, tf32, fp16, bf16, int8)");
    c.layer_precisions[entry.substr(0, colon)] = *prec;
    pos = end + 1;
  }
  return c;
}

}  // namespace actrt::cli
