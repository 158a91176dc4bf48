# The simulatability tests (tests/test_simulate*.cpp): their own program, sceval_simulate_tests, so
# they build without the whole of sceval_tests. The glob of tests/CMakeLists.txt also finds them:
# they are taken out of sceval_tests here, so each is compiled once.
get_target_property(_sceval_test_sources sceval_tests SOURCES)
list(FILTER _sceval_test_sources EXCLUDE REGEX "/test_simulate[^/]*\\.cpp$")
set_property(TARGET sceval_tests PROPERTY SOURCES ${_sceval_test_sources})
file(GLOB SCEVAL_SIMULATE_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test_simulate*.cpp)
add_executable(sceval_simulate_tests ${SCEVAL_SIMULATE_TEST_SOURCES})
target_link_libraries(sceval_simulate_tests PRIVATE sceval_simulate sceval_experiment sceval_llm_cache SQLite::SQLite3
                                                    sceval_results sceval_metrics sceval_parse sceval_grid sceval_task
                                                    GTest::gtest_main)
target_compile_definitions(sceval_simulate_tests PRIVATE SCEVAL_TEST_DATA="${CMAKE_CURRENT_SOURCE_DIR}/data")
target_include_directories(sceval_simulate_tests PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src
                                                         ${CMAKE_CURRENT_SOURCE_DIR})
gtest_discover_tests(sceval_simulate_tests DISCOVERY_TIMEOUT 60)

# The command line end to end (tests/e2e/simulate_cli.sh): a stub OpenAI-compatible observer.
add_test(NAME e2e_simulate_cli
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/simulate_cli.sh $<TARGET_FILE:sceval> ${PROJECT_SOURCE_DIR}
                 ${CMAKE_CURRENT_BINARY_DIR}/e2e-simulate-cli)
set_tests_properties(e2e_simulate_cli PROPERTIES LABELS e2e TIMEOUT 300)
