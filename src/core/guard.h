// The exception boundary: library code returns Status, but the libraries below it (the C++
// standard library's allocations, oneDNN, protobuf, HDF5 wrappers) may throw. Each public entry
// point runs its body through call_guarded, so that no exception ever crosses the API: running
// out of memory becomes kOutOfMemory, anything else kInternal naming what was being done.
//
//   return call_guarded("building the engine", [&] { return build(network, config); });
#pragma once

#include <fmt/format.h>

#include <exception>
#include <new>
#include <string_view>
#include <type_traits>

#include "actrt/status.h"

namespace actrt {

// `fn` returns a Status or a Result<T>; call_guarded returns the same type.
template <typename F>
auto call_guarded(std::string_view what, F&& fn) -> std::invoke_result_t<F> {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kOutOfMemory, fmt::format("out of memory while {}", what));
  } catch (const std::exception& e) {
    return internal_error(fmt::format("unexpected exception while {}: {}", what, e.what()));
  } catch (...) {
    return internal_error(fmt::format("unexpected exception while {}", what));
  }
}

}  // namespace actrt
