#include "memory_report.h"

#include <fmt/format.h>

namespace actrt::cli {

namespace {

struct Item {
  const char* label;
  size_t bytes;
};

}  // namespace

Json memory_usage_json(const runtime::MemoryUsage& m) {
  Json device = {{"weights", m.device_weights},
                 {"activations", m.device_activations},
                 {"workspace", m.device_workspace},
                 {"other", m.device_other},
                 {"total", m.device_total()},
                 {"libraries", m.device_libraries}};
  Json host = {{"weights", m.host_weights},
               {"packed_weights", m.host_packed_weights},
               {"activations", m.host_activations},
               {"staging", m.host_staging},
               {"total", m.host_total()}};
  return {{"device", std::move(device)}, {"host", std::move(host)}};
}

std::string memory_usage_text(const runtime::MemoryUsage& m, const std::string& indent) {
  std::string out;
  auto line = [&](const char* label, size_t bytes) {
    out += fmt::format("{}{:<34} {:10.2f} MB\n", indent, label, static_cast<double>(bytes) / 1e6);
  };
  auto items = [&](std::initializer_list<Item> list) {
    for (const Item& i : list)
      if (i.bytes) line(i.label, i.bytes);
  };
  if (m.device_total() || m.device_libraries) {
    items({{"device: weights", m.device_weights},
           {"device: activation arena", m.device_activations},
           {"device: library workspace", m.device_workspace},
           {"device: step buffers", m.device_other}});
    line("device: total (actrt's own)", m.device_total());
    if (m.device_libraries)
      line("device: CUDA/cuDNN/cuBLASLt handles", m.device_libraries);
  }
  items({{"host: weights (the plan's)", m.host_weights},
         {"host: packed weights", m.host_packed_weights},
         {"host: activation arena", m.host_activations},
         {"host: pinned staging", m.host_staging}});
  line("host: total", m.host_total());
  return out;
}

}  // namespace actrt::cli
