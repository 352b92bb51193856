# Installation and the CMake package (docs/install.md): `cmake --install build --prefix P` gives
#   P/include/actrt/*.h             the public headers (include/actrt only)
#   P/lib/libactrt_runtime.so       actrt::runtime: load and run engines (no ONNX, protobuf, HDF5)
#   P/lib/libactrt.so               actrt::actrt: everything, the builder included
#   P/lib/cmake/actrt/              actrtConfig.cmake, its version file and the targets
#   P/lib/pkgconfig/actrt.pc, actrt-runtime.pc
#   P/lib/libactrt_backend_cuda.so  the CUDA backend, loaded on first use (with CUDA only)
#   P/bin/actrt                     the CLI
# Both libraries are shared: the backends register themselves from static initializers, and a
# shared library that holds them whole is the one form a user links without knowing that (no
# --whole-archive, no list of static libraries and their dependencies). A program links one of
# the two, never both (each holds its own copy of the registries).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The backends built into this tree and linked whole into both libraries. The CUDA backend is not
# among them: it is a module (libactrt_backend_cuda.so, src/CMakeLists.txt) that both load on
# first use, and that binds to whichever of the two loads it.
set(actrt_package_backends)
foreach(backend actrt_cpu)
  if(TARGET ${backend})
    list(APPEND actrt_package_backends ${backend})
  endif()
endforeach()

# actrt_package_library(TARGET NAME EXPORT_NAME WHOLE <libs> BACKENDS <libs>): a shared library
# named NAME that holds every object of the static libraries WHOLE and BACKENDS (so that all of
# their public symbols and static registrations are in it) and what those objects need from the
# other static libraries.
function(actrt_package_library target name export_name)
  cmake_parse_arguments(ARG "" "" "WHOLE;BACKENDS" ${ARGN})
  set(source ${CMAKE_BINARY_DIR}/package/${target}.cc)
  file(WRITE ${source} "// ${name}: its code comes from the static libraries it links whole.\n")
  add_library(${target} SHARED ${source})
  target_link_libraries(${target} PRIVATE ${ARG_WHOLE})
  # The backends as the CLI links them (src/CMakeLists.txt): the same feature everywhere.
  foreach(backend IN LISTS ARG_BACKENDS)
    target_link_libraries(${target} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,${backend}>")
  endforeach()
  # Link options come before the libraries on the link line: these archives go in whole first,
  # and their later occurrences (as the others' dependencies) then add nothing. (LINK_LIBRARY
  # WHOLE_ARCHIVE would apply to every occurrence of a library and define its symbols twice.)
  set(whole_files)
  foreach(lib IN LISTS ARG_WHOLE)
    list(APPEND whole_files $<TARGET_FILE:${lib}>)
  endforeach()
  target_link_options(${target} PRIVATE LINKER:--whole-archive ${whole_files}
                      LINKER:--no-whole-archive)
  # Libraries whose code none of the linked objects uses (HDF5 and protobuf for the runtime
  # library, which links the builder's static library only for the engine file reader) are not
  # recorded as dependencies.
  target_link_options(${target} PRIVATE LINKER:--as-needed LINKER:--no-undefined)
  target_include_directories(${target} INTERFACE
                             $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                             $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${target} INTERFACE cxx_std_20)
  set_target_properties(${target} PROPERTIES
                        OUTPUT_NAME ${name} EXPORT_NAME ${export_name}
                        VERSION ${PROJECT_VERSION}
                        SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
  add_library(actrt::${export_name} ALIAS ${target})
endfunction()

# The umbrella's own objects (src/api) go into a shared library too.
set_target_properties(actrt PROPERTIES POSITION_INDEPENDENT_CODE ON)

actrt_package_library(actrt_runtime_shared actrt_runtime runtime
  WHOLE actrt_core actrt_ir actrt_ops actrt_runtime actrt_reference actrt_api_runtime actrt_policy
  BACKENDS ${actrt_package_backends})
actrt_package_library(actrt_shared actrt actrt
  WHOLE actrt_core actrt_ir actrt_ops actrt_runtime actrt_reference actrt_api_runtime actrt_policy
        actrt_passes actrt_engine actrt_quant actrt_onnx actrt_data actrt_compare actrt
  BACKENDS ${actrt_package_backends})

actrt_backend_module_host(actrt_runtime_shared)
actrt_backend_module_host(actrt_shared)
if(TARGET actrt_backend_cuda)
  install(TARGETS actrt_backend_cuda LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/actrt
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(TARGETS actrt_runtime_shared actrt_shared EXPORT actrtTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS actrt_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The installed CLI links the static libraries; at run time it finds only the CUDA backend
# module, in ../lib (runtime/backend_module.h).

set(actrt_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/actrt)
install(EXPORT actrtTargets NAMESPACE actrt:: DESTINATION ${actrt_cmake_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/package/actrtConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/package/actrtConfig.cmake
                              INSTALL_DESTINATION ${actrt_cmake_dir})
# 0.x: a minor version may break the API.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/package/actrtConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/package/actrtConfig.cmake
              ${CMAKE_BINARY_DIR}/package/actrtConfigVersion.cmake
        DESTINATION ${actrt_cmake_dir})

# pkg-config: actrt (everything) and actrt-runtime (load and run engines). The files locate the
# prefix from their own place (${pcfiledir}), so that --prefix at install time holds.
file(RELATIVE_PATH pc_prefix_from_pcfiledir /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
string(REGEX REPLACE "/$" "" pc_prefix_from_pcfiledir "${pc_prefix_from_pcfiledir}")
foreach(pc_name actrt actrt-runtime)
  if(pc_name STREQUAL "actrt")
    set(pc_lib actrt)
    set(pc_description "ACT policies from ONNX to fast engines: builder, runtime and tools")
  else()
    set(pc_lib actrt_runtime)
    set(pc_description "ACT policies: load and run actrt engine files")
  endif()
  configure_file(${PROJECT_SOURCE_DIR}/cmake/package/actrt.pc.in
                 ${CMAKE_BINARY_DIR}/package/${pc_name}.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/package/${pc_name}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

# examples/consumer built against an installed prefix, as a user's project would be
# (tests/install/consumer_test.cmake). Needs the CPU backend (it runs a CPU engine).
if(TARGET actrt_cpu)
  add_test(NAME install_consumer
           COMMAND ${CMAKE_COMMAND}
                   -DBUILD_DIR=${CMAKE_BINARY_DIR}
                   -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                   -DWORK_DIR=${CMAKE_BINARY_DIR}/install_consumer
                   -DGENERATOR=${CMAKE_GENERATOR}
                   -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
                   -DOBJDUMP=${CMAKE_OBJDUMP}
                   -P ${PROJECT_SOURCE_DIR}/tests/install/consumer_test.cmake)
  set_tests_properties(install_consumer PROPERTIES TIMEOUT 600
                       PASS_REGULAR_EXPRESSION "install_consumer: ok")
endif()
