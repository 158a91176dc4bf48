#pragma once
// Message and Conversation are public (include/sceval/message.h).
#include "sceval/message.h"
