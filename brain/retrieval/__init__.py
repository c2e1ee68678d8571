"""Statute and precedent search: BM25 over jieba tokens, dense vectors in FAISS, rank fusion, versioned indices.

Entry point: :class:`brain.retrieval.service.RetrievalService` (behind :class:`brain.service.Brain`).
"""
