#include "layer_table.h"

#include <cstdio>
#include <map>

namespace actrt::cli {

void print_layer_table(const Engine& engine, bool every_layer) {
  const auto layers = engine.layers();
  std::printf("Engine: backend %s, target %s, %zu layers, weights %.2f MB\n",
              std::string(backend_name(engine.backend())).c_str(), engine.target().c_str(),
              layers.size(), static_cast<double>(engine.weight_bytes()) / 1e6);
  if (every_layer) {
    std::printf("  %-40s %-26s %-24s %-6s %s\n", "layer", "op", "kernel", "prec", "output");
    for (const auto& l : layers)
      std::printf("  %-40s %-26s %-24s %-6s %s\n", l.name.c_str(), l.op_type.c_str(),
                  l.kernel.c_str(), std::string(precision_name(l.precision)).c_str(),
                  shape_to_string(l.output_shape).c_str());
    return;
  }
  std::map<std::pair<std::string, std::string>, int> by_kernel;
  std::map<std::string, int> by_precision;
  for (const auto& l : layers) {
    ++by_kernel[{l.kernel, std::string(precision_name(l.precision))}];
    ++by_precision[std::string(precision_name(l.precision))];
  }
  std::printf("  %-32s %-6s %6s\n", "kernel", "prec", "layers");
  for (const auto& [k, n] : by_kernel)
    std::printf("  %-32s %-6s %6d\n", k.first.c_str(), k.second.c_str(), n);
  std::printf("  layers per precision:");
  for (const auto& [prec, n] : by_precision) std::printf(" %s %d", prec.c_str(), n);
  std::printf("\n");
}

}  // namespace actrt::cli
