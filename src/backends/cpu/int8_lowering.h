// INT8 lowering (compile time, after fusion): FusedConv / FusedMatMul nodes that should run in
// INT8 become Int8Conv / Int8MatMul (fused_ops.h) with their weights quantized per output
// channel (quant/weight_scales.h: s[c] = max|w[c]| / 127, values in [-127, 127]) and stored in
// the graph as int8 constants, so that an engine file carries the int8 weights and scales and
// every context packs the same values. oneDNN's blocked layouts depend on the exact CPU, so the
// packing into them happens when a context is created, as for FP32 weights (milliseconds).
//
// A node is lowered when wants_int8(node) and its activation input has a scale > 0 in `scales`
// (tensor name -> amax / 127). Everything else keeps its FP32 kernel; the INT8 layers left out
// for lack of a scale are listed in the result (the planner already warned per tensor).
// Attention, LayerNorm, Softmax and elementwise chains have no INT8 kernels and stay FP32.
//
// Between INT8 convolutions the tensor stays int8: an Int8Conv whose every reader is an
// Int8Conv (quantizing it with one scale, or adding it as the residual) gets attribute y_scale
// and writes s8; its residual readers get z_scale (fused_ops.h).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "actrt/status.h"
#include "ir/graph.h"

namespace actrt::cpu {

struct Int8Lowering {
  int conv = 0;
  int matmul = 0;
  int chained = 0;  // Int8Convs producing s8 for Int8Conv readers (attribute y_scale)
  std::vector<std::string> no_scale;  // nodes that wanted INT8 but their input has no scale
};

Result<Int8Lowering> lower_int8(ir::Graph& graph,
                                const std::function<bool(const ir::Node&)>& wants_int8,
                                const std::map<std::string, float>& scales);

}  // namespace actrt::cpu
