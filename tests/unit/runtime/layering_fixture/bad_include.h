// A runtime-layer file that breaks the layering: layering_test.cmake must fail on this folder
// (ctest layering_runtime_catches_violation).
#pragma once

#include "runtime/plan.h"
#include "passes/pass_manager.h"
