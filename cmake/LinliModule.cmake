# linli_module(NAME SOURCES a.cpp b.cpp DEPENDS lib...) — a static library linli_NAME for one
# capability folder under src/modules/NAME (model, repository, service, routes, json).
function(linli_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
  add_library(linli_${name} STATIC ${ARG_SOURCES})
  target_link_libraries(linli_${name} PUBLIC linli_core ${ARG_DEPENDS})
  linli_warnings(linli_${name})
endfunction()
