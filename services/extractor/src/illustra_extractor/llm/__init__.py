"""LLM extraction through an OpenAI-compatible API (DeepSeek): prompts, calls, validation, grounding against the
OCR text, reconciliation with the rules engine, chunking of long documents, masking of personal data, caching."""
