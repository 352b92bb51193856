// Accuracy metrics between two output tensors, with Polygraphy's pass/fail rule.
//
//   ASSIGN_OR_RETURN(OutputMetrics m, compare_tensors(engine_out, reference_out, {1e-3, 1e-3}));
//   if (!m.passed) ...
//
// Definitions (a = the first runner's output, b = the second's, which is the reference):
//   * Both tensors are upcast to double first (fp16 / bf16 / ints / bool), as Polygraphy's
//     cast_up does; bool tensors use |a xor b| as the absolute difference.
//   * abs = |a - b|; rel = abs / |b'| where b' = b, except that elements with b == 0 get
//     b' = 2.220446049250313e-16 (DBL_EPSILON), exactly Polygraphy's guard against 0/0: a
//     reference of 0 then makes rel huge unless a == 0 too. (Polygraphy applies the epsilon only to
//     floating outputs and lets numpy divide integers by 0; we apply it to every dtype, which only
//     changes rel values whose abs is already 0 or >= 1, so no pass/fail verdict differs.)
//   * Matching infinities give abs = inf - inf = NaN, i.e. a mismatch (Polygraphy's default,
//     infinities_compare_equal=False). NaNs propagate into max / mean / median like numpy's.
//   * median: numpy's (mean of the two middle values for an even count).
//   * L1 = mean |a - b| (equal to mean_abs; kept as its own field because reports name it so).
//   * cosine = sum(a*b) / (|a| |b|); both all-zero gives 1 (identical), one all-zero gives 0.
//   * Pass/fail, Polygraphy's `check_error_stat`:
//       elemwise (default): an element fails only if abs > atol AND rel > rtol (a NaN counts as
//         exceeding); the output fails if any element fails.
//       max | mean | median: the output fails if stat(abs) > atol AND stat(rel) > rtol.
//   * required: the smallest atol that would pass with any rtol, and the smallest rtol that would
//     pass with any atol, for the chosen statistic (max for elemwise). With both set, elemwise may
//     pass with lower values, as Polygraphy notes.
//   * mismatches / pass_rate: elements failing the elemwise rule, whatever the chosen statistic.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "actrt/status.h"
#include "actrt/tensor.h"

namespace actrt::compare {

// Polygraphy's defaults.
inline constexpr double kDefaultAtol = 1e-5;
inline constexpr double kDefaultRtol = 1e-5;
// Added to zero reference values before dividing (Polygraphy's EPSILON).
inline constexpr double kRelativeEpsilon = 2.220446049250313e-16;

enum class ErrorStat { kElemwise, kMax, kMean, kMedian };
// "elemwise", "max", "mean", "median".
std::string_view error_stat_name(ErrorStat stat);
Result<ErrorStat> parse_error_stat(std::string_view text);

struct Tolerance {
  double atol = kDefaultAtol;
  double rtol = kDefaultRtol;
};

// Tolerances and statistic, with per-output overrides (Polygraphy's dictionaries).
struct ToleranceOptions {
  double atol = kDefaultAtol;
  double rtol = kDefaultRtol;
  ErrorStat error_stat = ErrorStat::kElemwise;
  std::map<std::string, double> atol_per_output;
  std::map<std::string, double> rtol_per_output;
  std::map<std::string, ErrorStat> error_stat_per_output;

  Tolerance tolerance_for(const std::string& output) const;
  ErrorStat error_stat_for(const std::string& output) const;
  // Parses a CLI value like Polygraphy's: "1e-3" sets the default, "actions:1e-3" one output
  // (split at the LAST colon, so output names may contain colons). Negative or non-numbers fail.
  Status parse_atol(std::string_view text);
  Status parse_rtol(std::string_view text);
  Status parse_error_stat_arg(std::string_view text);
  // A per-output setting for an output that does not exist would be ignored: refused, naming
  // the setting and the outputs there are.
  Status check_outputs(const std::vector<std::string>& outputs) const;
};

// Summary statistics of one tensor (or of an error array), for printing.
struct ValueStats {
  int64_t count = 0;
  double min = 0, max = 0, mean = 0, median = 0, std_dev = 0;
};
ValueStats compute_value_stats(const std::vector<double>& values);

struct OutputMetrics {
  Shape shape;
  DataType dtype_a = DataType::kUndefined;
  DataType dtype_b = DataType::kUndefined;
  int64_t numel = 0;
  double max_abs = 0, mean_abs = 0, median_abs = 0;
  double max_rel = 0, mean_rel = 0, median_rel = 0;
  double l1 = 0;
  double cosine = 1;
  Tolerance tolerance;
  ErrorStat error_stat = ErrorStat::kElemwise;
  bool passed = true;
  Tolerance required;      // minimum tolerances that would have passed (see the top of the file)
  int64_t mismatches = 0;  // elements exceeding both tolerances
  double pass_rate = 1;    // 1 - mismatches / numel (1 for empty tensors)
  ValueStats stats_a, stats_b;
};

// Compares a (first runner) with b (reference). Shapes must be equal (a numpy-style squeeze is
// not attempted: for policies a shape difference is a bug worth seeing). Undefined tensors fail.
Result<OutputMetrics> compare_tensors(const Tensor& a, const Tensor& b,
                                      const Tolerance& tolerance = {},
                                      ErrorStat error_stat = ErrorStat::kElemwise);

// Mean |a - b| for each index along `axis` (negative counts from the end), e.g. the L1 per time
// step of an action chunk [batch, chunk, dim] with axis 1. Shapes must be equal.
Result<std::vector<double>> l1_along_axis(const Tensor& a, const Tensor& b, int64_t axis);

// Polygraphy-style lines for one output (no trailing newline on the last):
//   Tolerance: [abs=1e-05, rel=1e-05] | Checking elemwise error
//   <runner_a>: <output> | Stats: mean=..., std-dev=..., min=..., max=..., median=...
//   ...
//   PASSED | Output: 'actions' | Difference is within tolerance (rel=1e-05, abs=1e-05)
std::vector<std::string> format_output_metrics(const OutputMetrics& m, std::string_view output,
                                               std::string_view runner_a,
                                               std::string_view runner_b);

// "%.5g" of v (Polygraphy's tolerance format); "nan" / "inf" spelled out.
std::string format_g5(double v);

}  // namespace actrt::compare
