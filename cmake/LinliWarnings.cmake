# Warnings that catch real bugs; -Wswitch-enum makes an unmapped ErrorCode a warning.
# -Wshadow=local is GCC's (clang, used for the sanitizer tree, has no such level).
function(linli_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local>
    -Wswitch-enum -Wno-missing-field-initializers)
endfunction()
