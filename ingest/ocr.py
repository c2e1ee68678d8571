"""OCR back ends and reading order.

RapidOCR is the default: ``rapidocr_onnxruntime`` ships the PP-OCRv4 detection/recognition models as ONNX
inside the wheel, so it runs offline on a fresh machine. PaddleOCR is the production option; it is imported
only when chosen, and only with local model directories, because on its own it downloads models at first use
and fails (or leaks traffic) on an offline government network.

Both return boxes; :func:`boxes_to_text` puts them in reading order (top-to-bottom lines, left-to-right
within a line), which the back ends themselves do not guarantee for skewed or multi-column scans.
"""

from __future__ import annotations

import io
import itertools
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ingest.errors import IngestFileError, OcrUnavailableError


@dataclass(frozen=True)
class OcrBox:
    """One recognised text line fragment; coordinates in image pixels."""

    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)

    @classmethod
    def from_polygon(cls, points: Any, text: str, score: float) -> OcrBox:
        pts = np.asarray(points, dtype=float).reshape(-1, 2)
        return cls(text, float(score), pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max())


class OcrEngine(Protocol):
    """What the loaders need from an OCR back end: boxes for one BGR image (H x W x 3, uint8)."""

    name: str

    def recognize(self, image: np.ndarray) -> list[OcrBox]: ...


def boxes_to_text(boxes: list[OcrBox]) -> str:
    """Group boxes into lines and lines into text.

    A box joins the current line when it overlaps the line vertically by at least half the smaller height;
    lines are then read left to right. Fragments of one line are glued without a space (Chinese has none),
    except across a gap wider than two character heights (table cells, columns), which gets a space.
    """
    lines: list[list[OcrBox]] = []
    for box in sorted(boxes, key=lambda b: (b.y0 + b.y1) / 2):
        if lines:
            line = lines[-1]
            top = min(b.y0 for b in line)
            bottom = max(b.y1 for b in line)
            overlap = min(bottom, box.y1) - max(top, box.y0)
            if overlap >= 0.5 * min(box.height, bottom - top):
                line.append(box)
                continue
        lines.append([box])

    out: list[str] = []
    for line in lines:
        line.sort(key=lambda b: b.x0)
        parts = [line[0].text]
        for prev, cur in itertools.pairwise(line):
            gap = cur.x0 - prev.x1
            parts.append((" " if gap > 2 * max(prev.height, cur.height) else "") + cur.text)
        out.append("".join(parts).strip())
    return "\n".join(t for t in out if t)


class RapidOcrEngine:
    """PP-OCRv4 through onnxruntime. The model loads on first use (about a second), then stays."""

    name = "rapidocr"

    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads or int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or -1
        self._ocr: Any = None
        self._lock = threading.Lock()

    def _engine(self) -> Any:
        with self._lock:
            if self._ocr is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR
                except ImportError as e:
                    raise OcrUnavailableError(
                        "未安装 OCR 组件 rapidocr-onnxruntime，无法识别图片或扫描件",
                        hint="pip install rapidocr-onnxruntime（模型随安装包提供，无需联网下载）",
                    ) from e
                self._ocr = RapidOCR(intra_op_num_threads=self._threads, inter_op_num_threads=1)
            return self._ocr

    def recognize(self, image: np.ndarray) -> list[OcrBox]:
        engine = self._engine()
        with self._lock:  # one onnxruntime session; calls are serialised rather than oversubscribing cores
            result, _elapsed = engine(image)
        return [OcrBox.from_polygon(box, text, score) for box, text, score in (result or [])]


