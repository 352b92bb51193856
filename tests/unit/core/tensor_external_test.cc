// actrt/tensor.h: Tensor::wrap_external views caller memory without copying and keeps its owner
// alive for as long as any copy of the tensor lives (what the Python binding's zero-copy relies on).
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "actrt/tensor.h"

namespace actrt {
namespace {

TEST(TensorExternal, ViewsTheCallersMemory) {
  auto buffer = std::make_shared<std::vector<float>>(std::vector<float>{1, 2, 3, 4, 5, 6});
  Tensor t = Tensor::wrap_external(DataType::kFloat32, {2, 3}, buffer->data(), buffer);
  EXPECT_EQ(t.raw_data(), buffer->data());
  EXPECT_EQ(t.numel(), 6);
  (*buffer)[4] = 42;
  EXPECT_EQ(t.data<float>()[4], 42);
  Result<Tensor> r = t.reshaped({3, 2});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->raw_data(), buffer->data());  // a reshape is still a view
  Tensor deep = t.clone();
  EXPECT_NE(deep.raw_data(), buffer->data());
  EXPECT_EQ(deep.data<float>()[4], 42);
}

TEST(TensorExternal, KeepsTheOwnerAlive) {
  auto buffer = std::make_shared<std::vector<float>>(4, 7.0f);
  std::weak_ptr<std::vector<float>> watch = buffer;
  Tensor t = Tensor::wrap_external(DataType::kFloat32, {4}, buffer->data(), buffer);
  buffer.reset();
  EXPECT_FALSE(watch.expired());
  EXPECT_EQ(t.data<float>()[3], 7.0f);
  t = Tensor();
  EXPECT_TRUE(watch.expired());
}

TEST(TensorExternal, AllocatedTensorsStillOwnTheirStorage) {
  Tensor a(DataType::kInt32, {3});
  Tensor b = a;  // shared storage, as before
  a.data<int32_t>()[1] = 5;
  EXPECT_EQ(b.data<int32_t>()[1], 5);
  EXPECT_EQ(Tensor().raw_data(), nullptr);
}

}  // namespace
}  // namespace actrt
