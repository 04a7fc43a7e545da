# The sanitizer and fuzzing builds (docs/testing.md).
#
# LINLI_SANITIZE: AddressSanitizer + UndefinedBehaviorSanitizer over everything (scripts/test runs the
# unit and integration tests in such a tree). Any UB report aborts (-fno-sanitize-recover), so a test
# that triggers one fails. -O1 and line tables only, whatever the build type: fast enough to run the
# tests, readable stacks, and far less to compile and link than -O0 -g.
#
# LINLI_FUZZ (clang only; implies LINLI_SANITIZE): also instruments everything for libFuzzer's
# coverage and builds the fuzz/ targets as libFuzzer binaries. The same tree runs the sanitized tests,
# so one extra tree serves both.
option(LINLI_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(LINLI_FUZZ "Build the libFuzzer targets in fuzz/ (needs clang; implies LINLI_SANITIZE)" OFF)

if(LINLI_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "LINLI_FUZZ needs clang: configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  set(LINLI_SANITIZE ON CACHE BOOL "Build with AddressSanitizer and UndefinedBehaviorSanitizer" FORCE)
endif()

if(LINLI_SANITIZE)
  # -fno-sanitize=function: clang 14's check of indirect calls emits, for Beast's and Asio's
  # templates in http/server.cpp, a prologue that the assembler rejects ("Cannot represent a
  # difference across sections"); every other UBSan check stays on.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize=function -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer -O1 -g1)
  add_link_options(-fsanitize=address,undefined)
  if(LINLI_FUZZ)
    add_compile_options(-fsanitize=fuzzer-no-link)
  endif()
endif()
