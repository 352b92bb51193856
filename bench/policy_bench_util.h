// Shared by the policy benchmarks (policy_step.cc, policy_soak.cc): load a policy engine and make
// seeded random camera frames of its contract's size.
#pragma once

#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "actrt/policy.h"

namespace actrt::bench {

// The policy, or nullptr after printing why.
inline std::unique_ptr<Policy> load_policy_or_report(const std::string& path, const PolicyOptions& options) {
  auto loaded = Policy::load(path, options);
  if (!loaded.ok()) {
    std::fprintf(stderr, "[E] %s\n", loaded.status().to_string().c_str());
    return nullptr;
  }
  return std::move(*loaded);
}

// One packed uint8 HWC image per contract camera, seeded random pixels, and Frames over them.
struct RandomFrames {
  explicit RandomFrames(const PolicyContract& c, uint32_t seed = 0)
      : bytes(static_cast<size_t>(c.image_height * c.image_width * 3)), rng(seed) {
    pixels.assign(c.cameras.size(), std::vector<uint8_t>(bytes));
    for (auto& p : pixels)
      for (auto& b : p) b = static_cast<uint8_t>(rng() & 0xFF);
    for (auto& p : pixels) frames.push_back({p.data(), c.image_height, c.image_width});
  }
  size_t bytes;
  std::mt19937 rng;
  std::vector<std::vector<uint8_t>> pixels;
  std::vector<Frame> frames;
};

}  // namespace actrt::bench
