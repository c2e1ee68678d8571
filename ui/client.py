"""What the UI needs from the service, and the two ways to get it.

``ui/`` imports nothing from ``brain/``: it is handed a :class:`BrainClient`. ``brain.api.ui_client.FacadeClient``
wraps the in-process ``Brain`` facade (when the UI is mounted in the API server, no HTTP hop); :class:`HttpClient`
talks to a running API server (``python -m ui --url ...``). Both return plain JSON-like dicts, so the UI code
is the same either way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

REPORT_SUFFIXES = (".json", ".html")


class BrainClient(Protocol):
    def chat(self, thread_id: str | None, message: str) -> Iterator[dict[str, Any]]:
        """Events ``{"event": meta|delta|reset|sources|done, "data": {...}}`` as the answer is produced."""
        ...

    def chat_history(self, thread_id: str) -> list[dict[str, Any]]:
        """The thread's turns ``{"role", "content", "sources", "flags"}``, oldest first."""
        ...

    def get_document(self, doc_id: str) -> dict[str, Any]: ...

    def intake(self, text: str) -> dict[str, Any]: ...

    def intake_image(self, data: bytes, filename: str) -> dict[str, Any]:
        """OCR a scanned complaint, then intake; the result carries the recognised text as ``ocr_text``."""
        ...

    def draft_agreement(self, request: dict[str, Any]) -> dict[str, Any]: ...

    def export_agreement(self, agreement: dict[str, Any], fmt: str) -> bytes: ...

    def latest_report(self) -> dict[str, Any] | None:
        """The newest evaluation report: ``{"path", "name", "json" | "html"}``; None when none exists."""
        ...

    # the case ledger (台账): the same shapes as GET/POST /v1/cases…
    def list_cases(self, params: dict[str, Any]) -> dict[str, Any]: ...

    def get_case(self, case_id: int) -> dict[str, Any]: ...

    def case_event(self, case_id: int, body: dict[str, Any]) -> dict[str, Any]: ...

    def list_alerts(self, params: dict[str, Any]) -> dict[str, Any]: ...


class UIError(Exception):
    """A failed call, with the service's Chinese message; the UI shows it instead of a stack trace."""


def _plain(obj: Any) -> Any:
    """Pydantic models (facade results) -> JSON-like dicts, the same shape the HTTP API returns."""
    dump = getattr(obj, "model_dump", None)
    if dump is not None:
        return dump(mode="json")
    if isinstance(obj, list):
        return [_plain(x) for x in obj]
    return obj


def newest_report(reports_dir: Path) -> dict[str, Any] | None:
    """Pick the most recently written report file; a JSON twin of an HTML report is read as well."""
    if not reports_dir.is_dir():
        return None
    files = [p for p in reports_dir.rglob("*") if p.suffix in REPORT_SUFFIXES and p.is_file()]
    if not files:
        return None
    newest = max(files, key=lambda p: p.stat().st_mtime)
    out: dict[str, Any] = {"path": str(newest), "name": newest.parent.name + "/" + newest.name}
    for p in (newest.with_suffix(".json"), newest.with_suffix(".html")):
        if p.is_file():
            try:
                out[p.suffix[1:]] = (
                    json.loads(p.read_text("utf-8")) if p.suffix == ".json" else p.read_text("utf-8")
                )
            except (OSError, ValueError) as e:
                out["error"] = f"报告文件无法读取：{p.name}（{e}）"
    return out


def ocr_bytes(data: bytes, filename: str, backend: str = "rapidocr") -> str:
    """Recognise the text of an uploaded scan with the ingest package's OCR (one engine per process)."""
    from ingest.ocr import decode_image, get_engine, ocr_image

    engine = get_engine(backend)
    return "\n".join(ocr_image(engine, frame) for frame in decode_image(data, where=filename))


class HttpClient:
    """Client of a running API server (the UI run alone). ``reports_dir`` is read locally: reports are files."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        reports_dir: Path | None = None,
        timeout_s: float = 120,
    ) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s)
        self.reports_dir = reports_dir or Path("var/reports")
        from ui.tabs.analysis import HttpAnalysisClient

        self.analysis = HttpAnalysisClient(self._http)  # the 态势研判 tab

    @staticmethod
    def _check(resp: Any) -> Any:
        if resp.status_code >= 400:
            try:
                detail = resp.json().get("detail", resp.text)
            except ValueError:
                detail = resp.text
            raise UIError(f"服务返回 {resp.status_code}：{detail}")
        return resp

    def chat(self, thread_id: str | None, message: str) -> Iterator[dict[str, Any]]:
        body = {"message": message, "thread_id": thread_id or None}
        with self._http.stream("POST", "/v1/chat", json=body) as resp:
            if resp.status_code >= 400:
                resp.read()
                self._check(resp)
            event = "message"
            for line in resp.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    yield {"event": event, "data": json.loads(line[5:].strip())}

    def chat_history(self, thread_id: str) -> list[dict[str, Any]]:
        from urllib.parse import quote

        return list(self._check(self._http.get(f"/v1/chat/{quote(thread_id)}")).json()["turns"])

    def get_document(self, doc_id: str) -> dict[str, Any]:
        from urllib.parse import quote

        return dict(self._check(self._http.get(f"/v1/documents/{quote(doc_id)}")).json())

    def intake(self, text: str) -> dict[str, Any]:
        return dict(self._check(self._http.post("/v1/intake", json={"text": text})).json())

    def intake_image(self, data: bytes, filename: str) -> dict[str, Any]:
        """The API takes text, so the scan is recognised here with the same OCR package the service uses."""
        try:
            text = ocr_bytes(data, filename)
        except Exception as e:  # ingest's errors carry a Chinese message
            raise UIError(str(e)) from e
        if not text.strip():
            raise UIError(f"未能从图片中识别出文字（{filename}）：请上传更清晰的扫描件，或直接粘贴文字")
        result = self.intake(text)
        result["ocr_text"] = text
        return result

    def draft_agreement(self, request: dict[str, Any]) -> dict[str, Any]:
        return dict(self._check(self._http.post("/v1/agreements/draft", json=request)).json())

    def export_agreement(self, agreement: dict[str, Any], fmt: str) -> bytes:
        resp = self._http.post("/v1/agreements/export", params={"format": fmt}, json=agreement)
        return bytes(self._check(resp).content)

    def latest_report(self) -> dict[str, Any] | None:
        return newest_report(self.reports_dir)

    def list_cases(self, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self._check(self._http.get("/v1/cases", params=params)).json())

    def get_case(self, case_id: int) -> dict[str, Any]:
        return dict(self._check(self._http.get(f"/v1/cases/{int(case_id)}")).json())

    def case_event(self, case_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._check(self._http.post(f"/v1/cases/{int(case_id)}/events", json=body)).json())

    def list_alerts(self, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self._check(self._http.get("/v1/alerts", params=params)).json())
