# llama.cpp, the in-process inference engine (and llama-server / llama-bench for tests and benchmarks).
#
# Debian 12 does not package llama.cpp, so scripts/fetch-llama.sh takes its source from the npm
# package node-llama-cpp (pinned version, pinned tarball sha256, pinned llama.cpp commit) into a
# cache folder outside the repository (default ~/.cache/sceval/llama). Nothing of llama.cpp is
# committed. See docs/llama-build.md.
#
# Provides:
#   sceval::llama             INTERFACE target: links llama + llama-common (llama.cpp's "common" library:
#                             chat templates / Jinja, sampling, JSON-schema-to-grammar); include dirs
#                             are SYSTEM, so sceval's warning flags do not fire on llama.cpp headers
#   sceval_llama_tools        custom target that builds llama-server and llama-bench
#   SCEVAL_LLAMA_SERVER       cache: path of the llama-server binary (after building sceval_llama_tools)
#   SCEVAL_LLAMA_BENCH        cache: path of the llama-bench binary
#   SCEVAL_LLAMA_COMMIT       cache: full llama.cpp commit hash (for version reporting)
#   SCEVAL_LLAMA_SOURCE_DIR   cache: where the llama.cpp source is
include_guard(GLOBAL)

set(SCEVAL_CACHE_DIR "" CACHE PATH
    "Root of sceval's download cache; llama.cpp goes to <dir>/llama (empty: $ENV{SCEVAL_CACHE_DIR} or ~/.cache/sceval)")
set(SCEVAL_LLAMA_TARBALL "" CACHE FILEPATH
    "node-llama-cpp-3.22.1.tgz obtained by hand; used instead of running npm pack")
option(SCEVAL_LLAMA_NATIVE "Build llama.cpp for this machine's CPU only (-march=native); OFF = portable x86-64-v3 build" OFF)

set(_sceval_fetch_llama "${CMAKE_CURRENT_LIST_DIR}/../scripts/fetch-llama.sh")
cmake_path(NORMAL_PATH _sceval_fetch_llama)
# Re-run configure when the pin in the script changes.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_sceval_fetch_llama}")

find_program(SCEVAL_BASH bash)
if(NOT SCEVAL_BASH)
  message(FATAL_ERROR "sceval needs bash to run scripts/fetch-llama.sh (or configure with -DSCEVAL_WITH_LLAMA=OFF)")
endif()

set(_sceval_fetch_env "")
if(SCEVAL_LLAMA_TARBALL)
  list(APPEND _sceval_fetch_env "SCEVAL_LLAMA_TARBALL=${SCEVAL_LLAMA_TARBALL}")
endif()
set(_sceval_fetch_args "")
if(SCEVAL_CACHE_DIR)
  list(APPEND _sceval_fetch_args --cache-dir "${SCEVAL_CACHE_DIR}")
endif()

message(STATUS "llama.cpp: scripts/fetch-llama.sh (reuses the cached checkout; otherwise npm pack node-llama-cpp@3.22.1, ~35 MB)")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env ${_sceval_fetch_env}
          "${SCEVAL_BASH}" "${_sceval_fetch_llama}" ${_sceval_fetch_args}
  WORKING_DIRECTORY "${CMAKE_BINARY_DIR}"
  RESULT_VARIABLE _sceval_fetch_rc
  OUTPUT_VARIABLE _sceval_fetch_out
  ERROR_VARIABLE _sceval_fetch_err)
string(STRIP "${_sceval_fetch_err}" _sceval_fetch_err)
if(NOT _sceval_fetch_rc EQUAL 0)
  message(FATAL_ERROR
    "Could not obtain the llama.cpp source (scripts/fetch-llama.sh exited with ${_sceval_fetch_rc}):\n"
    "${_sceval_fetch_err}\n"
    "See docs/llama-build.md, or configure with -DSCEVAL_WITH_LLAMA=OFF to build without llama.cpp.")
endif()
if(_sceval_fetch_err)
  string(REPLACE "\n" "\n   " _sceval_fetch_err "${_sceval_fetch_err}")
  message(STATUS "   ${_sceval_fetch_err}")
