"""Builds actrt's compiled module (_actrt) with CMake for `pip install .` (pyproject.toml).

The whole C++ project is configured in build/python-wheel (kept between installs, so ccache and
CMake make a reinstall fast) and only the actrt_python target is built, written straight into the
wheel's actrt/ folder. ACTRT_CMAKE_ARGS adds CMake options (e.g. "-DACTRT_WITH_CUDA=OFF");
ACTRT_BUILD_JOBS sets the parallel jobs (default: all cores).
"""

import os
import shlex
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeExtension(Extension):
    def __init__(self, name: str):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        out_dir = os.path.dirname(os.path.abspath(self.get_ext_fullpath(ext.name)))
        build_dir = os.path.join(ROOT, "build", "python-wheel")
        os.makedirs(build_dir, exist_ok=True)
        generator = ["-G", "Ninja"] if _have("ninja") else []
        configure = ["cmake", "-S", ROOT, "-B", build_dir, *generator, "-DCMAKE_BUILD_TYPE=Release",
                     f"-DPython3_EXECUTABLE={sys.executable}", f"-DACTRT_PYTHON_OUTPUT_DIR={out_dir}",
                     *shlex.split(os.environ.get("ACTRT_CMAKE_ARGS", ""))]
        jobs = os.environ.get("ACTRT_BUILD_JOBS", str(os.cpu_count() or 1))
        subprocess.check_call(configure)
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "actrt_python", "-j", jobs])
        # CMake names the file with the interpreter's suffix, which is what setuptools expects.
        if not os.path.exists(self.get_ext_fullpath(ext.name)):
            raise RuntimeError(f"CMake did not produce {self.get_ext_fullpath(ext.name)}")


def _have(tool: str) -> bool:
    return any(os.access(os.path.join(p, tool), os.X_OK) for p in os.environ.get("PATH", "").split(os.pathsep))


setup(ext_modules=[CMakeExtension("actrt._actrt")], cmdclass={"build_ext": CMakeBuild})
