#include "backends/cuda/bf16_lowering.h"

#include <map>
#include <utility>
#include <vector>

#include "backends/cuda/cuda_ops.h"
#include "core/half.h"
#include "runtime/plan.h"

namespace actrt::cuda {
namespace {

bool is_matmul(const ir::Node& n) {
  return n.domain() == runtime::kFusedDomain && n.op_type() == kCudaMatMul;
}

// `t` (f32, f16 or bf16) as `to` (f32 or bf16).
Tensor converted(const Tensor& t, DataType to) {
  const Tensor f = t.dtype() == DataType::kFloat32 ? t : t.to_float32();
  if (to == DataType::kFloat32) return f;
  Tensor out(DataType::kBFloat16, f.shape());
  const float* s = f.data<float>();
  uint16_t* d = out.data<uint16_t>();
  for (int64_t i = 0; i < f.numel(); ++i) d[i] = float_to_bf16(s[i]);
  return out;
}

class Bf16Rewriter {
 public:
  explicit Bf16Rewriter(ir::Graph& g) : g_(g) {}

  // Input `slot` of `n` as type `to`: a converted constant (one per constant and type), or
  // the output of a Cast node (one per value and type).
  void retype_input(ir::Node& n, size_t slot, DataType to) {
    ir::Value* v = n.inputs()[slot];
    if (!v || v->dtype() == to) return;
    const std::string suffix = to == DataType::kBFloat16 ? "/bf16" : "/fp32";
    auto key = std::make_pair(v, to);
    auto it = retyped_.find(key);
    if (it == retyped_.end()) {
      ir::Value* r = nullptr;
      if (v->is_constant()) {
        r = g_.add_constant(v->name() + suffix, converted(v->constant(), to));
      } else {
        r = g_.add_value(g_.make_unique_name(v->name() + suffix));
        r->set_dtype(to);
        r->set_shape(v->shape());
        ir::Node* c = g_.add_node(g_.make_unique_name(v->name() + "/to" + suffix), "Cast", {v}, {r});
        c->set_attribute("to", ir::Attribute::from_int(int64_t(to)));
        r->set_producer(c);
      }
      it = retyped_.emplace(key, r).first;
    }
    n.inputs()[slot] = it->second;
  }

  // `n` writes FP32; its former output (another type) becomes a Cast of that.
  void fp32_output(ir::Node& n) {
    ir::Value* y = n.outputs()[0];
    if (y->dtype() == DataType::kFloat32) return;
    ir::Value* f = g_.add_value(g_.make_unique_name(y->name() + "/fp32"));
    f->set_dtype(DataType::kFloat32);
    f->set_shape(y->shape());
    n.outputs()[0] = f;
    f->set_producer(&n);
    ir::Node* c = g_.add_node(g_.make_unique_name(y->name() + "/from_fp32"), "Cast", {f}, {y});
    c->set_attribute("to", ir::Attribute::from_int(int64_t(y->dtype())));
    y->set_producer(c);
  }

 private:
  ir::Graph& g_;
  std::map<std::pair<const ir::Value*, DataType>, ir::Value*> retyped_;
};

}  // namespace

std::set<std::string> bf16_matmul_names(const ir::Graph& g,
                                        const std::map<std::string, Precision>& overrides,
                                        bool all) {
  std::set<std::string> names;
  for (const auto& [name, p] : overrides)
    if (p == Precision::kBf16) names.insert(name);
  if (all)
    for (const auto& n : g.nodes())
      if (is_matmul(*n) && !overrides.count(n->name()) &&
          n->input(0)->dtype() != DataType::kInt8)  // INT8 products stay INT8
        names.insert(n->name());
  return names;
}

Result<int> lower_bf16_matmuls(ir::Graph& g, const std::set<std::string>& names) {
  std::vector<ir::Node*> chosen;
  std::set<std::string> found;
  for (const auto& n : g.nodes()) {
    if (!is_matmul(*n) || !names.count(n->name())) continue;
    chosen.push_back(n.get());
    found.insert(n->name());
  }
  std::string missing;
  for (const std::string& name : names)
    if (!found.count(name)) missing += (missing.empty() ? "'" : ", '") + name + "'";
  if (!missing.empty())
    return unsupported("bf16 is for matrix products (Gemm / MatMul) on the CUDA backend, but " +
                       missing + (names.size() - found.size() == 1 ? " is" : " are") +
                       " not one of the CUDA engine (its layers: actrt inspect ENGINE)");
  Bf16Rewriter rw(g);
  for (ir::Node* n : chosen) {
    rw.retype_input(*n, 0, DataType::kBFloat16);
    rw.retype_input(*n, 1, DataType::kBFloat16);
    if (n->inputs().size() > 2) rw.retype_input(*n, 2, DataType::kFloat32);
    rw.fp32_output(*n);
  }
  if (!chosen.empty()) RETURN_IF_ERROR(g.topological_sort());
  return static_cast<int>(chosen.size());
}

}  // namespace actrt::cuda
