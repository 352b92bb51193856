// A private temporary folder for the targets whose reader takes a path (read_npz, HDF5 episodes,
// load_norm_stats): each input is written to a file in it and the reader opens that file.
#pragma once

#include <string>

#include "targets.h"

namespace actrt::fuzz {

// "<folder>/<relative>" holding exactly `bytes`; the folder is created once per process under
// $TMPDIR (or /tmp) and removed at exit. Aborts if the file cannot be written: the fuzzer would
// otherwise test nothing.
std::string write_scratch_file(const std::string& relative, FuzzInput bytes);

// The scratch folder itself (created on first use).
const std::string& scratch_folder();

}  // namespace actrt::fuzz