endif()
# The last stdout line is the source directory.
string(STRIP "${_sceval_fetch_out}" _sceval_fetch_out)
string(REGEX REPLACE "^.*\n" "" _sceval_llama_src "${_sceval_fetch_out}")
if(NOT EXISTS "${_sceval_llama_src}/CMakeLists.txt" OR NOT EXISTS "${_sceval_llama_src}/include/llama.h")
  message(FATAL_ERROR "scripts/fetch-llama.sh reported '${_sceval_llama_src}', which is not a llama.cpp source tree")
endif()

find_package(Git QUIET)
if(NOT GIT_EXECUTABLE)
  message(FATAL_ERROR "sceval needs git to build llama.cpp (apt-get install -y git)")
endif()
execute_process(
  COMMAND "${GIT_EXECUTABLE}" -C "${_sceval_llama_src}" rev-parse HEAD
  RESULT_VARIABLE _sceval_git_rc
  OUTPUT_VARIABLE _sceval_llama_commit
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _sceval_git_rc EQUAL 0 OR NOT _sceval_llama_commit MATCHES "^[0-9a-f]+$")
  message(FATAL_ERROR "cannot read the llama.cpp commit of ${_sceval_llama_src}")
endif()
set(SCEVAL_LLAMA_COMMIT "${_sceval_llama_commit}" CACHE STRING "llama.cpp commit sceval is built with (set by cmake/Llama.cmake)" FORCE)
set(SCEVAL_LLAMA_SOURCE_DIR "${_sceval_llama_src}" CACHE PATH "llama.cpp source directory (set by cmake/Llama.cmake)" FORCE)
mark_as_advanced(SCEVAL_LLAMA_COMMIT SCEVAL_LLAMA_SOURCE_DIR)
message(STATUS "llama.cpp: commit ${SCEVAL_LLAMA_COMMIT} in ${SCEVAL_LLAMA_SOURCE_DIR}")

# llama.cpp's options are set as normal variables inside this function, so they reach llama.cpp's
# option() calls (policy CMP0077) but do not leak into sceval's own scope (BUILD_SHARED_LIBS,
# CMAKE_CXX_STANDARD, ...). sceval's warning and sanitizer flags live on the sceval_compile_flags target
# and are therefore not applied to llama.cpp either.
function(_sceval_add_llama_cpp src)
  set(CMAKE_POLICY_DEFAULT_CMP0077 NEW)
  set(BUILD_SHARED_LIBS OFF)           # static: one self-contained sceval binary, no rpath games
  set(CMAKE_CXX_STANDARD 17)           # what upstream builds with (sceval itself is C++20)
  set(CMAKE_CXX_STANDARD_REQUIRED ON)

  # ggml: CPU backend only, portable build
  set(GGML_NATIVE ${SCEVAL_LLAMA_NATIVE})
  set(GGML_CPU ON)
  set(GGML_BACKEND_DL OFF)
  set(GGML_CPU_ALL_VARIANTS OFF)
  foreach(_backend BLAS CUDA HIP MUSA METAL VULKAN SYCL OPENCL WEBGPU RPC CANN ZDNN ZENDNN
                   VIRTGPU HEXAGON OPENVINO ET)
    set(GGML_${_backend} OFF)
  endforeach()
  set(GGML_OPENMP_FETCH OFF)           # never download LLVM OpenMP; GCC's libgomp is used if found
  set(GGML_CCACHE OFF)                 # sceval's CMAKE_<LANG>_COMPILER_LAUNCHER already uses ccache

  # llama.cpp
  set(LLAMA_BUILD_COMMON ON)           # llama-common: chat templates (Jinja), sampling, grammars
  set(LLAMA_BUILD_TOOLS ON)            # tools/: llama-bench, and (with LLAMA_BUILD_SERVER) llama-server
  set(LLAMA_BUILD_SERVER ON)
  set(LLAMA_BUILD_TESTS OFF)
  set(LLAMA_BUILD_EXAMPLES OFF)
  set(LLAMA_BUILD_APP OFF)             # the unified "llama" binary; not needed
  set(LLAMA_BUILD_MTMD OFF)            # (mtmd is built anyway as a dependency of llama-server)
  set(LLAMA_BUILD_UI OFF)              # no npm build of the server's web UI
  set(LLAMA_USE_PREBUILT_UI OFF)       # no download of the prebuilt web UI from Hugging Face
  set(LLAMA_CURL OFF)                  # deprecated at this commit (ignored when OFF)
  set(LLAMA_OPENSSL OFF)               # no HTTPS: sceval never lets llama.cpp download models
  set(LLAMA_BUILD_BORINGSSL OFF)
  set(LLAMA_BUILD_LIBRESSL OFF)
  set(LLAMA_LLGUIDANCE OFF)            # would need cargo + network
  set(LLAMA_ALL_WARNINGS OFF)          # keep the build log for sceval's own warnings
  set(LLAMA_FATAL_WARNINGS OFF)
  set(LLAMA_TOOLS_INSTALL OFF)
  set(LLAMA_TESTS_INSTALL OFF)

  add_subdirectory("${src}" "${CMAKE_BINARY_DIR}/llama.cpp" EXCLUDE_FROM_ALL SYSTEM)
