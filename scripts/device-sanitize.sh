# Sourced by scripts/device-test (DEVICE_TEST_SANITIZE=...): runs the CUDA tests under NVIDIA's
# compute-sanitizer, one tool at a time. Kept apart so that device-test's plain path stays short.
#
# ctest names a test "<binary>.<Suite>.<Case>" (gtest_discover_tests, TEST_PREFIX "<binary>.");
# the tests that `ctest -L cuda -R FILTER` selects are grouped by binary and each binary runs
# once per tool with --gtest_filter listing its tests: one sanitizer start per binary, not per
# test. Logs: $LOGS/sanitize-<tool>-<binary>.log. Uses note() and summary from device-test.

# The compute-sanitizer next to nvcc, or on PATH, or in /usr/local/cuda/bin.
find_compute_sanitizer() {
  local c
  for c in "$(command -v compute-sanitizer 2>/dev/null)" \
           "$(dirname "$(command -v nvcc 2>/dev/null || echo /nonexistent/nvcc)")/compute-sanitizer" \
           /usr/local/cuda/bin/compute-sanitizer; do
    [[ -n "$c" && -x "$c" ]] && { echo "$c"; return 0; }
  done
  return 1
}

# run_cuda_tests_under_sanitizers BUILD LOGS TOOLS(comma-separated) FILTER(ctest -R regex or "")
# Returns 0 when every tool reported no error and every test passed, 5 when the sanitizer is
# missing or no test matched, 6 otherwise.
run_cuda_tests_under_sanitizers() {
  local build=$1 logs=$2 tools=$3 filter=$4
  local sanitizer
  if ! sanitizer=$(find_compute_sanitizer); then
    note "compute-sanitizer not found (PATH, next to nvcc, /usr/local/cuda/bin): nothing run"
    return 5
  fi
  note "compute-sanitizer: $sanitizer ($("$sanitizer" --version 2>/dev/null | grep -i version | tail -1))"
  # The selected tests, as ctest lists them ("  Test  #12: models_cuda.CudaAct.Fp32MatchesReference").
  local names
  names=$(cd "$build" && ctest -L cuda ${filter:+-R "$filter"} -N | sed -n 's/^ *Test *#[0-9]*: //p')
  if [[ -z "$names" ]]; then
    note "no CUDA test matches '${filter}': nothing run under compute-sanitizer"
    return 5
  fi
  # binary -> "Suite.Case:Suite.Case..." (gtest's filter syntax).
  declare -A filters=()
  local name binary
  while read -r name; do
    name=${name%%  # *}  # value-parameterized tests: ctest's name ends "  # GetParam() = ..."
    binary=${name%%.*}
    filters[$binary]+="${filters[$binary]:+:}${name#*.}"
  done <<< "$names"
  local status=0 tool bin_path log rc errors
  local timeout_s=${DEVICE_TEST_SANITIZE_TIMEOUT:-540}
  IFS=',' read -r -a tool_list <<< "$tools"
  for tool in "${tool_list[@]}"; do
    case "$tool" in memcheck|racecheck|initcheck|synccheck) ;;
      *) note "unknown compute-sanitizer tool '$tool' (memcheck, racecheck, initcheck, synccheck)"
         status=6; continue ;;
    esac
    for binary in "${!filters[@]}"; do
      bin_path=$build/bin/$binary
      log=$logs/sanitize-$tool-$binary.log
      [[ -x "$bin_path" ]] || { note "$tool: $bin_path missing"; status=6; continue; }
      # --error-exitcode: a reported error fails the run even when every test passed;
      # --target-processes all: tests that start helper processes are covered too.
      ACTRT_SOURCE_DIR="$ROOT" timeout "$timeout_s" "$sanitizer" --tool "$tool" \
        --error-exitcode 86 --target-processes all ${DEVICE_TEST_SANITIZER_ARGS:-} \
        "$bin_path" --gtest_filter="${filters[$binary]}" > "$log" 2>&1
      rc=$?
      # memcheck/initcheck/synccheck end with "ERROR SUMMARY: N errors", racecheck with
      # "RACECHECK SUMMARY: N hazards displayed (E errors, W warnings)".
      errors=$(grep -E "(ERROR|RACECHECK) SUMMARY" "$log" | tail -1)
      case $rc in
        0) note "$tool $binary: clean (${errors:-no summary line}); $(grep -cE '^\[       OK \]' "$log") tests passed" ;;
        86) note "$tool $binary: ERRORS: $errors (log $log)"; status=6
            grep -E "^========= (Invalid|Race|Uninitialized|Barrier|Program hit|Leaked)" "$log" | sort | uniq -c | head -10 ;;
        124) note "$tool $binary: TIMEOUT after ${timeout_s} s (narrow DEVICE_TEST_FILTER; log $log)"; status=6 ;;
        *) note "$tool $binary: tests FAILED (rc $rc; ${errors:-no summary line}; log $log)"; status=6
           grep -E "^\[  FAILED  \]" "$log" | head -10 ;;
      esac
    done
  done
  return $status
}