class PaddleOcrEngine:
    """PaddleOCR 3.x with local model directories ``<model_dir>/det`` and ``<model_dir>/rec``.

    Refuses to start without them: PaddleOCR would otherwise fetch models from the internet.
    """

    name = "paddleocr"

    def __init__(self, model_dir: Path | None) -> None:
        if model_dir is None:
            raise OcrUnavailableError(
                "已选择 PaddleOCR，但未配置本地模型目录（ocr.paddle_model_dir）；为避免联网下载模型，拒绝启动",
                hint="把 PP-OCR 检测、识别模型放在 <目录>/det 与 <目录>/rec，并设置 ocr.paddle_model_dir，"
                "或改用 ocr.backend: rapidocr",
            )
        missing = [sub for sub in ("det", "rec") if not (Path(model_dir) / sub).is_dir()]
        if missing:
            raise OcrUnavailableError(
                f"PaddleOCR 模型目录 {model_dir} 缺少子目录：{'、'.join(missing)}",
                hint="目录结构应为 <目录>/det（文本检测模型）与 <目录>/rec（文本识别模型）",
            )
        self._dir = Path(model_dir)
        self._ocr: Any = None
        self._lock = threading.Lock()

    def _engine(self) -> Any:
        with self._lock:
            if self._ocr is None:
                os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
                try:
                    from paddleocr import PaddleOCR
                except ImportError as e:
                    raise OcrUnavailableError(
                        "已选择 PaddleOCR，但未安装 paddleocr",
                        hint="pip install paddlepaddle paddleocr，或改用 ocr.backend: rapidocr",
                    ) from e
                self._ocr = PaddleOCR(
                    text_detection_model_dir=str(self._dir / "det"),
                    text_recognition_model_dir=str(self._dir / "rec"),
                    use_doc_orientation_classify=False,  # these three would need more (downloaded) models
                    use_doc_unwarping=False,
                    use_textline_orientation=False,
                )
            return self._ocr

    def recognize(self, image: np.ndarray) -> list[OcrBox]:
        engine = self._engine()
        with self._lock:
            results = engine.predict(image)
        boxes: list[OcrBox] = []
        for res in results:
            data = res.json.get("res", res) if hasattr(res, "json") else res
            for poly, text, score in zip(
                data["rec_polys"], data["rec_texts"], data["rec_scores"], strict=False
            ):
                boxes.append(OcrBox.from_polygon(poly, text, score))
        return boxes


_ENGINES: dict[tuple[str, str | None], OcrEngine] = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(backend: str = "rapidocr", paddle_model_dir: Path | None = None) -> OcrEngine:
    """One engine per configuration per process: loading the models is the slow part."""
    key = (backend, str(paddle_model_dir) if paddle_model_dir else None)
    with _ENGINES_LOCK:
        if key not in _ENGINES:
            if backend == "rapidocr":
                _ENGINES[key] = RapidOcrEngine()
            elif backend == "paddleocr":
                _ENGINES[key] = PaddleOcrEngine(paddle_model_dir)
            else:
                raise OcrUnavailableError(
                    f"未知的 OCR 后端：{backend}", hint="ocr.backend 只能是 rapidocr 或 paddleocr"
                )
        return _ENGINES[key]


@dataclass(frozen=True)
class ImageLimits:
    """Caps checked *before* pixels are decoded: a 32 KB PNG can declare 12000 x 12000 pixels (0.5 GB once
    decoded), a 12 KB TIFF ten such frames. Every path that takes an image uses them (API OCR, UI, ingest)."""

    max_bytes: int = 2_000_000
    max_pixels: int = 25_000_000  # an A4 page at 400 dpi is 15.5 M
    max_frames: int = 5


DEFAULT_LIMITS = ImageLimits()


def decode_image(data: bytes, *, where: str, limits: ImageLimits | None = None) -> list[np.ndarray]:
    """Image bytes -> BGR arrays, one per frame (multi-page TIFF gives several). Transparent pixels become
    white, since scans and screenshots put dark text on a light page. Refuses (with a Chinese reason) a file,
    frame count or frame size over ``limits`` before decoding any pixels."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    lim = limits or DEFAULT_LIMITS
    if len(data) > lim.max_bytes:
        raise IngestFileError(
            f"图片文件过大（{where}：{len(data)} 字节，上限 {lim.max_bytes} 字节）",
            hint="请压缩图片或降低扫描分辨率（建议 200–300 dpi）后重新上传",
        )
    try:
        img = Image.open(io.BytesIO(data))  # reads the header only
        frames = []
        for n, frame in enumerate(ImageSequence.Iterator(img), start=1):
            if n > lim.max_frames:
                raise IngestFileError(
                    f"图片页数过多（{where}：超过 {lim.max_frames} 页）",
                    hint=f"请拆分为每份不超过 {lim.max_frames} 页后分别上传",
                )
            width, height = frame.size
            if width * height > lim.max_pixels:
                raise IngestFileError(
                    f"图片尺寸过大（{where}：第 {n} 页 {width}×{height} 像素，上限 {lim.max_pixels} 像素）",
                    hint="请降低扫描分辨率（建议 200–300 dpi）或缩小图片后重新上传",
                )
            if frame.mode in ("RGBA", "LA", "P"):
                rgba = frame.convert("RGBA")
                page = Image.new("RGB", rgba.size, (255, 255, 255))
                page.paste(rgba, mask=rgba.getchannel("A"))
            else:
                page = frame.convert("RGB")
            frames.append(np.ascontiguousarray(np.asarray(page)[:, :, ::-1]))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        raise IngestFileError(
            f"图片无法解码（{where}）：{e}",
            hint="确认文件是完整的 PNG/JPEG/BMP/TIFF/WebP 图片，可重新扫描或导出",
        ) from e
    return frames


def ocr_image(engine: OcrEngine, image: np.ndarray) -> str:
    return boxes_to_text(engine.recognize(image))
