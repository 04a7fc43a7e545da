# Converts docs/api/openapi.yaml to JSON at build time (Debian's python3-yaml) and compiles it
# into the binary, so `GET /api/v1/openapi.json` serves exactly the documented file.
function(linli_embed_openapi target yaml)
  find_program(LINLI_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(NOT LINLI_PYTHON3)
    find_program(LINLI_PYTHON3 NAMES python3 REQUIRED)
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/generated/openapi_embedded.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${LINLI_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/openapi-embed.py ${yaml} ${out}
    DEPENDS ${yaml} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/openapi-embed.py
    COMMENT "Embedding docs/api/openapi.yaml as JSON")
  target_sources(${target} PRIVATE ${out})
endfunction()
