# Sourced by the scripts that run on the GPU machine (device-test, device-ab): the CUDA libraries
# of the toolkit and of the Python venv's nvidia wheels, cuDNN's header and library for CMake when
# the toolkit has none, and the carried Debian packages (.deb files in the folders given)
# unpacked under /tmp/actrt-deps, never into /.
#
#   source scripts/device-env.sh
#   actrt_device_env .deps [.deps-bench]   # sets PREFIX_PATH (for CMAKE_PREFIX_PATH, "" if none),
#                                          # exports LD_LIBRARY_PATH, PATH, ACTRT_CUDNN_*
#   PYTHON (optional): the Python whose nvidia wheels to use (default python3)
source "$(dirname "${BASH_SOURCE[0]}")/device-cudnn.sh"

actrt_device_env() {
  export PATH="/usr/local/cuda/bin:$PATH"
  local libs="/usr/local/cuda/lib64" pynv d f
  if pynv="$("${PYTHON:-python3}" -c 'import nvidia,os;print(os.path.dirname(nvidia.__path__[0]))' 2>/dev/null)"; then
    for d in "$pynv"/nvidia/*/lib; do [[ -d "$d" ]] && libs="$libs:$d"; done
    if [[ ! -e /usr/local/cuda/include/cudnn.h && -e "$pynv/nvidia/cudnn/include/cudnn.h" ]]; then
      export ACTRT_CUDNN_INCLUDE_DIR="$pynv/nvidia/cudnn/include"
      # The wheel ships libcudnn.so.9 only; give the linker the unversioned name.
      mkdir -p /tmp/actrt-cudnn && ln -sf "$pynv"/nvidia/cudnn/lib/libcudnn.so.9 /tmp/actrt-cudnn/libcudnn.so
      export ACTRT_CUDNN_LIB_DIR="/tmp/actrt-cudnn"
      libs="$libs:$pynv/nvidia/cudnn/lib"
    fi
  fi
  libs="$(actrt_runtime_libs "$libs")"
  PREFIX_PATH=""
  for d in "$@"; do
    compgen -G "$d/*.deb" > /dev/null || continue
    mkdir -p /tmp/actrt-deps
    for f in "$d"/*.deb; do dpkg -x "$f" /tmp/actrt-deps; done
    PREFIX_PATH="/tmp/actrt-deps/usr"
  done
  if [[ -n "$PREFIX_PATH" ]]; then
    libs="$libs:/tmp/actrt-deps/usr/lib/x86_64-linux-gnu:/tmp/actrt-deps/lib/x86_64-linux-gnu"
    export PATH="/tmp/actrt-deps/usr/bin:$PATH"
  fi
  export LD_LIBRARY_PATH="$libs:${LD_LIBRARY_PATH:-}"
}
