// Shape / data-movement ops and shape computation: inference + reference kernels, on several
// dtypes (these ops run on i64 shape tensors, bool masks and int8 data as well as floats).
#include <gtest/gtest.h>

#include <limits>

#include "single_node_runner.h"

namespace actrt {
namespace {

using single_node_test::f32;
using single_node_test::i64;
using single_node_test::i64_1d;
using single_node_test::int_attr;
using single_node_test::ints;
using single_node_test::iota_i64;
using single_node_test::random_f32;
using single_node_test::run_ok;
using single_node_test::SingleNode;
using single_node_test::str;


// Runs a single-output node and returns its output (empty tensor on failure).
Tensor run1(SingleNode& node) {
  auto out = run_ok(node);
  return out.size() == 1 ? out[0] : Tensor();
}

std::vector<int64_t> values(const Tensor& t) { return t.to_int64_vector(); }

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(ReferenceMovement, TransposeExplicitAndDefaultPerm) {
  const Tensor x = iota_i64({2, 3, 4});
  SingleNode node("Transpose");
  node.input(x).attr("perm", ints({1, 2, 0}));
  const Tensor y = run1(node);
  ASSERT_EQ(y.shape(), (Shape{3, 4, 2}));
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 4; ++c)
        ASSERT_EQ(y.data<int64_t>()[(b * 4 + c) * 2 + a], (a * 3 + b) * 4 + c);

  SingleNode rev("Transpose");
  rev.input(x.cast(DataType::kInt8));
  const Tensor r = run1(rev);
  ASSERT_EQ(r.shape(), (Shape{4, 3, 2}));
  ASSERT_EQ(r.dtype(), DataType::kInt8);
  EXPECT_EQ(r.element_as_double((3 * 3 + 1) * 2 + 1), (1 * 3 + 1) * 4 + 3);

  SingleNode bad("Transpose");
  bad.input(x).attr("perm", ints({0, 0, 1}));
  EXPECT_FALSE(bad.infer().ok());
}

TEST(ReferenceMovement, ReshapeZeroMinusOneAllowzero) {
  const Tensor x = random_f32({2, 3, 4}, 1);
  {
    SingleNode node("Reshape");
    node.input(x).const_input(i64_1d({0, -1}));
    const Tensor y = run1(node);
    EXPECT_EQ(y.shape(), (Shape{2, 12}));
    EXPECT_EQ(y.data<float>()[17], x.data<float>()[17]);
  }
  {
    SingleNode node("Reshape", 14);
    node.input(Tensor(DataType::kFloat32, {0, 3})).const_input(i64_1d({3, 0}));
    node.attr("allowzero", int_attr(1));
    std::vector<Shape> shapes;
    ASSERT_TRUE(node.infer(nullptr, &shapes).ok());
    EXPECT_EQ(shapes[0], (Shape{3, 0}));
  }
  {
    SingleNode node("Reshape");
    node.input(x).const_input(i64_1d({5, -1}));
    Status s = node.infer();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("Reshape 'node0'"), std::string::npos) << s.message();
  }
  {
    SingleNode node("Reshape");
    node.input(x).input(i64_1d({2, 12}));  // not a constant
    Status s = node.infer();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("must be a constant"), std::string::npos) << s.message();
  }
}

