// Per-tensor activation statistics for calibration, collected on the FP32 graph before fusion.
//
// Two passes (why: TensorRT grows its histogram range by powers of two as larger values appear,
// so the bins, and with them the scales, depend on the order of the batches; we first find the
// global max and only then histogram, so every sample lands in the same bins whatever the order):
//   pass 1 (every algorithm): max |x| per tensor;
//   pass 2 (entropy, percentile): a kHistogramBins-bin histogram of |x| over [0, max].
// Both statistics are order-independent: max is commutative, the bins are integer counts.
// Non-finite values are an error that names the sample and the tensor (or input).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "actrt/status.h"
#include "actrt/tensor.h"
#include "ir/graph.h"

namespace actrt::quant {

// The tensors that get scales: floating-point graph inputs and node outputs that are not
// constants, in graph order (inputs first, then node outputs in node order).
std::vector<const ir::Value*> activation_tensors(const ir::Graph& graph);

class ActivationObserver {
 public:
  explicit ActivationObserver(std::vector<const ir::Value*> tensors);

  const std::vector<const ir::Value*>& tensors() const { return tensors_; }
  bool observes(const ir::Value* v) const { return index_.count(v) > 0; }

  // Pass 1: folds |t| into the running max of v. `where` names the sample for errors.
  Status observe_max(const ir::Value* v, const Tensor& t, const std::string& where);
  // Starts pass 2: histograms over [0, max] with the maxima of pass 1.
  void start_histograms();
  // Pass 2: adds |t| to v's histogram.
  Status observe_histogram(const ir::Value* v, const Tensor& t, const std::string& where);

  double max_abs(size_t k) const { return max_[k]; }
  std::span<const uint64_t> histogram(size_t k) const;

 private:
  std::vector<const ir::Value*> tensors_;
  std::unordered_map<const ir::Value*, size_t> index_;
  std::vector<float> max_;
  std::vector<std::vector<uint64_t>> hist_;
};

// Fails naming `where` and `what` at the first NaN or Inf of a floating-point tensor.
Status check_finite(const Tensor& t, const std::string& where, const std::string& what);

// The errors of observe_max / observe_histogram, shared with statistics computed on a device
// (quant/statistics.h) so that both word them alike. `where` names the sample.
Status non_finite_activation(const std::string& where, const std::string& tensor, bool nan,
                             int64_t element);
Status above_first_pass_max(const std::string& where, const std::string& tensor, double value,
                            double max);

}  // namespace actrt::quant
