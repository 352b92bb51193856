# Sourced by scripts/device-test, device-bench and device-profile: which cuDNN actrt loads on
# the GPU machine. It has two cuDNN 9 builds: the system's (/lib/x86_64-linux-gnu, found by
# ldconfig) and the Python venv's wheel (nvidia/cudnn/lib, 9.19). The venv's headers are what
# CMake compiles against when the toolkit has none (the backend API is stable within 9.x), but
# at run time the system library is preferred: on the H100 its heuristics rank INT8
# runtime-fusion kernels that are 1.4x faster on act-base's layer1 (0.015 vs 0.022 ms) than the
# wheel's. ACTRT_CUDNN=venv keeps the wheel's library.
#
#   LIBS="$(actrt_runtime_libs "$LIBS")"   # drops the wheel's cudnn/lib from a ':' list
#   actrt_cudnn_note                        # one line: which libcudnn.so.9 the dynamic loader picks
actrt_runtime_libs() {
  local libs="$1"
  if [[ "${ACTRT_CUDNN:-system}" != venv ]] && ldconfig -p 2>/dev/null | grep -q 'libcudnn.so.9 '; then
    libs="$(tr ':' '\n' <<< "$libs" | grep -v '/nvidia/cudnn/lib$' | paste -sd: -)"
  fi
  echo "$libs"
}
actrt_cudnn_note() {
  local sys venv=""
  sys="$(ldconfig -p 2>/dev/null | grep -m1 'libcudnn.so.9 ' | sed 's/.*=> //')"
  [[ -n "$sys" ]] && sys="$(readlink -f "$sys")"
  echo "cuDNN at run time: ${ACTRT_CUDNN:-system} (system: ${sys:-none})"
}
