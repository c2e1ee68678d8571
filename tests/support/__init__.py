"""Test support: the tiny OpenAI-compatible model server and its pytest fixtures (see ``llm_fixtures``)."""
