"""Mediator chat (调解助手): a LangGraph graph answering with numbered, checked citations."""
