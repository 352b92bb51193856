// Prints an engine's layers: per-layer rows, or a summary by kernel and precision.
#pragma once

#include "actrt/engine.h"

namespace actrt::cli {

void print_layer_table(const Engine& engine, bool every_layer);

}  // namespace actrt::cli
