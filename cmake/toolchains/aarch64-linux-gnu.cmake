# Cross-compiling for 64-bit Arm Linux (Jetson Orin's CPU) with Debian's cross toolchain
# (g++-aarch64-linux-gnu) and arm64 libraries installed through multiarch, which live in
# /usr/lib/aarch64-linux-gnu beside the build machine's own. scripts/check-aarch64 uses it and
# documents the packages (docs/dev/aarch64.md).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# Multiarch: find_library and find_package look under lib/aarch64-linux-gnu of each prefix.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# No sysroot: the arm64 packages share / with the native ones. Programs (protoc, cmake) are the
# build machine's; libraries and headers come from the multiarch paths and CMAKE_PREFIX_PATH.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

# ctest and gtest_discover_tests run the test programs through qemu-user, which finds the arm64
# loader and C library where libc6:arm64 installs them (/lib/ld-linux-aarch64.so.1). Not with
# `-L /usr/aarch64-linux-gnu` (the cross toolchain's copy, libc6-arm64-cross): that loader then
# mixes its own ld.so with /lib/aarch64-linux-gnu/libc.so.6 of another Debian revision, and every
# program that starts a thread hangs. The emulated CPU is a Cortex-A76 (ARMv8.2: ASIMD, FP16, dot product, no SVE),
# the nearest qemu has to Jetson Orin's Cortex-A78AE: oneDNN then picks the code paths a Jetson
# runs, not the SVE ones qemu's default "max" CPU would offer.
set(ACTRT_QEMU_CPU cortex-a76 CACHE STRING "CPU model qemu-aarch64 emulates for the tests")
find_program(ACTRT_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(ACTRT_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${ACTRT_QEMU_AARCH64} -cpu ${ACTRT_QEMU_CPU})
endif()
