# Text audits (src/text, docs/text.md): their own test program, so the module's tests build alone.
# test_*.cpp are globbed into sceval_tests as well: it needs the module too.
target_link_libraries(sceval_tests PRIVATE sceval_text)
add_executable(sceval_text_tests ${CMAKE_CURRENT_SOURCE_DIR}/test_text_edit.cpp ${CMAKE_CURRENT_SOURCE_DIR}/test_text_run.cpp)
target_link_libraries(sceval_text_tests PRIVATE sceval_text sceval_experiment sceval_llm_core GTest::gtest_main)
target_compile_definitions(sceval_text_tests PRIVATE SCEVAL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
target_include_directories(sceval_text_tests PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(sceval_text_tests TEST_PREFIX "text." DISCOVERY_TIMEOUT 60)
sceval_cli_test(cli_text_tasks_listed EXIT 0 STDOUT "reviews +200 items" ARGS "tasks -l")
add_test(NAME e2e_text_cli
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/text_cli.sh $<TARGET_FILE:sceval> ${PROJECT_SOURCE_DIR}
                 ${CMAKE_CURRENT_BINARY_DIR}/e2e-text-cli)
set_tests_properties(e2e_text_cli PROPERTIES LABELS e2e TIMEOUT 300)
