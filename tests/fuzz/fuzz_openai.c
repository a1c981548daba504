/* fuzz_openai.c - the OpenAI adapters (src/llm/openai.c) on what a provider sends
 * back: streamed events, a whole answer, an error body; the chat-completions
 * adapter and the raw one of other endpoints (/embeddings) on the same bytes. The
 * checks are in fuzz_adapter.h, shared with the other adapter's harness. */
#include "fuzz_adapter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_adapter(&llm_openai_raw, data, size);
	return fuzz_adapter(&llm_openai, data, size);
}
