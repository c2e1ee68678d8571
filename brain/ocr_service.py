"""OCR of an uploaded scan for the facade: the configured engine, behind the upload limits of ``settings.ocr``
(bytes, pixels per frame, frames — checked before any pixel is decoded, see :class:`ingest.ocr.ImageLimits`)."""

from __future__ import annotations

from brain.errors import InputError
from brain.requests import OcrRequest, OcrResult
from brain.settings import Settings
from ingest.errors import IngestFileError


def run_ocr(settings: Settings, request: OcrRequest) -> OcrResult:
    from ingest.ocr import ImageLimits, decode_image, get_engine, ocr_image

    o = settings.ocr
    limits = ImageLimits(max_bytes=o.max_upload_bytes, max_pixels=o.max_pixels, max_frames=o.max_frames)
    try:
        frames = decode_image(request.data, where=request.filename, limits=limits)
        engine = get_engine(o.backend, o.paddle_model_dir)
        text = "\n".join(ocr_image(engine, frame) for frame in frames)
    except IngestFileError as e:
        raise InputError(e.reason, where=request.filename, hint=e.hint) from e
    return OcrResult(text=text, filename=request.filename)
