"""Search and document routes: thin wrappers over :meth:`Brain.search` and :meth:`Brain.get_document`.

Validation (empty or over-long query, top_k range) happens in :class:`brain.types.SearchRequest`; failures
become 422 problem+json bodies in ``brain.api.problems``, unknown documents 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from brain.api.deps import get_brain, run_compute
from brain.requests import DocumentRequest
from brain.service import Brain
from brain.types import Document, SearchRequest, SearchResponse

router = APIRouter(tags=["search"])


@router.post("/v1/search", response_model=SearchResponse, summary="类案与法条检索（BM25 + 向量混合）")
async def search(request: SearchRequest, http: Request, brain: Brain = Depends(get_brain)) -> SearchResponse:
    return await run_compute(http, lambda: brain.search(request))


@router.get("/v1/documents/{doc_id:path}", response_model=Document, summary="按编号取回法条或案例全文")
async def get_document(doc_id: str, http: Request, brain: Brain = Depends(get_brain)) -> Document:
    return await run_compute(http, lambda: brain.get_document(DocumentRequest(doc_id=doc_id)))
