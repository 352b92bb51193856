// NpzDataLoader: feeds from .npz files (one item per file, keys = input names), as written by
// np.savez(path, image=..., qpos=...) or by `actrt run --save-inputs`.
//
//   ASSIGN_OR_RETURN(NpzDataLoader loader,
//                    NpzDataLoader::create({"in0.npz", "in1.npz"}, runner.input_metadata()));
//
// All files are read and checked in create(), so a bad file is reported before any inference
// runs and get() never touches the disk. Each file must hold every expected input with exactly
// the expected dtype and shape (negative dims in the metadata accept any size); errors name the
// file, the input, expected versus found, and for a missing input the keys the file does hold.
// Keys that are not inputs are dropped with a warning (a typo in a key shows up as that warning
// plus the missing-input error), except keys listed in `expected_outputs`: the caller checks those
// itself (`actrt run`'s golden check). With empty metadata, every key of each file becomes an input.
#pragma once

#include <string>
#include <vector>

#include "actrt/data_loader.h"
#include "actrt/network.h"
#include "actrt/status.h"

namespace actrt::data {

class NpzDataLoader : public DataLoader {
 public:
  static Result<NpzDataLoader> create(const std::vector<std::string>& paths,
                                      const std::vector<TensorInfo>& inputs,
                                      const std::vector<std::string>& expected_outputs = {});
  size_t size() const override { return items_.size(); }
  Result<TensorMap> get(size_t i) const override;
  const std::vector<std::string>& paths() const { return paths_; }

 private:
  NpzDataLoader() = default;
  std::vector<std::string> paths_;
  std::vector<TensorMap> items_;
};

}  // namespace actrt::data
