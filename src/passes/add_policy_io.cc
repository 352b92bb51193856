#include "passes/add_policy_io.h"

#include <fmt/format.h>

#include "ir/attribute.h"

namespace actrt::passes {

namespace {

Tensor f32_tensor(Shape shape, const std::vector<float>& v) {
  return Tensor::from_vector(DataType::kFloat32, std::move(shape), v);
}

Tensor i64_tensor(const std::vector<int64_t>& v) {
  return Tensor::from_vector(DataType::kInt64, {static_cast<int64_t>(v.size())}, v);
}

// Builds the policy's nodes, all named "policy/...".
class PolicyGraphBuilder {
 public:
  explicit PolicyGraphBuilder(ir::Graph& g) : g_(g) {}

  // out = op(x, constant `c`); `out` may be given (the model's old value) or made.
  ir::Value* binary(const std::string& op, ir::Value* x, Tensor c, const std::string& what,
                    ir::Value* out = nullptr) {
    ir::Value* cv = g_.add_constant("policy/" + what + "_" + op, std::move(c));
    return node(op, what, {x, cv}, out);
  }
  ir::Value* reshape(ir::Value* x, const Shape& shape, const std::string& what,
                     ir::Value* out = nullptr) {
    return binary("Reshape", x, i64_tensor(shape), what, out);
  }
  ir::Value* node(const std::string& op, const std::string& what, std::vector<ir::Value*> inputs,
                  ir::Value* out = nullptr, std::vector<std::pair<std::string, ir::Attribute>> attrs = {}) {
    if (!out) out = g_.add_value(g_.make_unique_name("policy/" + what + "_" + op + "_out"));
    ir::Node* n = g_.add_node(g_.make_unique_name("policy/" + what + "/" + op), op,
                              std::move(inputs), {out});
    for (auto& [name, a] : attrs) n->set_attribute(name, std::move(a));
    return out;
  }

