/* fuzz_anthropic.c - the Anthropic Messages adapter (src/llm/anthropic.c) on what a provider
 * sends back: streamed events, a whole answer, an error body. The checks are in
 * fuzz_adapter.h, shared with the other adapter's harness. */
#include "fuzz_adapter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_adapter(&llm_anthropic, data, size); }
