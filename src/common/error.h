#pragma once
// sceval::Error is public (include/sceval/error.h); modules include it through here.
#include "sceval/error.h"
