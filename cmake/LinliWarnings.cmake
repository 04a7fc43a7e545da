# Warnings that catch real bugs; -Wswitch-enum makes an unmapped ErrorCode a warning.
function(linli_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local -Wswitch-enum
    -Wno-missing-field-initializers)
endfunction()
