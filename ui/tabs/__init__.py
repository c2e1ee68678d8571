"""One module per UI tab; each exposes ``build(client, ...)`` called inside its ``gr.Tab``."""
