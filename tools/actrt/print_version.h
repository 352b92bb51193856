// `actrt --version` (print_version.cc).
#pragma once

namespace actrt::cli {

// Prints the version, commit, backends compiled in and library versions to stdout.
void print_version();

}  // namespace actrt::cli
