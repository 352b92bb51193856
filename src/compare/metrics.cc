#include "compare/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "core/dispatch.h"

namespace actrt::compare {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> upcast(const Tensor& t) {
  std::vector<double> out(static_cast<size_t>(t.numel()));
  visit_dtype(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = t.data<T>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = to_double(p[i]);
  });
  return out;
}

bool any_nan(const std::vector<double>& v) {
  return std::any_of(v.begin(), v.end(), [](double x) { return std::isnan(x); });
}

// numpy.median: NaN if any NaN, else the middle (mean of the two middles for an even count).
double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  if (any_nan(v)) return kNaN;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  const double hi = v[mid];
  if (v.size() % 2 == 1) return hi;
  const double lo = *std::max_element(v.begin(), v.begin() + mid);
  return (lo + hi) / 2;
}

double max_of(const std::vector<double>& v) {
  if (v.empty()) return 0;
  if (any_nan(v)) return kNaN;
  return *std::max_element(v.begin(), v.end());
}

double mean_of(const std::vector<double>& v) {
  if (v.empty()) return 0;
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

Result<double> parse_tolerance_value(std::string_view text, std::string_view what) {
  const std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || v < 0)
    return invalid_argument(std::string(what) + ": expected a non-negative number, found '" + s +
                            "'");
  return v;
}

// Splits "name:value" at the last colon; no colon means the default (empty name).
std::pair<std::string, std::string_view> split_named(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return {"", text};
  return {std::string(text.substr(0, colon)), text.substr(colon + 1)};
}

Status parse_named_tolerance(std::string_view text, std::string_view what, double& default_value,
                             std::map<std::string, double>& per_output) {
  auto [name, value_text] = split_named(text);
  Result<double> v = parse_tolerance_value(value_text, what);
  if (!v.ok()) return v.status();
  if (name.empty()) {
    default_value = *v;
  } else {
    per_output[name] = *v;
  }
  return ok_status();
}

}  // namespace

std::string_view error_stat_name(ErrorStat stat) {
  switch (stat) {
    case ErrorStat::kElemwise: return "elemwise";
    case ErrorStat::kMax: return "max";
    case ErrorStat::kMean: return "mean";
    case ErrorStat::kMedian: return "median";
  }
  return "?";
}

Result<ErrorStat> parse_error_stat(std::string_view text) {
  for (ErrorStat s : {ErrorStat::kElemwise, ErrorStat::kMax, ErrorStat::kMean, ErrorStat::kMedian})
    if (text == error_stat_name(s)) return s;
  return invalid_argument("check-error-stat: expected elemwise, max, mean or median, found '" +
                          std::string(text) + "'");
}

Tolerance ToleranceOptions::tolerance_for(const std::string& output) const {
  Tolerance t{atol, rtol};
  if (auto it = atol_per_output.find(output); it != atol_per_output.end()) t.atol = it->second;
  if (auto it = rtol_per_output.find(output); it != rtol_per_output.end()) t.rtol = it->second;
  return t;
}

ErrorStat ToleranceOptions::error_stat_for(const std::string& output) const {
  auto it = error_stat_per_output.find(output);
  return it == error_stat_per_output.end() ? error_stat : it->second;
}

Status ToleranceOptions::parse_atol(std::string_view text) {
  return parse_named_tolerance(text, "atol", atol, atol_per_output);
}
Status ToleranceOptions::parse_rtol(std::string_view text) {
  return parse_named_tolerance(text, "rtol", rtol, rtol_per_output);
}
Status ToleranceOptions::parse_error_stat_arg(std::string_view text) {
  auto [name, value_text] = split_named(text);
  ASSIGN_OR_RETURN(ErrorStat s, parse_error_stat(value_text));
  if (name.empty()) {
    error_stat = s;
  } else {
    error_stat_per_output[name] = s;
  }
  return ok_status();
}

Status ToleranceOptions::check_outputs(const std::vector<std::string>& outputs) const {
  std::string known;
  for (const std::string& o : outputs) known += (known.empty() ? "'" : ", '") + o + "'";
  auto check = [&](const char* option, const auto& per_output) -> Status {
    for (const auto& [name, value] : per_output)
      if (std::find(outputs.begin(), outputs.end(), name) == outputs.end())
        return invalid_argument(fmt::format("{} {}:... names no output of the model (outputs: {})",
                                            option, name, known));
    return ok_status();
  };
  RETURN_IF_ERROR(check("--atol", atol_per_output));
  RETURN_IF_ERROR(check("--rtol", rtol_per_output));
  return check("--check-error-stat", error_stat_per_output);
}

