# Vega, Vega-Lite and vega-embed browser builds for the HTML report (`sceval report`).
#
# scripts/fetch-vega.sh takes them from npm (pinned versions, pinned tarball sha256) into a cache
# folder outside the repository (default ~/.cache/sceval/vega); nothing of them is committed. The
# report module embeds them into the sceval binary (cmake/EmbedText.cmake).
#
# Provides: SCEVAL_VEGA_DIR (cache: folder with vega.min.js, vega-lite.min.js, vega-embed.min.js,
# <package>.LICENSE and VERSIONS).
include_guard(GLOBAL)

set(SCEVAL_VEGA_TARBALLS "" CACHE PATH "Folder with the pinned Vega npm tarballs obtained by hand; used instead of npm pack")
set(_sceval_fetch_vega "${CMAKE_CURRENT_LIST_DIR}/../scripts/fetch-vega.sh")
cmake_path(NORMAL_PATH _sceval_fetch_vega)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_sceval_fetch_vega}")

find_program(SCEVAL_BASH bash)
set(_env "")
if(SCEVAL_VEGA_TARBALLS)
  list(APPEND _env "SCEVAL_VEGA_TARBALLS=${SCEVAL_VEGA_TARBALLS}")
endif()
set(_args "")
if(SCEVAL_CACHE_DIR)
  list(APPEND _args --cache-dir "${SCEVAL_CACHE_DIR}")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env ${_env} "${SCEVAL_BASH}" "${_sceval_fetch_vega}" ${_args}
  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
string(STRIP "${_err}" _err)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "Could not obtain the Vega builds for the HTML report (scripts/fetch-vega.sh exited with ${_rc}):\n${_err}")
endif()
string(STRIP "${_out}" _out)
string(REGEX REPLACE "^.*\n" "" _dir "${_out}")
foreach(_f vega.min.js vega-lite.min.js vega-embed.min.js VERSIONS)
  if(NOT EXISTS "${_dir}/${_f}")
    message(FATAL_ERROR "scripts/fetch-vega.sh reported '${_dir}', which lacks ${_f}")
  endif()
endforeach()
set(SCEVAL_VEGA_DIR "${_dir}" CACHE PATH "Vega builds for the HTML report (set by cmake/Vega.cmake)" FORCE)
mark_as_advanced(SCEVAL_VEGA_DIR)
message(STATUS "Vega (HTML report): ${SCEVAL_VEGA_DIR}")
