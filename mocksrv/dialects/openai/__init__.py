"""OpenAI: Chat Completions and Responses, their shared errors and the Responses wire helpers."""
