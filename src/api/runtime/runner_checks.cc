// actrt::check_feed (include/actrt/runner.h): runners validate their feeds with the same check
// (runtime/feed_check.h) as the engines' contexts, so all of them word these errors the same way.
#include "actrt/runner.h"
#include "runtime/feed_check.h"

namespace actrt {

Status check_feed(const std::string& runner_name, const std::vector<TensorInfo>& inputs,
                  const TensorMap& feed) {
  return runtime::check_feed(inputs, feed, "runner '" + runner_name + "'");
}

}  // namespace actrt
