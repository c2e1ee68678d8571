"""Files → clean text → documents and chunks with metadata (md/txt/jsonl/pdf/docx/images, OCR for scans).

Entry points: :func:`ingest.pipeline.ingest_paths` (files and folders into the document store, one result per
file), :class:`ingest.store.DocumentStore` (what the index builder reads) and
:func:`ingest.chunking.chunk_document`. This package knows nothing of indices and does not import ``brain``;
settings come in as arguments. See docs/ingest.md.
"""
