// Data loaders feed runners, comparators and calibrators with named input tensors.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actrt/status.h"
#include "actrt/tensor.h"

namespace actrt {

using TensorMap = std::map<std::string, Tensor>;

// A finite, restartable sequence of feeds ({input name -> tensor}).
class DataLoader {
 public:
  virtual ~DataLoader() = default;
  // Number of items.
  virtual size_t size() const = 0;
  // Item i (0 <= i < size()); the same i always gives the same data.
  virtual Result<TensorMap> get(size_t i) const = 0;
};

}  // namespace actrt