ValueStats compute_value_stats(const std::vector<double>& values) {
  ValueStats s;
  s.count = static_cast<int64_t>(values.size());
  if (values.empty()) return s;
  if (any_nan(values)) {
    s.min = s.max = s.mean = s.median = s.std_dev = kNaN;
    return s;
  }
  auto [mn, mx] = std::minmax_element(values.begin(), values.end());
  s.min = *mn;
  s.max = *mx;
  s.mean = mean_of(values);
  double var = 0;
  for (double x : values) var += (x - s.mean) * (x - s.mean);
  s.std_dev = std::sqrt(var / static_cast<double>(values.size()));
  s.median = median_of(values);
  return s;
}

Result<OutputMetrics> compare_tensors(const Tensor& a, const Tensor& b, const Tolerance& tolerance,
                                      ErrorStat error_stat) {
  if (a.empty() || b.empty()) return invalid_argument("cannot compare an undefined tensor");
  if (a.shape() != b.shape())
    return invalid_argument("shapes differ: " + shape_to_string(a.shape()) + " versus " +
                            shape_to_string(b.shape()));
  OutputMetrics m;
  m.shape = a.shape();
  m.dtype_a = a.dtype();
  m.dtype_b = b.dtype();
  m.numel = a.numel();
  m.tolerance = tolerance;
  m.error_stat = error_stat;

  const std::vector<double> va = upcast(a), vb = upcast(b);
  const bool boolean = a.dtype() == DataType::kBool && b.dtype() == DataType::kBool;
  const size_t n = va.size();
  std::vector<double> abs_err(n), rel_err(n);
  double dot = 0, norm_a = 0, norm_b = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = boolean ? static_cast<double>((va[i] != 0) != (vb[i] != 0))
                             : std::fabs(va[i] - vb[i]);
    const double ref = vb[i] == 0 ? kRelativeEpsilon : std::fabs(vb[i]);
    abs_err[i] = d;
    rel_err[i] = d / ref;
    dot += va[i] * vb[i];
    norm_a += va[i] * va[i];
    norm_b += vb[i] * vb[i];
    // Polygraphy's elemwise rule: fail only when both are exceeded; NaN exceeds everything.
    const bool abs_bad = std::isnan(d) || d > tolerance.atol;
    const bool rel_bad = std::isnan(rel_err[i]) || rel_err[i] > tolerance.rtol;
    if (abs_bad && rel_bad) ++m.mismatches;
  }

  m.max_abs = max_of(abs_err);
  m.mean_abs = mean_of(abs_err);
  m.median_abs = median_of(abs_err);
  m.max_rel = max_of(rel_err);
  m.mean_rel = mean_of(rel_err);
  m.median_rel = median_of(rel_err);
  m.l1 = m.mean_abs;
  if (norm_a == 0 && norm_b == 0) {
    m.cosine = 1;
  } else if (norm_a == 0 || norm_b == 0) {
    m.cosine = 0;
  } else {
    m.cosine = dot / (std::sqrt(norm_a) * std::sqrt(norm_b));
  }
  m.pass_rate = n == 0 ? 1.0 : 1.0 - static_cast<double>(m.mismatches) / static_cast<double>(n);

  auto stat_failed = [](double v, double tol) { return std::isnan(v) || v > tol; };
  switch (error_stat) {
    case ErrorStat::kElemwise:
      m.passed = m.mismatches == 0;
      m.required = {m.max_abs, m.max_rel};
      break;
    case ErrorStat::kMax:
      m.passed = !(stat_failed(m.max_abs, tolerance.atol) && stat_failed(m.max_rel, tolerance.rtol));
      m.required = {m.max_abs, m.max_rel};
      break;
    case ErrorStat::kMean:
      m.passed =
          !(stat_failed(m.mean_abs, tolerance.atol) && stat_failed(m.mean_rel, tolerance.rtol));
      m.required = {m.mean_abs, m.mean_rel};
      break;
    case ErrorStat::kMedian:
      m.passed = !(stat_failed(m.median_abs, tolerance.atol) &&
                   stat_failed(m.median_rel, tolerance.rtol));
      m.required = {m.median_abs, m.median_rel};
      break;
  }
  m.stats_a = compute_value_stats(va);
  m.stats_b = compute_value_stats(vb);
  return m;
}

