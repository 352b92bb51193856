// Op traits: what kind of op a node is (a view, elementwise, data movement, ...), read from the
// third column of ops.def. Passes, cost models and backends ask these queries instead of keeping
// their own lists of op names, so that a new op in ops.def is seen everywhere at once.
#pragma once

#include <cstdint>
#include <string_view>

#include "ir/graph.h"

namespace actrt::ops {

// One bit each; ops.def documents what each promises.
enum class OpTrait : uint32_t {
  kView = 1u << 0,
  kReshape = 1u << 1,
  kKeepsValues = 1u << 2,
  kDataMovement = 1u << 3,
  kShapeComputation = 1u << 4,
  kUnaryElementwise = 1u << 5,
  kBroadcastElementwise = 1u << 6,
  kActivation = 1u << 7,
};

// A set of traits: an ops.def entry's third column (`kView | kReshape`, or kNoTraits).
class OpTraits {
 public:
  constexpr OpTraits() = default;
  constexpr OpTraits(OpTrait t) : bits_(static_cast<uint32_t>(t)) {}  // NOLINT: implicit on purpose
  constexpr bool has(OpTrait t) const { return (bits_ & static_cast<uint32_t>(t)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr OpTraits operator|(OpTraits o) const { return from_bits(bits_ | o.bits_); }
  constexpr bool operator==(const OpTraits&) const = default;

 private:
  static constexpr OpTraits from_bits(uint32_t b) {
    OpTraits t;
    t.bits_ = b;
    return t;
  }
  uint32_t bits_ = 0;
};
constexpr OpTraits operator|(OpTrait a, OpTrait b) { return OpTraits(a) | OpTraits(b); }
inline constexpr OpTraits kNoTraits{};

// The traits of a default-domain op; none for an op actrt does not know.
OpTraits op_traits(std::string_view op_type);
bool has_trait(std::string_view op_type, OpTrait trait);
// The same for a node: false outside the default ONNX domain (fused "actrt" ops have no traits).
bool has_trait(const ir::Node& n, OpTrait trait);

// Whether n's output 0 is its input 0's bytes under another shape (Reshape, Flatten, Squeeze,
// Unsqueeze, Identity, inference Dropout), so a backend may alias the two buffers. False when
// input 0 or output 0 is absent, and for a Dropout whose mask output is used (it must be
// computed). Says nothing about constants: a view of a constant is still a view.
bool is_view(const ir::Node& n);
// Whether n is a view that changes only the shape (is_view, and Reshape / Flatten / Squeeze /
// Unsqueeze, not Identity or Dropout): passes that look through shape changes use this one.
bool is_reshape(const ir::Node& n);
// Whether n's output 0 holds exactly input 0's values, at most rearranged (a view or a
// Transpose): a per-tensor quantization scale or value range carries over from input to output.
bool keeps_values(const ir::Node& n);

}  // namespace actrt::ops
