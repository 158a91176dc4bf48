#pragma once
// Helpers shared by the tests: small tasks built in code, random grids and label maps. They live in
// the sceval_testing library (tests/support/synthetic.h), which the benchmarks use too.
#include "support/synthetic.h"
