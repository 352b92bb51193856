"""Builds actrt's compiled module (_actrt) with CMake for `pip install .` (pyproject.toml).

The whole C++ project is configured in build/python-wheel (kept between installs, so a reinstall
is fast), or in ACTRT_BUILD_DIR (e.g. "build", to reuse a development build), and only the
actrt_python target is built. CMake writes the module in-tree (python/actrt/, as `make python`
does) and it is copied into the wheel from there, with the CUDA backend module
(libactrt_backend_cuda.so) next to it when CUDA is built. ACTRT_CMAKE_ARGS adds CMake options (e.g.
"-DACTRT_WITH_CUDA=OFF"); ACTRT_BUILD_JOBS sets the parallel jobs (default: all cores).
"""

import os
import shlex
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))
CUDA_MODULE = "libactrt_backend_cuda.so"


class CMakeExtension(Extension):
    def __init__(self, name: str):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        build_dir = os.path.abspath(os.environ.get("ACTRT_BUILD_DIR") or
                                    os.path.join(ROOT, "build", "python-wheel"))
        os.makedirs(build_dir, exist_ok=True)
        generator = ["-G", "Ninja"] if _have("ninja") else []
        configure = ["cmake", "-S", ROOT, "-B", build_dir, *generator, "-DCMAKE_BUILD_TYPE=Release",
                     f"-DPython3_EXECUTABLE={_base_interpreter()}",
                     *shlex.split(os.environ.get("ACTRT_CMAKE_ARGS", ""))]
        jobs = os.environ.get("ACTRT_BUILD_JOBS", str(os.cpu_count() or 1))
        subprocess.check_call(configure)
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "actrt_python", "-j", jobs])
        # CMake names the file with the interpreter's suffix, which is what setuptools expects.
        name = os.path.basename(self.get_ext_fullpath(ext.name))
        built = os.path.join(ROOT, "python", "actrt", name)
        if not os.path.exists(built):
            raise RuntimeError(f"CMake did not produce {built}")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        _copy(built, target)
        # The CUDA backend module, loaded on first use from the extension's directory
        # (docs/dev/backend-loading.md); CMake copies it next to the extension when it builds it.
        module = os.path.join(os.path.dirname(built), CUDA_MODULE)
        packaged = os.path.join(os.path.dirname(target), CUDA_MODULE)
        if os.path.exists(module):
            _copy(module, packaged)
        elif os.path.exists(packaged) and os.path.abspath(module) != os.path.abspath(packaged):
            os.remove(packaged)  # left by an earlier build with CUDA


def _copy(source: str, target: str) -> None:
    if os.path.abspath(source) != os.path.abspath(target):
        shutil.copyfile(source, target)


def _base_interpreter() -> str:
    """The interpreter a venv was made from (its headers are the ones to compile against)."""
    base = os.path.join(sys.base_exec_prefix, "bin", os.path.basename(sys.executable))
    return base if os.path.exists(base) else sys.executable


def _have(tool: str) -> bool:
    return any(os.access(os.path.join(p, tool), os.X_OK) for p in os.environ.get("PATH", "").split(os.pathsep))


setup(ext_modules=[CMakeExtension("actrt._actrt")], cmdclass={"build_ext": CMakeBuild})