TEST(ReferenceMovement, FlattenSqueezeUnsqueeze) {
  const Tensor x = iota_i64({2, 1, 3, 1});
  std::vector<Shape> shapes;
  SingleNode flat("Flatten");
  flat.input(x).attr("axis", int_attr(-2));
  const Tensor f = run1(flat);
  EXPECT_EQ(f.shape(), (Shape{2, 3}));
  EXPECT_EQ(values(f), values(x));

  SingleNode flat0("Flatten");
  flat0.input(x).attr("axis", int_attr(0));
  EXPECT_EQ(run1(flat0).shape(), (Shape{1, 6}));

  SingleNode sq("Squeeze");
  sq.input(x).const_input(i64_1d({-1}));
  EXPECT_EQ(run1(sq).shape(), (Shape{2, 1, 3}));
  SingleNode sq_all("Squeeze");
  sq_all.input(x);
  const Tensor s = run1(sq_all);
  EXPECT_EQ(s.shape(), (Shape{2, 3}));
  EXPECT_EQ(values(s), values(x));
  SingleNode sq_bad("Squeeze");
  sq_bad.input(x).const_input(i64_1d({0}));
  EXPECT_FALSE(sq_bad.infer().ok());
  SingleNode sq_attr("Squeeze", 11);  // axes as attribute before opset 13
  sq_attr.input(x).attr("axes", ints({1}));
  EXPECT_EQ(run1(sq_attr).shape(), (Shape{2, 3, 1}));

  SingleNode unsq("Unsqueeze");
  unsq.input(Tensor::from_vector(DataType::kBool, {2, 3}, std::vector<uint8_t>{1, 0, 1, 1, 0, 0}));
  unsq.const_input(i64_1d({4, 0, -3}));
  const Tensor u = run1(unsq);
  EXPECT_EQ(u.shape(), (Shape{1, 2, 1, 3, 1}));
  EXPECT_EQ(values(u), (std::vector<int64_t>{1, 0, 1, 1, 0, 0}));
}

TEST(ReferenceMovement, ConcatIncludingEmptyInput) {
  SingleNode node("Concat");
  node.input(iota_i64({2, 2})).input(Tensor(DataType::kInt64, {2, 0})).input(iota_i64({2, 3}, 100));
  node.attr("axis", int_attr(-1));
  const Tensor y = run1(node);
  EXPECT_EQ(y.shape(), (Shape{2, 5}));
  EXPECT_EQ(values(y), (std::vector<int64_t>{0, 1, 100, 101, 102, 2, 3, 103, 104, 105}));

  SingleNode bad("Concat");
  bad.input(iota_i64({2, 2})).input(iota_i64({3, 3})).attr("axis", int_attr(1));
  EXPECT_FALSE(bad.infer().ok());
}

TEST(ReferenceMovement, SplitBySizesEqualAndUneven) {
  const Tensor x = iota_i64({2, 7});
  {
    SingleNode node("Split", 13);
    node.input(x).const_input(i64_1d({2, 0, 5})).attr("axis", int_attr(1)).outputs(3);
    auto out = run_ok(node);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(values(out[0]), (std::vector<int64_t>{0, 1, 7, 8}));
    EXPECT_EQ(out[1].shape(), (Shape{2, 0}));
    EXPECT_EQ(values(out[2]), (std::vector<int64_t>{2, 3, 4, 5, 6, 9, 10, 11, 12, 13}));
  }
  {
    SingleNode node("Split", 18);  // 7 into 3: chunks of ceil(7/3)=3, last one smaller
    node.input(x).attr("axis", int_attr(-1)).attr("num_outputs", int_attr(3)).outputs(3);
    auto out = run_ok(node);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].shape(), (Shape{2, 3}));
    EXPECT_EQ(out[2].shape(), (Shape{2, 1}));
    EXPECT_EQ(values(out[2]), (std::vector<int64_t>{6, 13}));
  }
  {
    SingleNode node("Split", 13);
    node.input(x).attr("axis", int_attr(1)).outputs(2);  // 7 is not even: invalid before 18
    EXPECT_FALSE(node.infer().ok());
  }
  {
    SingleNode node("Split", 11);
    node.input(x).attr("split", ints({1, 1})).outputs(2);
    auto out = run_ok(node);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(values(out[1]), (std::vector<int64_t>{7, 8, 9, 10, 11, 12, 13}));
  }
}