endfunction()
_sceval_add_llama_cpp("${SCEVAL_LLAMA_SOURCE_DIR}")

foreach(_t llama llama-common llama-server llama-bench)
  if(NOT TARGET ${_t})
    message(FATAL_ERROR "llama.cpp ${SCEVAL_LLAMA_COMMIT} did not define the target '${_t}'; cmake/Llama.cmake needs updating for this commit")
  endif()
endforeach()

# sceval::llama. llama-common is linked with $<LINK_ONLY:...> and its include directory is added by
# hand: its public usage requirements would otherwise put llama.cpp's vendored nlohmann/json 3.12
# (vendor/nlohmann) in front of Debian's nlohmann-json 3.11 that the rest of sceval uses, and the
# two versions have different ABI namespaces (link errors). No llama.cpp common/*.h header includes
# nlohmann, so nothing needs it.
add_library(sceval_llama INTERFACE)
target_link_libraries(sceval_llama INTERFACE llama "$<LINK_ONLY:llama-common>")
target_include_directories(sceval_llama SYSTEM INTERFACE "${SCEVAL_LLAMA_SOURCE_DIR}/common")
target_compile_definitions(sceval_llama INTERFACE "$<TARGET_PROPERTY:llama-common,INTERFACE_COMPILE_DEFINITIONS>")
add_library(sceval::llama ALIAS sceval_llama)

add_custom_target(sceval_llama_tools)
add_dependencies(sceval_llama_tools llama-server llama-bench)

function(_sceval_llama_binary_path target out_var)
  get_target_property(_dir ${target} RUNTIME_OUTPUT_DIRECTORY)
  if(NOT _dir)
    get_target_property(_dir ${target} BINARY_DIR)
  endif()
  get_target_property(_name ${target} OUTPUT_NAME)
  if(NOT _name)
    set(_name ${target})
  endif()
  set(${out_var} "${_dir}/${_name}${CMAKE_EXECUTABLE_SUFFIX}" PARENT_SCOPE)
endfunction()
_sceval_llama_binary_path(llama-server _sceval_server)
_sceval_llama_binary_path(llama-bench _sceval_bench)
set(SCEVAL_LLAMA_SERVER "${_sceval_server}" CACHE FILEPATH "llama-server binary (built by target sceval_llama_tools)" FORCE)
set(SCEVAL_LLAMA_BENCH "${_sceval_bench}" CACHE FILEPATH "llama-bench binary (built by target sceval_llama_tools)" FORCE)
mark_as_advanced(SCEVAL_LLAMA_SERVER SCEVAL_LLAMA_BENCH)
message(STATUS "llama.cpp: llama-server -> ${SCEVAL_LLAMA_SERVER}, llama-bench -> ${SCEVAL_LLAMA_BENCH} (target sceval_llama_tools)")
