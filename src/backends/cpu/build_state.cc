#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/cpu/step.h"

namespace actrt::cpu {

namespace {

using dnnl::memory;

// A oneDNN reorder between two layouts of one value (also a plain copy when both are plain).
// With scale != 1 it also converts: dst = saturate(round(src * scale)), oneDNN's rounding being
// the current mode (round half to even), which is how an f32 value is quantized to s8.
class ReorderStep final : public Step {
 public:
  ReorderStep(memory::desc src_md, memory::desc dst_md, int src, int dst, const dnnl::engine& e,
              float scale = 1.0f)
      : src_md_(src_md), dst_md_(dst_md), src_(src), dst_(dst), engine_(e), scale_(scale) {}

  Status bind(uint8_t* arena, const std::vector<Slot>& slots) override {
    return dnnl_try("reorder for " + node_name, [&] {
      src_mem_ = memory(src_md_, engine_, arena + slots[src_].offset);
      dst_mem_ = memory(dst_md_, engine_, arena + slots[dst_].offset);
      dnnl::primitive_attr attr;
      if (scale_ != 1.0f) attr.set_output_scales(0, {scale_});
      prim_ = dnnl::reorder(dnnl::reorder::primitive_desc(src_mem_, dst_mem_, attr));
    });
  }
  Status run(const RunEnv& env) override {
    return dnnl_try("reorder for " + node_name,
                    [&] { prim_.execute(*env.stream, src_mem_, dst_mem_); });
  }

 private:
  memory::desc src_md_, dst_md_;
  int src_, dst_;
  dnnl::engine engine_;
  float scale_;
  memory src_mem_, dst_mem_;
  dnnl::reorder prim_;
};

// f32 -> s8 quantization between two dense row-major buffers of n elements: the same
// arithmetic as the scaled reorder (saturate(round_half_even(x * inv_scale))), without oneDNN's
// call and thread-team overhead, which dominated for the transformer's small activations
// (about 5 us for a [26, 64] tensor, against well under 1 us here).
class QuantizeStep final : public Step {
 public:
  QuantizeStep(int src, int dst, int64_t n, float inv_scale, int threads)
      : src_(src), dst_(dst), n_(n), inv_scale_(inv_scale), threads_(threads) {}

  Status bind(uint8_t* arena, const std::vector<Slot>& slots) override {
    x_ = reinterpret_cast<const float*>(arena + slots[src_].offset);
    q_ = reinterpret_cast<int8_t*>(arena + slots[dst_].offset);
    return ok_status();
  }
  Status run(const RunEnv&) override {
    const float inv = inv_scale_;
    const float* x = x_;
    int8_t* q = q_;
    // Round half to even by adding and subtracting 1.5 * 2^23: exact for |v| <= 2^22 under the
    // default rounding mode, and it vectorizes (std::nearbyint is a libm call per element).
    // The clamp comes first, so |v| <= 128. (Needs IEEE semantics: no -ffast-math here.)
    constexpr float kMagic = 12582912.0f;
    // One thread below 64 Ki elements: the work is a few microseconds at most.
#pragma omp parallel for num_threads(threads_) if (n_ >= (int64_t{1} << 16)) schedule(static)
    for (int64_t i = 0; i < n_; ++i) {
      const float v = std::min(127.0f, std::max(-128.0f, x[i] * inv));
      q[i] = static_cast<int8_t>((v + kMagic) - kMagic);
    }
    return ok_status();
  }