 private:
  ir::Graph& g_;
};

// x -> normalized, in the order ACT / LeRobot compute it in float32.
// `dim`: the vector's length; its statistics broadcast along the last axis.
ir::Value* normalize(PolicyGraphBuilder& b, ir::Value* x, Normalization mode, int64_t dim,
                     const std::vector<float>& mean, const std::vector<float>& stdev,
                     const std::vector<float>& lo, const std::vector<float>& hi, float eps,
                     const std::string& what) {
  const size_t d = static_cast<size_t>(dim);
  const Shape shape{dim};
  if (mode == Normalization::kMeanStd) {
    std::vector<float> denom(d);
    for (size_t i = 0; i < d; ++i) denom[i] = stdev[i] + eps;
    x = b.binary("Sub", x, f32_tensor(shape, mean), what);
    return b.binary("Div", x, f32_tensor(shape, denom), what);
  }
  if (mode == Normalization::kMinMax) {
    std::vector<float> range(d);
    for (size_t i = 0; i < d; ++i) range[i] = hi[i] - lo[i] + eps;
    x = b.binary("Sub", x, f32_tensor(shape, lo), what);
    x = b.binary("Div", x, f32_tensor(shape, range), what);
    x = b.binary("Mul", x, f32_tensor({}, {2.f}), what);
    return b.binary("Sub", x, f32_tensor({}, {1.f}), what);
  }
  return x;
}

// normalized y -> robot units (the inverse of normalize()).
ir::Value* unnormalize(PolicyGraphBuilder& b, ir::Value* y, Normalization mode, int64_t dim,
                       const std::vector<float>& mean, const std::vector<float>& stdev,
                       const std::vector<float>& lo, const std::vector<float>& hi, float eps,
                       const std::string& what) {
  const size_t d = static_cast<size_t>(dim);
  const Shape shape{dim};
  if (mode == Normalization::kMeanStd) {
    std::vector<float> scale(d);
    for (size_t i = 0; i < d; ++i) scale[i] = stdev[i] + eps;
    y = b.binary("Mul", y, f32_tensor(shape, scale), what);
    return b.binary("Add", y, f32_tensor(shape, mean), what);
  }
  if (mode == Normalization::kMinMax) {
    std::vector<float> range(d);
    for (size_t i = 0; i < d; ++i) range[i] = hi[i] - lo[i] + eps;
    y = b.binary("Add", y, f32_tensor({}, {1.f}), what);
    y = b.binary("Div", y, f32_tensor({}, {2.f}), what);
    y = b.binary("Mul", y, f32_tensor(shape, range), what);
    return b.binary("Add", y, f32_tensor(shape, lo), what);
  }
  return y;
}

std::string describe(const ir::Value* v) {
  return fmt::format("'{}' ({} {})", v->name(), dtype_name(v->dtype()),
                     v->has_shape() ? shape_to_string(v->shape()) : "unknown shape");
}

// The one non-constant graph input of `rank`, or an error listing the inputs.
Result<ir::Value*> input_of_rank(const ir::Graph& g, size_t rank, const char* role, const char* expected) {
  ir::Value* found = nullptr;
  std::string listing;
  for (ir::Value* v : g.inputs()) {
    listing += (listing.empty() ? "" : ", ") + describe(v);
    if (v->is_constant() || !v->has_shape() || v->shape().size() != rank) continue;
    if (found)
      return invalid_model(fmt::format("--policy: two inputs could be the {} ({}): {} and {}", role,
                                       expected, describe(found), describe(v)));
    found = v;
  }
  if (!found)
    return invalid_model(fmt::format("--policy: no model input is the {} (expected {}); inputs: {}",
                                     role, expected, listing));
  return found;
}

}  // namespace

Status add_policy_io(ir::Graph& g, PolicyContract& c) {
  ASSIGN_OR_RETURN(ir::Value* image, input_of_rank(g, 5, "image", "f32 [1,cameras,3,H,W]"));
  ASSIGN_OR_RETURN(ir::Value* qpos, input_of_rank(g, 2, "qpos", "f32 [1,state_dim]"));
  if (g.outputs().size() != 1)
    return invalid_model(fmt::format("--policy: the model has {} outputs; an ACT policy has one (actions [1,chunk,action_dim])",
                                     g.outputs().size()));
  ir::Value* actions = g.outputs()[0];
  // Sizes the contract does not give come from the model (then checked like the rest).
  auto fill = [](int64_t& field, const ir::Value* v, size_t axis) {
    if (field == 0 && v->has_shape() && axis < v->shape().size()) field = v->shape()[axis];
  };
  fill(c.image_height, image, 3);
  fill(c.image_width, image, 4);
  fill(c.state_dim, qpos, 1);
  fill(c.chunk_size, actions, 1);
  fill(c.action_dim, actions, 2);
  RETURN_IF_ERROR(c.validate());
  const int64_t n = static_cast<int64_t>(c.cameras.size()), h = c.image_height, w = c.image_width;
  const Shape image_shape{1, n, 3, h, w}, qpos_shape{1, c.state_dim},
      actions_shape{1, c.chunk_size, c.action_dim};
  const std::pair<ir::Value*, const Shape*> expected[] = {
      {image, &image_shape}, {qpos, &qpos_shape}, {actions, &actions_shape}};
  for (const auto& [v, shape] : expected) {
    if (v->dtype() != DataType::kFloat32 || !v->has_shape() || v->shape() != *shape)
      return invalid_model(fmt::format(
          "--policy: the model's {} does not match the policy contract: expected f32 {} ({} "
          "cameras of {}x{}, state_dim {}, chunk_size {}, action_dim {})",
          describe(v), shape_to_string(*shape), n, h, w, c.state_dim, c.chunk_size, c.action_dim));
  }
  // The model's tensors keep their consumers under new names; the policy's own inputs and
  // output take the public names (cameras, qpos, actions).
  RETURN_IF_ERROR(g.rename_value(image, g.make_unique_name("policy/image")));
  RETURN_IF_ERROR(g.rename_value(qpos, g.make_unique_name("policy/qpos_normalized")));
  RETURN_IF_ERROR(g.rename_value(actions, g.make_unique_name("policy/actions_normalized")));
  for (const std::string& name : c.cameras)
    if (g.find_value(name))
      return invalid_model(fmt::format("--policy: camera '{}' has the name of a tensor of the model; rename the camera",
                                       name));
  for (const char* name : {PolicyContract::kQposInput, PolicyContract::kActionsOutput})
    if (g.find_value(name))
      return invalid_model(fmt::format("--policy: the model already has a tensor named '{}'", name));

  PolicyGraphBuilder b(g);
  std::vector<ir::Value*> new_inputs, frames;
  for (const std::string& camera : c.cameras) {
    ir::Value* in = g.add_value(camera);
    in->set_dtype(DataType::kUInt8);
    in->set_shape({h, w, 3});
    new_inputs.push_back(in);
    // The bytes become floats first: every backend's data-movement kernels take floats, and on a
    // GPU the upload is still the 1-byte frame (the Cast is the first kernel on the device).
    ir::Value* f = b.node("Cast", camera, {in}, nullptr,
                          {{"to", ir::Attribute::from_int(static_cast<int64_t>(DataType::kFloat32))}});
    frames.push_back(b.reshape(f, {1, h, w, 3}, camera));
  }
  ir::Value* x = frames[0];
  if (n > 1) x = b.node("Concat", "frames", frames, nullptr, {{"axis", ir::Attribute::from_int(0)}});
  x = b.node("Transpose", "frames", {x}, nullptr, {{"perm", ir::Attribute::from_ints({0, 3, 1, 2})}});
  if (c.camera_format == CameraFormat::kBgr8) {
    ir::Value* order = g.add_constant("policy/frames_bgr_to_rgb", i64_tensor({2, 1, 0}));
    x = b.node("Gather", "frames_bgr_to_rgb", {x, order}, nullptr, {{"axis", ir::Attribute::from_int(1)}});
  }
  // Next to the model's ImageNet Sub / Div: backends fuse the three into one elementwise pass.
  x = b.binary("Div", x, f32_tensor({}, {255.f}), "frames");
  b.reshape(x, image_shape, "frames", image);

  ir::Value* raw_qpos = g.add_value(PolicyContract::kQposInput);
  raw_qpos->set_dtype(DataType::kFloat32);
  raw_qpos->set_shape({c.state_dim});
  ir::Value* q = normalize(b, raw_qpos, c.state_normalization, c.state_dim, c.qpos_mean,
                           c.qpos_std, c.qpos_min, c.qpos_max, c.norm_eps, "qpos");
  b.reshape(q, qpos_shape, "qpos", qpos);

  ir::Value* a = unnormalize(b, actions, c.action_normalization, c.action_dim, c.action_mean,
                             c.action_std, c.action_min, c.action_max, c.norm_eps, "actions");
  ir::Value* out = g.add_value(PolicyContract::kActionsOutput);
  b.reshape(a, {c.chunk_size, c.action_dim}, "actions", out);

  new_inputs.push_back(raw_qpos);
  std::vector<ir::Value*> kept;
  for (ir::Value* v : g.inputs())
    if (v != image && v != qpos) kept.push_back(v);  // e.g. initializers listed as inputs
  new_inputs.insert(new_inputs.end(), kept.begin(), kept.end());
  g.inputs() = std::move(new_inputs);
  g.outputs() = {out};
  return g.topological_sort();
}

}  // namespace actrt::passes
