// FUZZ_INVARIANT(cond, ...): a target's own check that a reader did not lie (e.g. a file it
// accepted and wrote back reads again). On failure it prints the message and aborts, which
// libFuzzer reports as a crash with the input that caused it.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#define FUZZ_INVARIANT(cond, ...)                                                   \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "fuzz invariant failed at %s:%d: %s\n  %s\n", __FILE__,  \
                   __LINE__, #cond, fmt::format(__VA_ARGS__).c_str());              \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)
