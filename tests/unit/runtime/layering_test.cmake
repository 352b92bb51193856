# The runtime layer (src/runtime) is what loading and running an engine needs and nothing more: a
# runtime-only library links it without the builder, quantization, passes or any backend. This
# script fails when a file under RUNTIME_DIR includes a header from one of those folders.
#   cmake -DRUNTIME_DIR=<dir> -P layering_test.cmake
if(NOT RUNTIME_DIR OR NOT IS_DIRECTORY "${RUNTIME_DIR}")
  message(FATAL_ERROR "layering_test: RUNTIME_DIR '${RUNTIME_DIR}' is not a directory")
endif()
set(forbidden "engine|quant|passes|backends")
file(GLOB_RECURSE files "${RUNTIME_DIR}/*.h" "${RUNTIME_DIR}/*.cc" "${RUNTIME_DIR}/*.inc")
if(NOT files)
  message(FATAL_ERROR "layering_test: no sources under ${RUNTIME_DIR}")
endif()
set(violations "")
foreach(f IN LISTS files)
  file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<](${forbidden})/")
  foreach(line IN LISTS lines)
    string(STRIP "${line}" line)
    string(APPEND violations "\n  ${f}: ${line}")
  endforeach()
endforeach()
if(violations)
  message(FATAL_ERROR "layering_test: src/runtime must not include engine/, quant/, passes/ or "
                      "backends/ headers (the runtime layer sits below them; move the shared "
                      "piece into src/runtime or below):${violations}")
endif()
list(LENGTH files count)
message(STATUS "layering_test: ${count} files under ${RUNTIME_DIR} include nothing from ${forbidden}")
