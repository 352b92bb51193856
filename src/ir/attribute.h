// Node attributes: every ONNX attribute kind, stored by value.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "actrt/tensor.h"

namespace actrt::ir {

// Values match ONNX AttributeProto.AttributeType.
enum class AttrKind : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kInt = 2,
  kString = 3,
  kTensor = 4,
  kGraph = 5,
  kFloats = 6,
  kInts = 7,
  kStrings = 8,
  kTensors = 9,
  kGraphs = 10,
  kSparseTensor = 11,
  kSparseTensors = 12,
  kTypeProto = 13,
  kTypeProtos = 14,
};

std::string_view attr_kind_name(AttrKind k);

// A tagged attribute. Subgraphs, sparse tensors and type protos are kept only as an opaque
// serialized blob (`opaque`): no supported op uses them, but a model carrying them imports and
// the op that owns them is reported as unsupported.
struct Attribute {
  AttrKind kind = AttrKind::kUndefined;
  float f = 0.0f;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<Tensor> tensors;
  std::vector<std::string> opaque;

  static Attribute from_int(int64_t v) { Attribute a; a.kind = AttrKind::kInt; a.i = v; return a; }
  static Attribute from_float(float v) { Attribute a; a.kind = AttrKind::kFloat; a.f = v; return a; }
  static Attribute from_string(std::string v) {
    Attribute a; a.kind = AttrKind::kString; a.s = std::move(v); return a;
  }
  static Attribute from_ints(std::vector<int64_t> v) {
    Attribute a; a.kind = AttrKind::kInts; a.ints = std::move(v); return a;
  }
  static Attribute from_floats(std::vector<float> v) {
    Attribute a; a.kind = AttrKind::kFloats; a.floats = std::move(v); return a;
  }
  static Attribute from_tensor(Tensor v) {
    Attribute a; a.kind = AttrKind::kTensor; a.t = std::move(v); return a;
  }
  // Short text for dumps: "3", "[1, 2]", "tensor f32 2x2", ...
  std::string to_string() const;
};

// Ordered by name so that dumps and engine files are deterministic.
using AttributeMap = std::map<std::string, Attribute>;

}  // namespace actrt::ir