Result<std::vector<double>> l1_along_axis(const Tensor& a, const Tensor& b, int64_t axis) {
  if (a.empty() || b.empty()) return invalid_argument("l1_along_axis: undefined tensor");
  if (a.shape() != b.shape())
    return invalid_argument("l1_along_axis: shapes differ: " + shape_to_string(a.shape()) +
                            " versus " + shape_to_string(b.shape()));
  const int64_t rank = a.rank();
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank)
    return invalid_argument("l1_along_axis: axis out of range for shape " +
                            shape_to_string(a.shape()));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= a.shape()[d];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= a.shape()[d];
  const int64_t len = a.shape()[axis];
  const std::vector<double> va = upcast(a), vb = upcast(b);
  std::vector<double> sums(static_cast<size_t>(len), 0.0);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < len; ++k)
      for (int64_t i = 0; i < inner; ++i) {
        const size_t idx = static_cast<size_t>((o * len + k) * inner + i);
        sums[k] += std::fabs(va[idx] - vb[idx]);
      }
  const double count = static_cast<double>(outer * inner);
  for (double& s : sums) s = count > 0 ? s / count : 0.0;
  return sums;
}

std::string format_g5(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.5g", v);
  return buf;
}

std::vector<std::string> format_output_metrics(const OutputMetrics& m, std::string_view output,
                                               std::string_view runner_a,
                                               std::string_view runner_b) {
  auto stats_line = [&](std::string_view who, const ValueStats& s) {
    return std::string(who) + ": " + std::string(output) + " | Stats: mean=" + format_g5(s.mean) +
           ", std-dev=" + format_g5(s.std_dev) + ", median=" + format_g5(s.median) +
           ", min=" + format_g5(s.min) + ", max=" + format_g5(s.max);
  };
  const std::string stat(error_stat_name(m.error_stat));
  std::vector<std::string> lines;
  lines.push_back("Tolerance: [abs=" + format_g5(m.tolerance.atol) +
                  ", rel=" + format_g5(m.tolerance.rtol) + "] | Checking " + stat + " error");
  lines.push_back(stats_line(runner_a, m.stats_a));
  lines.push_back(stats_line(runner_b, m.stats_b));
  lines.push_back("Error Metrics: " + std::string(output));
  std::string req = "    Minimum Required Tolerance: " + stat + " error | [abs=" +
                    format_g5(m.required.atol) + "] OR [rel=" + format_g5(m.required.rtol) + "]";
  if (m.error_stat == ErrorStat::kElemwise)
    req += " (requirements may be lower if both abs/rel tolerances are set)";
  lines.push_back(req);
  lines.push_back("    Absolute Difference | Stats: mean=" + format_g5(m.mean_abs) +
                  ", median=" + format_g5(m.median_abs) + ", max=" + format_g5(m.max_abs));
  lines.push_back("    Relative Difference | Stats: mean=" + format_g5(m.mean_rel) +
                  ", median=" + format_g5(m.median_rel) + ", max=" + format_g5(m.max_rel));
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.2f%%", 100.0 * m.pass_rate);
  lines.push_back("    L1=" + format_g5(m.l1) + ", cosine=" + format_g5(m.cosine) +
                  " | Pass rate: " + rate + " (" + std::to_string(m.mismatches) + " of " +
                  std::to_string(m.numel) + " elements exceed both tolerances)");
  const std::string tol = "(rel=" + format_g5(m.tolerance.rtol) +
                          ", abs=" + format_g5(m.tolerance.atol) + ")";
  if (m.passed) {
    lines.push_back("PASSED | Output: '" + std::string(output) +
                    "' | Difference is within tolerance " + tol);
  } else {
    lines.push_back("FAILED | Output: '" + std::string(output) +
                    "' | Difference exceeds tolerance " + tol);
  }
  return lines;
}

}  // namespace actrt::compare
