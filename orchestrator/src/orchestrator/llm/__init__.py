"""Language-model adapters behind one `LLM` protocol (see `llm.base`)."""