TEST(ReferenceMovement, SliceClampingNegativeStepsAndDefaults) {
  const Tensor x = iota_i64({4, 5});
  {
    // rows 1..end step 2 -> {1, 3}; cols from -1 backwards to 0 (exclusive) step -2 -> {4, 2}.
    SingleNode node("Slice");
    node.input(x).const_input(i64_1d({1, -1})).const_input(i64_1d({kMax, 0}));
    node.const_input(i64_1d({0, 1})).const_input(i64_1d({2, -2}));
    const Tensor y = run1(node);
    EXPECT_EQ(y.shape(), (Shape{2, 2}));
    EXPECT_EQ(values(y), (std::vector<int64_t>{9, 7, 19, 17}));
  }
  {
    // Whole axis reversed: start INT64_MAX clamps to dim-1, end INT64_MIN clamps to -1.
    SingleNode node("Slice");
    node.input(x).const_input(i64_1d({kMax})).const_input(i64_1d({kMin}));
    node.const_input(i64_1d({-1})).const_input(i64_1d({-1}));
    const Tensor y = run1(node);
    EXPECT_EQ(y.shape(), (Shape{4, 5}));
    EXPECT_EQ(values(y)[0], 4);
    EXPECT_EQ(values(y)[6], 8);
  }
  {
    // Out-of-range start gives an empty axis; default axes / steps.
    SingleNode node("Slice");
    node.input(x).const_input(i64_1d({10, 2})).const_input(i64_1d({20, 3}));
    EXPECT_EQ(run1(node).shape(), (Shape{0, 1}));
  }
  {
    SingleNode node("Slice");
    node.input(x).const_input(i64_1d({0})).const_input(i64_1d({2})).absent_input();
    node.const_input(i64_1d({0}));
    Status s = node.infer();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("contain 0"), std::string::npos) << s.message();
  }
}

TEST(ReferenceMovement, GatherAxesAndNegativeIndices) {
  const Tensor x = iota_i64({3, 4});
  {
    SingleNode node("Gather");
    node.input(x).input(i64({2, 2}, {0, -1, 2, 1})).attr("axis", int_attr(1));
    const Tensor y = run1(node);
    EXPECT_EQ(y.shape(), (Shape{3, 2, 2}));
    EXPECT_EQ(values(y), (std::vector<int64_t>{0, 3, 2, 1, 4, 7, 6, 5, 8, 11, 10, 9}));
  }
  {
    SingleNode node("Gather");  // scalar index drops the axis; i32 indices
    node.input(x.cast(DataType::kFloat32))
        .input(Tensor::from_vector(DataType::kInt32, {}, std::vector<int32_t>{-2}));
    const Tensor y = run1(node);
    EXPECT_EQ(y.shape(), (Shape{4}));
    EXPECT_EQ(values(y), (std::vector<int64_t>{4, 5, 6, 7}));
  }
  {
    SingleNode node("Gather");
    node.input(x).input(i64_1d({3}));
    auto r = node.run();
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("out of range"), std::string::npos);
  }
}

TEST(ReferenceMovement, Tile) {
  SingleNode node("Tile");
  node.input(iota_i64({2, 3})).const_input(i64_1d({2, 2}));
  const Tensor y = run1(node);
  EXPECT_EQ(y.shape(), (Shape{4, 6}));
  EXPECT_EQ(values(y), (std::vector<int64_t>{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5,
                                             0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}));
}

TEST(ReferenceMovement, PadModes) {
  const Tensor x = iota_i64({2, 3}, 1);  // [[1,2,3],[4,5,6]]
  {
    SingleNode node("Pad");
    node.input(x).const_input(i64_1d({0, 2, 1, 0})).input(i64({}, {-7}));
    const Tensor y = run1(node);
    EXPECT_EQ(y.shape(), (Shape{3, 5}));
    EXPECT_EQ(values(y),
              (std::vector<int64_t>{-7, -7, 1, 2, 3, -7, -7, 4, 5, 6, -7, -7, -7, -7, -7}));
  }
  {
    SingleNode node("Pad");
    node.input(x).const_input(i64_1d({0, 2, 0, 1})).attr("mode", str("reflect"));
    EXPECT_EQ(values(run1(node)), (std::vector<int64_t>{3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5}));
  }
  {
    SingleNode node("Pad");
    node.input(x).const_input(i64_1d({1, 1, 0, 0})).attr("mode", str("edge"));
    EXPECT_EQ(values(run1(node)), (std::vector<int64_t>{1, 1, 2, 3, 1, 1, 2, 3, 4, 4, 5, 6}));
  }
  {
    // Negative pads crop; opset-18 axes select the padded dims.
    SingleNode node("Pad", 18);
    node.input(x).const_input(i64_1d({-1, 1})).absent_input().const_input(i64_1d({1}));
    const Tensor y = run1(node);
    EXPECT_EQ(y.shape(), (Shape{2, 3}));
    EXPECT_EQ(values(y), (std::vector<int64_t>{2, 3, 0, 5, 6, 0}));
  }
  {
    SingleNode node("Pad");  // bool data, constant default false
    node.input(Tensor::from_vector(DataType::kBool, {2}, std::vector<uint8_t>{1, 1}));
    node.const_input(i64_1d({1, 1}));
    EXPECT_EQ(values(run1(node)), (std::vector<int64_t>{0, 1, 1, 0}));
  }
}

