#include "quant/observers.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

#include "core/finite.h"
#include "quant/calibrators.h"

namespace actrt::quant {

std::vector<const ir::Value*> activation_tensors(const ir::Graph& graph) {
  std::vector<const ir::Value*> out;
  std::unordered_map<const ir::Value*, bool> seen;
  auto add = [&](const ir::Value* v) {
    if (!v || v->is_constant() || !is_floating(v->dtype()) || seen[v]) return;
    seen[v] = true;
    out.push_back(v);
  };
  for (const ir::Value* v : graph.inputs()) add(v);
  for (const auto& n : graph.nodes())
    for (const ir::Value* v : n->outputs()) add(v);
  return out;
}

ActivationObserver::ActivationObserver(std::vector<const ir::Value*> tensors)
    : tensors_(std::move(tensors)), max_(tensors_.size(), 0.0f) {
  for (size_t k = 0; k < tensors_.size(); ++k) index_[tensors_[k]] = k;
}

Status check_finite(const Tensor& t, const std::string& where, const std::string& what) {
  if (!is_floating(t.dtype())) return ok_status();
  const auto bad = find_non_finite(t);
  if (!bad) return ok_status();
  return invalid_argument(fmt::format("{}: {} holds {}; calibration data must be finite", where,
                                      what, describe_non_finite(*bad)));
}

Status non_finite_activation(const std::string& where, const std::string& tensor, bool nan,
                             int64_t element) {
  return invalid_argument(
      fmt::format("{}: tensor '{}' holds {} at element {} (the model overflows on this sample)",
                  where, tensor, nan ? "NaN" : "Inf", element));
}

Status above_first_pass_max(const std::string& where, const std::string& tensor, double value,
                            double max) {
  // Pass 2 saw a value pass 1 did not: the model (or the device running it) is not
  // deterministic.
  return internal_error(fmt::format("{}: tensor '{}' has |x| = {:f} above its first-pass max {:f}",
                                    where, tensor, value, max));
}

Status ActivationObserver::observe_max(const ir::Value* v, const Tensor& t,
                                       const std::string& where) {
  auto it = index_.find(v);
  if (it == index_.end()) return ok_status();
  const Tensor f = t.dtype() == DataType::kFloat32 ? t : t.to_float32();
  const float* x = f.data<float>();
  float m = max_[it->second];
  for (int64_t i = 0; i < f.numel(); ++i) {
    const float a = std::fabs(x[i]);
    if (!std::isfinite(a)) return non_finite_activation(where, v->name(), std::isnan(x[i]), i);
    m = std::max(m, a);
  }
  max_[it->second] = m;
  return ok_status();
}

void ActivationObserver::start_histograms() {
  hist_.assign(tensors_.size(), std::vector<uint64_t>(kHistogramBins, 0));
}

Status ActivationObserver::observe_histogram(const ir::Value* v, const Tensor& t,
                                             const std::string& where) {
  auto it = index_.find(v);
  if (it == index_.end()) return ok_status();
  const size_t k = it->second;
  CHECK(k < hist_.size());
  const double m = max_[k];
  std::vector<uint64_t>& h = hist_[k];
  const Tensor f = t.dtype() == DataType::kFloat32 ? t : t.to_float32();
  const float* x = f.data<float>();
  if (!(m > 0)) {  // all zeros in pass 1: everything is in bin 0
    h[0] += static_cast<uint64_t>(f.numel());
    return ok_status();
  }
  const double per_unit = kHistogramBins / m;
  for (int64_t i = 0; i < f.numel(); ++i) {
    const double a = std::fabs(static_cast<double>(x[i]));
    if (a > m) return above_first_pass_max(where, v->name(), a, m);
    const auto b = std::min<int64_t>(kHistogramBins - 1, static_cast<int64_t>(a * per_unit));
    ++h[static_cast<size_t>(b)];
  }
  return ok_status();
}

std::span<const uint64_t> ActivationObserver::histogram(size_t k) const {
  if (k >= hist_.size()) return {};
  return hist_[k];
}

}  // namespace actrt::quant
