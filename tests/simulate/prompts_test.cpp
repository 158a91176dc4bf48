// A simulate prompt file is refused when a template leaves out what it exists to show: the observer's
// question with an explanation but no {explanation} would make every gain 0 by construction.
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "simulate/prompts.h"

namespace sceval::simulate {
namespace {

TEST(SimulatePrompts, AQuestionWithoutTheExplanationIsRefused) {
  const std::string bad = std::string(SCEVAL_TEST_DATA) + "/simulate/no_explanation.prompts";
  try {
    load_prompts(bad);
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no_explanation.prompts: field \"observer_with\" must use {explanation}"),
              std::string::npos)
        << e.what();
  }
  // The bundled prompts use every field they must.
  EXPECT_NO_THROW(load_prompts(std::string(SCEVAL_SOURCE_DIR) + "/tasks/simulate/nsg.prompts"));
}

}  // namespace
}  // namespace sceval::simulate
