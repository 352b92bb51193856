# actrt_library(NAME DIR [DEPS ...]): a static library of every .cc in src/DIR (non-recursive).
# Globbing keeps "add a file" a one-step change; CONFIGURE_DEPENDS re-globs on each build.
function(actrt_library name dir)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${dir}/*.cc)
  if(NOT sources)  # a folder still being written: an empty library keeps the tree building
    set(sources ${CMAKE_BINARY_DIR}/empty_${name}.cc)
    file(WRITE ${sources} "// ${dir} has no sources yet\n")
  endif()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()
