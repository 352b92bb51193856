// Every op-harness case, and the op list of ops.def they must cover.
#pragma once

#include <string>
#include <vector>

#include "cases_binary.h"
#include "cases_conv_pool.h"
#include "cases_matmul.h"
#include "cases_movement.h"
#include "cases_norm.h"
#include "cases_reduce.h"
#include "cases_shape.h"
#include "cases_unary.h"

namespace actrt::op_harness {

// The op names of src/ops/ops.def, in its order (read from the file, never written again here).
inline const std::vector<std::string>& ops_def_ops() {
  static const std::vector<std::string> ops = {
#define ACTRT_OP(name, ...) #name,
#include "ops/ops.def"
#undef ACTRT_OP
  };
  return ops;
}

inline const std::vector<OpCase>& all_cases() {
  static const std::vector<OpCase> cases = [] {
    std::vector<OpCase> out;
    add_conv_pool_cases(out);
    add_matmul_cases(out);
    add_norm_cases(out);
    add_unary_cases(out);
    add_binary_cases(out);
    add_reduce_cases(out);
    add_movement_cases(out);
    add_shape_cases(out);
    return out;
  }();
  return cases;
}

}  // namespace actrt::op_harness
