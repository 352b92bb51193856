"""The CUDA backend is a module (libactrt_backend_cuda.so next to _actrt) loaded on first use:
`import actrt` maps no CUDA library, and a CUDA build still finds the backend when asked for it
(docs/dev/backend-loading.md)."""

import os
import subprocess
import sys

import pytest

import actrt
from conftest import MODEL

MODULE = os.path.join(os.path.dirname(os.path.abspath(actrt._actrt.__file__)), "libactrt_backend_cuda.so")
CUDA_LIBRARIES = ("libcudart", "libcublas", "libcudnn")


def test_import_maps_no_cuda_library():
    # A fresh interpreter: this one may already have loaded the module in another test.
    maps = subprocess.run([sys.executable, "-c", "import actrt; print(open('/proc/self/maps').read())"],
                          check=True, capture_output=True, text=True).stdout
    loaded = sorted({line.split()[-1] for line in maps.splitlines()
                     if any(lib in line for lib in CUDA_LIBRARIES)})
    assert not loaded, f"`import actrt` mapped CUDA libraries, expected none: {loaded}"


@pytest.mark.skipif(not os.path.exists(MODULE), reason="actrt is built without the CUDA backend")
def test_cuda_build_finds_the_module():
    network = actrt.network_from_onnx_path(MODEL)
    try:
        actrt.engine_from_network(network, actrt.CreateConfig(backend="cuda", threads=1))
    except actrt.DeviceError as e:  # a machine without a usable GPU: the backend was loaded
        assert "could not be loaded" not in str(e) and "does not include" not in str(e), str(e)