 private:
  int src_, dst_;
  int64_t n_;
  float inv_scale_;
  int threads_;
  const float* x_ = nullptr;
  int8_t* q_ = nullptr;
};

// Whether md is dense row-major over its dims (any data type).
bool is_row_major(const memory::desc& md) {
  if (md.data.format_kind != dnnl_blocked || md.data.format_desc.blocking.inner_nblks != 0)
    return false;
  const memory::dims dims = md.dims();
  int64_t stride = 1;
  for (int i = static_cast<int>(dims.size()) - 1; i >= 0; --i) {
    if (dims[i] != 1 && md.data.format_desc.blocking.strides[i] != stride) return false;
    stride *= dims[i];
  }
  return true;
}

}  // namespace

memory::desc plain_md(const Shape& shape) {
  memory::dims dims(shape.begin(), shape.end());
  if (dims.empty()) dims.push_back(1);
  memory::dims strides(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) strides[i] = strides[i + 1] * dims[i + 1];
  return memory::desc(dims, memory::data_type::f32, strides);
}

BuildState::BuildState(const ir::Graph& graph, dnnl::engine engine, int threads)
    : graph_(graph), engine_(std::move(engine)), threads_(threads) {
  for (const auto& n : graph.nodes())
    for (const ir::Value* v : n->inputs())
      if (v) ++uses_[v];
  for (const ir::Value* v : graph.outputs()) ++uses_[v];
}

int BuildState::new_slot(size_t bytes) {
  slots_.push_back(Slot{bytes, -1, -1, 0});
  slot_refs_.push_back(0);
  return static_cast<int>(slots_.size()) - 1;
}

void BuildState::define(const ir::Value* v, Placement p) {
  ++slot_refs_[p.slot];
  placements_[v].insert(placements_[v].begin(), p);
}

Result<Placement> BuildState::primary(const ir::Value* v) const {
  auto it = placements_.find(v);
  if (it == placements_.end() || it->second.empty())
    return internal_error("value '" + v->name() + "' used before it is produced");
  return it->second.front();
}

int BuildState::use_count(const ir::Value* v) const {
  auto it = uses_.find(v);
  return it == uses_.end() ? 0 : it->second;
}

bool BuildState::slot_shared(int slot) const { return slot_refs_[slot] > 1; }

Result<int> BuildState::plain_slot(const ir::Value* v) {
  // The value must be defined (primary() says which value is not); its plain placement may
  // already exist.
  if (auto defined = primary(v); !defined.ok()) return defined.status();
  for (const Placement& q : placements_[v])
    if (q.plain) return q.slot;
  ASSIGN_OR_RETURN(Placement q, in_layout(v, plain_md(v->shape())));
  return q.slot;
}

Result<Placement> BuildState::in_layout(const ir::Value* v, const memory::desc& md) {
  ASSIGN_OR_RETURN(Placement p, primary(v));
  if (v->dtype() != DataType::kFloat32)
    return internal_error("value '" + v->name() + "': oneDNN layouts are f32 only here");
  if (!p.md.is_zero() && p.md.data_type() != memory::data_type::f32)
    return internal_error("value '" + v->name() + "' is held in int8; only INT8 kernels may read it");
  const bool want_plain = md == plain_md(v->shape());
  for (const Placement& q : placements_[v])
    if (q.md == md || (want_plain && q.plain)) return q;
  Placement out;
  out.slot = new_slot(md.get_size());
  out.md = md;
  out.plain = want_plain;
  auto step = std::make_unique<ReorderStep>(p.md, md, p.slot, out.slot, engine_);
  step->node_name = "reorder " + v->name();
  step->op_type = "Reorder";
  step->kernel = "onednn.reorder";
  add_step(std::move(step), {p.slot, out.slot});
  ++slot_refs_[out.slot];
  placements_[v].push_back(out);
  return out;
}

Result<Placement> BuildState::quantized(const ir::Value* v, const memory::desc& md, float scale) {
  if (!(scale > 0.0f) || !std::isfinite(scale))
    return internal_error("value '" + v->name() + "': INT8 scale must be finite and > 0, got " +
                          std::to_string(scale));
  if (md.data_type() != memory::data_type::s8)
    return internal_error("value '" + v->name() + "': quantized layouts are s8 only");
  const Quantized* produced = nullptr;  // v already in s8 with this scale, another layout
  for (const Quantized& q : quantized_) {
    if (q.value != v || q.scale != scale) continue;
    if (q.placement.md == md) return q.placement;
    produced = &q;
  }
  if (produced) {
    Placement out;
    out.slot = new_slot(md.get_size());
    out.md = md;
    out.plain = false;
    auto step = std::make_unique<ReorderStep>(produced->placement.md, md, produced->placement.slot,
                                              out.slot, engine_);
    step->node_name = "reorder " + v->name();
    step->op_type = "Reorder";
    step->kernel = "onednn.reorder";
    add_step(std::move(step), {produced->placement.slot, out.slot});
    ++slot_refs_[out.slot];
    quantized_.push_back({v, scale, out});
    return out;
  }
  ASSIGN_OR_RETURN(Placement src, primary(v));
  if (src.md.data_type() != memory::data_type::f32)
    return internal_error("value '" + v->name() + "' is held in int8 with another scale than " +
                          std::to_string(scale));
  const memory::dims v_dims = plain_md(v->shape()).dims();
  const memory::dims md_dims = md.dims();
  if (md_dims != v_dims) {
    // Another view of the same elements (a matmul's [M, K] rows of a [..., K] tensor): quantize
    // from v's plain bytes, described with md's dims.
    if (md.get_size() != static_cast<size_t>(shape_numel(v->shape())))
      return internal_error("value '" + v->name() + "': quantized view of " +
                            std::to_string(md.get_size()) + " elements, value has " +
                            std::to_string(shape_numel(v->shape())));
    ASSIGN_OR_RETURN(src.slot, plain_slot(v));
    src.md = plain_md(Shape(md_dims.begin(), md_dims.end()));
  } else if (src.md.is_zero()) {
    ASSIGN_OR_RETURN(src, in_layout(v, plain_md(v->shape())));
  }
  Placement out;
  out.slot = new_slot(md.get_size());
  out.md = md;
  out.plain = false;  // not f32: no f32 consumer may read it
  std::unique_ptr<Step> step;
  if (src.md.data_type() == memory::data_type::f32 && is_row_major(src.md) && is_row_major(md)) {
    step = std::make_unique<QuantizeStep>(src.slot, out.slot, shape_numel(v->shape()),
                                          1.0f / scale, threads_);
    step->kernel = "cpu.quantize";
  } else {
    step = std::make_unique<ReorderStep>(src.md, md, src.slot, out.slot, engine_, 1.0f / scale);
    step->kernel = "onednn.reorder.s8";
  }
  step->node_name = "quantize " + v->name();
  step->op_type = "Quantize";
  add_step(std::move(step), {src.slot, out.slot});
  ++slot_refs_[out.slot];
  quantized_.push_back({v, scale, out});
  return out;
}

Result<Placement> BuildState::int8_placement(const ir::Value* v, float scale) const {
  for (const Quantized& q : quantized_)
    if (q.value == v && q.scale == scale) return q.placement;
  return internal_error("value '" + v->name() + "' is not held in int8 with scale " +
                        std::to_string(scale));
}

Status BuildState::define_quantized(const ir::Value* v, Placement p, float scale) {
  if (p.md.data_type() != memory::data_type::s8 || !(scale > 0.0f))
    return internal_error("value '" + v->name() + "': an int8 definition needs an s8 layout and a scale > 0");
  define(v, p);
  quantized_.push_back({v, scale, p});
  return ok_status();
}

int BuildState::add_step(std::unique_ptr<Step> step, const std::vector<int>& slots) {
  const int index = static_cast<int>(steps_.size());
  steps_.push_back(std::move(step));
  for (int s : slots) use_slot(s, index);
  return index;
}

void BuildState::use_slot(int slot, int index) {
  Slot& s = slots_[slot];
  s.first = s.first < 0 ? index : std::min(s.first, index);
  s.last = std::max(s.last, index);
}

Result<memory> BuildState::packed_weights(const std::string& what, const Tensor& tensor,
                                          const memory::desc& user_md,
                                          const memory::desc& want_md) {
  for (const Packed& p : packed_)
    if (p.source.raw_data() == tensor.raw_data() && p.md == want_md) return p.mem;
  memory out;
  RETURN_IF_ERROR(dnnl_try("packing weights of " + what, [&] {
    memory user(user_md, engine_, const_cast<void*>(tensor.raw_data()));
    out = memory(want_md, engine_);
    dnnl::stream s(engine_);
    dnnl::reorder(user, out).execute(s, user, out);
    s.wait();
  }));
  packed_.push_back({tensor, want_md, out});
  return out;
}

size_t BuildState::packed_bytes() const {
  size_t total = 0;
  for (const Packed& p : packed_) total += p.md.get_size();
  return total;
}

}  // namespace actrt::cpu
