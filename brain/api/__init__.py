"""HTTP surface. ``app.py`` composes it; ``routes/`` holds thin routers that call the :class:`Brain` facade;
``problems.py`` maps :class:`brain.errors.BrainError` to RFC 9457 problem+json bodies."""
