# Eigen and nlohmann/json, the core's only dependencies, as targets tandem::eigen and tandem::json.
#
# Natively find_package works. Under Emscripten the toolchain file roots every search in its
# sysroot and adding /usr/include would leak glibc headers into the wasm build, so the two
# header-only libraries are found with NO_CMAKE_FIND_ROOT_PATH and nlohmann is staged alone into a
# build-tree folder (docs/building.md, Emscripten 2).
add_library(tandem_eigen INTERFACE)
add_library(tandem::eigen ALIAS tandem_eigen)
add_library(tandem_json INTERFACE)
add_library(tandem::json ALIAS tandem_json)

if(EMSCRIPTEN)
  find_path(TANDEM_EIGEN_DIR Eigen/Core PATHS /usr/include/eigen3 NO_CMAKE_FIND_ROOT_PATH NO_DEFAULT_PATH)
  find_path(TANDEM_JSON_DIR nlohmann/json.hpp PATHS /usr/include NO_CMAKE_FIND_ROOT_PATH NO_DEFAULT_PATH)
  if(NOT TANDEM_EIGEN_DIR OR NOT TANDEM_JSON_DIR)
    message(FATAL_ERROR "Eigen or nlohmann/json not found: run scripts/setup.sh")
  endif()
  set(staged ${CMAKE_BINARY_DIR}/deps-include)
  file(MAKE_DIRECTORY ${staged})
  if(NOT EXISTS ${staged}/nlohmann)
    file(CREATE_LINK ${TANDEM_JSON_DIR}/nlohmann ${staged}/nlohmann SYMBOLIC)
  endif()
  target_include_directories(tandem_eigen SYSTEM INTERFACE ${TANDEM_EIGEN_DIR})
  target_include_directories(tandem_json SYSTEM INTERFACE ${staged})
else()
  find_package(Eigen3 3.3 REQUIRED NO_MODULE)
  find_package(nlohmann_json 3.10 REQUIRED)
  target_link_libraries(tandem_eigen INTERFACE Eigen3::Eigen)
  target_link_libraries(tandem_json INTERFACE nlohmann_json::nlohmann_json)
endif()
# The core never needs Eigen's exceptions-or-abort asserts in release builds.
target_compile_definitions(tandem_eigen INTERFACE $<$<CONFIG:Release>:EIGEN_NO_DEBUG>)
