# Installs this build tree into a fresh prefix, configures and builds examples/consumer against
# it (find_package(actrt) + actrt::runtime, as a user's project), builds a CPU engine of the
# bundled act-tiny with the installed CLI and runs the consumer on it; checks that the
# runtime-only library does not need protobuf, ONNX or HDF5. Prints
# "install_consumer: ok" at the end; any failed step stops with its output.
#   cmake -DBUILD_DIR=.. -DSOURCE_DIR=.. -DWORK_DIR=.. -DGENERATOR=.. -DCXX_COMPILER=.. -DOBJDUMP=..
#         -P consumer_test.cmake
foreach(var BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER OBJDUMP)
  if(NOT ${var})
    message(FATAL_ERROR "consumer_test: -D${var}=... is required")
  endif()
endforeach()

# step(NAME COMMAND...): runs the command, stops with its output when it fails.
function(step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer_test: ${name} failed (exit ${rc}):\n  ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "consumer_test: ${name}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

step(install ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f include/actrt/engine.h bin/actrt)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "consumer_test: ${prefix}/${f} was not installed")
  endif()
endforeach()
if(EXISTS ${prefix}/include/runtime OR EXISTS ${prefix}/include/core)
  message(FATAL_ERROR "consumer_test: internal headers installed under ${prefix}/include")
endif()
# The runtime-only library must not depend on the importer's or the data loaders' libraries.
file(GLOB runtime_lib ${prefix}/lib*/libactrt_runtime.so)
if(NOT runtime_lib)
  message(FATAL_ERROR "consumer_test: no libactrt_runtime.so under ${prefix}/lib")
endif()
step(objdump ${OBJDUMP} -p ${runtime_lib})
string(REGEX MATCHALL "NEEDED +[^\n]+" needed "${step_output}")
if(needed MATCHES "protobuf|onnx|hdf5")
  message(FATAL_ERROR "consumer_test: ${runtime_lib} depends on protobuf, ONNX or HDF5: ${needed}")
endif()
message(STATUS "consumer_test: libactrt_runtime.so needs ${needed}")

# With the CUDA backend built: the CLI does not link cuDNN or cuBLASLt, and loads the installed
# module on demand from ../lib (docs/dev/backend-loading.md).
file(GLOB cuda_module ${prefix}/lib*/libactrt_backend_cuda.so)
if(cuda_module)
  step(cli_objdump ${OBJDUMP} -p ${prefix}/bin/actrt)
  if(step_output MATCHES "NEEDED +lib(cudnn|cublas)")
    message(FATAL_ERROR "consumer_test: ${prefix}/bin/actrt links cuDNN or cuBLASLt")
  endif()
  step(cli_version ${prefix}/bin/actrt --version)
  if(NOT step_output MATCHES "cuda \\(loaded on demand")
    message(FATAL_ERROR
            "consumer_test: the installed CLI did not load ${cuda_module}:\n${step_output}")
  endif()
endif()

step(configure ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/consumer -B ${WORK_DIR}/build
     -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
     -DCMAKE_PREFIX_PATH=${prefix})
step(build ${CMAKE_COMMAND} --build ${WORK_DIR}/build)

set(engine ${WORK_DIR}/act-tiny.engine)
step(actrt_build ${prefix}/bin/actrt build ${SOURCE_DIR}/models/act-tiny/act-tiny.onnx
     --backend cpu --save-engine ${engine} -q)
step(run ${WORK_DIR}/build/consumer ${engine})
message(STATUS "consumer_test: consumer printed:\n${step_output}")
if(NOT step_output MATCHES "backend cpu")
  message(FATAL_ERROR "consumer_test: the consumer did not report a cpu engine")
endif()
message(STATUS "install_consumer: ok")