TEST(ReferenceShapeOps, ShapeWithStartEnd) {
  const Tensor x(DataType::kFloat32, {2, 3, 4, 5});
  SingleNode all("Shape");
  all.input(x);
  EXPECT_EQ(values(run1(all)), (std::vector<int64_t>{2, 3, 4, 5}));
  SingleNode part("Shape", 15);
  part.input(x).attr("start", int_attr(-3)).attr("end", int_attr(-1));
  EXPECT_EQ(values(run1(part)), (std::vector<int64_t>{3, 4}));
  SingleNode clipped("Shape", 15);
  clipped.input(x).attr("start", int_attr(-10)).attr("end", int_attr(10));
  EXPECT_EQ(values(run1(clipped)), (std::vector<int64_t>{2, 3, 4, 5}));
}

TEST(ReferenceShapeOps, ConstantOfShapeRangeConstant) {
  SingleNode cos("ConstantOfShape");
  cos.const_input(i64_1d({2, 3}))
      .attr("value", ir::Attribute::from_tensor(
                         Tensor::from_vector(DataType::kInt32, {1}, std::vector<int32_t>{7})));
  const Tensor c = run1(cos);
  EXPECT_EQ(c.dtype(), DataType::kInt32);
  EXPECT_EQ(values(c), std::vector<int64_t>(6, 7));
  SingleNode cos_default("ConstantOfShape");
  cos_default.const_input(i64_1d({3}));
  EXPECT_EQ(run1(cos_default).dtype(), DataType::kFloat32);

  SingleNode range("Range");
  range.const_input(i64({}, {10})).const_input(i64({}, {-3})).const_input(i64({}, {-4}));
  EXPECT_EQ(values(run1(range)), (std::vector<int64_t>{10, 6, 2, -2}));
  SingleNode frange("Range");
  frange.const_input(f32({}, {0.5f})).const_input(f32({}, {2.0f})).const_input(f32({}, {0.5f}));
  const Tensor fr = run1(frange);
  ASSERT_EQ(fr.shape(), (Shape{3}));
  EXPECT_FLOAT_EQ(fr.data<float>()[2], 1.5f);

  SingleNode k("Constant");
  k.attr("value_ints", ints({4, -2}));
  const Tensor kv = run1(k);
  EXPECT_EQ(kv.dtype(), DataType::kInt64);
  EXPECT_EQ(values(kv), (std::vector<int64_t>{4, -2}));
  SingleNode kf("Constant");
  kf.attr("value_float", ir::Attribute::from_float(2.5f));
  const Tensor kfv = run1(kf);
  EXPECT_EQ(kfv.shape(), Shape{});
  EXPECT_FLOAT_EQ(kfv.data<float>()[0], 2.5f);
  SingleNode kt("Constant");
  kt.attr("value", ir::Attribute::from_tensor(random_f32({2, 2}, 5)));
  EXPECT_EQ(run1(kt).shape(), (Shape{2, 2}));
  SingleNode sparse("Constant");
  ir::Attribute sp;
  sp.kind = ir::AttrKind::kSparseTensor;
  sparse.attr("sparse_value", sp);
  Status s = sparse.infer();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("sparse_value"), std::string::npos);
}

}  // namespace
}  // namespace actrt
