"""One settings object for the whole service.

Sources, highest first: explicit arguments, environment variables (``BRAIN_...``, nested with ``__``, e.g.
``BRAIN_LLM__BASE_URL``), the YAML profile ``configs/<profile>.yaml`` (profile from ``BRAIN_PROFILE``,
default ``default``). Invalid values fail at start-up with the key and the reason (:class:`ConfigError`).
Default secrets are refused outside a development profile.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from brain.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = Path(os.environ.get("BRAIN_CONFIG_DIR", REPO_ROOT / "configs"))
DEFAULT_SECRET = "change-me"
DEV_PROFILES = {"default", "test", "dev"}


class RetrievalSettings(BaseModel):
    index_dir: Path = Field(
        default=Path("var/index"), description="holds versioned index directories + CURRENT"
    )
    embedder: str = Field(
        default="builtin", description="'builtin' (shipped static model) or a local model dir"
    )
    fusion: Literal["rrf", "weighted", "learned"] = Field(
        default="weighted",
        description="'learned': logistic regression trained on STARD train (docs/retrieval.md)",
    )
    fusion_weights: Path = Field(
        default=REPO_ROOT / "data" / "library" / "fusion_stard.json",
        description="weights of the learned fusion",
    )
    rrf_k: int = Field(default=60, ge=1)
    dense_weight: float = Field(default=0.3, ge=0, le=1)
    candidates: int = Field(default=100, ge=10, le=2000, description="per-retriever candidates before fusion")
    hnsw_threshold: int = Field(default=50_000, ge=1, description="exact FAISS search below, HNSW above")
    reranker: str | None = Field(default=None, description="optional cross-encoder model dir")
    chunk_chars: int = Field(default=400, ge=50, le=4000)
    chunk_overlap: int = Field(default=80, ge=0, le=1000)
    corpus: Literal["library", "demo"] = Field(
        default="library",
        description="'library': the whole national library (data/library) + cases; 'demo': the 33-law demo corpus",
    )
    as_of: date | None = Field(default=None, description="in-force date for statute versions; empty = today")
    region: str | None = Field(
        default=None,
        description="the centre's province (e.g. 浙江): its local regulations rank beside national ones",
    )
    expansions: bool = Field(
        default=True, description="index statute articles with the STARD train questions that cite them"
    )
    question_weight: float = Field(
        default=0.5, ge=0, le=5, description="hybrid: weight of the question index (STARD train questions)"
    )


class GraphSettings(BaseModel):
    uri: str = Field(
        default="embedded", description="'embedded' starts ArcadeDB on loopback; bolt:// = Neo4j"
    )
    user: str = "root"
    password: SecretStr = SecretStr("fengqiao-dev")
    database: str = "fengqiao"
    data_dir: Path = Path("var/graph")
    bolt_port: int = Field(default=7687, ge=1, le=65535)
    http_port: int = Field(default=2480, ge=1, le=65535)
    start_timeout_s: float = Field(default=90, gt=0)
    required: bool = Field(default=False, description="fail start-up if the graph is unreachable")
    cache_check_s: float = Field(
        default=2.0, ge=0, description="seed-version check period of GraphService's cache; 0 = no cache"
    )
    retry_s: float = Field(
        default=3.0,
        ge=0,
        description="while the graph is unreachable, request-path calls fail fast and re-probe at most this "
        "often (status() always probes); 0 = try on every call",
    )


class LLMSettings(BaseModel):
    backend: Literal["none", "openai"] = Field(default="none", description="none = deterministic mode")
    base_url: str = "http://127.0.0.1:8001/v1"
    model: str = "deepseek-r1-distill-qwen-32b"
    api_key: SecretStr = SecretStr(DEFAULT_SECRET)
    timeout_s: float = Field(default=60, gt=0)
    connect_timeout_s: float = Field(default=3, gt=0)
    max_retries: int = Field(default=1, ge=0, le=5)
    max_tokens: int = Field(default=1024, ge=16)
    context_tokens: int = Field(
        default=8192, ge=256, description="server --max-model-len: prompt + max_tokens"
    )
    max_concurrency: int = Field(default=16, ge=1)
    breaker_failures: int = Field(default=3, ge=1)
    breaker_reset_s: float = Field(default=30, gt=0)


class OCRSettings(BaseModel):
    backend: Literal["rapidocr", "paddleocr"] = "rapidocr"
    paddle_model_dir: Path | None = None
    pdf_dpi: int = Field(default=200, ge=72, le=600)
    max_upload_bytes: int = Field(
        default=2_000_000, ge=1024, description="an uploaded scan, on every path that takes one"
    )
    max_pixels: int = Field(
        default=25_000_000, ge=10_000, description="width x height per frame, checked before decoding"
    )
    max_frames: int = Field(default=5, ge=1, description="pages of a multi-frame TIFF/GIF")


class UIUser(BaseModel):
    """A UI login by user name and password (``brain keys hash-password`` prints the hash)."""

    role: Literal["clerk", "mediator", "evaluator", "system", "admin"]
    password_hash: SecretStr = Field(description="scrypt$<salt hex>$<hash hex>")
    name: str = ""


class APISettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    auth: Literal["open", "keys"] = Field(
        default="open", description="open is allowed on loopback in dev only"
    )
    max_body_bytes: int = Field(default=2_000_000, ge=1024)
    rate_limit_per_minute: int = Field(default=600, ge=1)
    request_timeout_s: float = Field(default=120, gt=0)
    ui: bool = Field(default=True, description="mount the Gradio UI at /ui")
    rate_limit_burst: int = Field(default=60, ge=1, description="token-bucket size per key (requests)")
    key_store: Path | None = Field(
        default=None, description="API key store; default <state_dir>/keys.sqlite3"
    )
    audit_url: str | None = Field(
        default=None, description="default sqlite <state_dir>/audit.sqlite3; or postgresql://"
    )
    idempotency_ttl_s: float = Field(
        default=86_400, gt=0, description="how long Idempotency-Key replays live"
    )
    json_logs: bool = Field(default=True, description="one JSON object per log line, personal data redacted")
    redis_url: str | None = Field(
        default=None, description="redis://host:port/db shares rate limits across workers; default in-process"
    )
    unauthenticated_per_minute: int = Field(
        default=30, ge=1, description="requests per client IP and minute that fail authentication"
    )
    body_read_timeout_s: float = Field(
        default=15, gt=0, description="a request body must arrive within this time (408)"
    )
    header_timeout_s: float = Field(
        default=10, gt=0, description="a connection must send complete request headers within this time"
    )
    ui_users: dict[str, UIUser] = Field(
        default_factory=dict, description="UI logins by user name and password, each mapped to a role"
    )
    ui_session_s: float = Field(default=8 * 3600, gt=0, description="how long a UI login lasts")
    party_names_roles: list[str] = Field(
        default_factory=lambda: ["clerk", "mediator", "admin"],
        description="roles that see party names in intake results (facts.parties); others get placeholders",
    )
    compute_threads: int = Field(
        default=2,
        ge=1,
        description="threads per server process running CPU-bound route work (intake, search); requests "
        "beyond queue in order — more threads only contend for the GIL and stretch the latency tail",
    )


class IntakeSettings(BaseModel):
    abstain_threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="below it intake abstains; None = the threshold tuned with the shipped classifier",
    )


class AgreementSettings(BaseModel):
    font_path: Path | None = Field(
        default=None,
        description="TrueType CJK font embedded in exported PDFs; "
        "default: the first of wqy-zenhei/wqy-microhei/uming found on the system",
    )


class LedgerSettings(BaseModel):
    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default sqlite <state_dir>/ledger.sqlite3 (WAL); or postgresql+psycopg://",
    )
    data_key: SecretStr = Field(
        default=SecretStr(DEFAULT_SECRET),
        description="key for personal data in the ledger (AES-GCM) and its matching hashes (HMAC)",
    )
    timezone: str = Field(
        default="Asia/Shanghai", description="the centre's local time: deadlines, working days"
    )
    places: Path = Field(default=REPO_ROOT / "configs" / "places.yaml", description="县/乡镇/村 hierarchy")
    holidays: Path = Field(default=REPO_ROOT / "configs" / "holidays.yaml", description="holiday calendar")
    followup_rules: Path = Field(
        default=REPO_ROOT / "configs" / "followup_rules.yaml", description="回访 rules by risk and type"
    )
    early_warning_hours: float = Field(
        default=24, ge=0, description="red/orange cases warn this long before their deadline"
    )
    demo: bool = Field(
        default=False, description="`brain serve` loads the demo ledger once into an empty ledger"
    )


class WebhookTarget(BaseModel):
    url: str = Field(description="where new and escalated alerts are POSTed")
    secret: SecretStr = Field(description="HMAC-SHA256 key for the X-Brain-Signature header")
    kinds: list[str] = Field(default_factory=list, description="alert kinds to send; empty = all")


class ReportSchedule(BaseModel):
    level: Literal["镇", "县"] = Field(description="镇 = a town report, 县 = a county report")
    place: str = Field(default="", description="town or county name; empty = every one that has cases")
    period: Literal["week", "half-month", "month"] = "week"
    formats: list[Literal["html", "pdf", "docx"]] = Field(default_factory=lambda: ["html", "pdf"])  # type: ignore[arg-type]


class AnalysisSettings(BaseModel):
    url: str | None = Field(
        default=None,
        description="analysis store (SQLAlchemy URL); default sqlite <state_dir>/analysis.sqlite3",
    )
    follow_ledger: bool = Field(
        default=True,
        description="detectors run on every case the ledger registers, with their tables in the ledger's "
        "database (SQLite, or PostgreSQL through schema brain_analysis); false = the analysis' own store (analysis.url)",
    )
    embedder: bool = Field(default=True, description="use the retrieval embedder for paraphrase candidates")
    webhooks: list[WebhookTarget] = Field(default_factory=list)
    webhook_retries: int = Field(default=5, ge=0, le=20)
    schedule: list[ReportSchedule] = Field(
        default_factory=list,
        description="scheduled 研判报告, e.g. [{level: 镇, period: week}, {level: 县, period: month}]",
    )
    schedule_interval_s: float = Field(default=3600, gt=0, description="how often the service checks")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRAIN_", env_nested_delimiter="__", extra="forbid")

    profile: str = "default"
    data_dir: Path = Field(default=REPO_ROOT / "data", description="the shipped demo corpus")
    state_dir: Path = Field(default=Path("var"), description="indices, graph data, audit, checkpoints")
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    graph: GraphSettings = Field(default_factory=GraphSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    ocr: OCRSettings = Field(default_factory=OCRSettings)
    api: APISettings = Field(default_factory=APISettings)
    intake: IntakeSettings = Field(default_factory=IntakeSettings)
    agreements: AgreementSettings = Field(default_factory=AgreementSettings)
    ledger: LedgerSettings = Field(default_factory=LedgerSettings)
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)  # env is merged by load_settings, once, in a known order

    @model_validator(mode="after")
    def _resolve_and_guard(self) -> Settings:
        # Relative state paths live under state_dir, so one setting moves all mutable state.
        base = self.state_dir if self.state_dir.is_absolute() else Path.cwd() / self.state_dir
        self.state_dir = base
        for sub in (self.retrieval, self.graph):
            for name in ("index_dir", "data_dir"):
                p = getattr(sub, name, None)
                if isinstance(p, Path) and not p.is_absolute():
                    parts = p.parts[1:] if p.parts and p.parts[0] == "var" else p.parts
                    setattr(sub, name, base.joinpath(*parts))
        if self.profile not in DEV_PROFILES:
            bad = []
            if self.secret_key.get_secret_value() == DEFAULT_SECRET:
                bad.append("secret_key")
            if self.llm.backend == "openai" and self.llm.api_key.get_secret_value() == DEFAULT_SECRET:
                bad.append("llm.api_key")
            if self.api.auth == "open":
                bad.append("api.auth")
            if self.graph.uri != "embedded" and self.graph.password.get_secret_value() in (
                "",
                "fengqiao-dev",
            ):
                bad.append("graph.password (BRAIN_GRAPH__PASSWORD)")
            if self.ledger.data_key.get_secret_value() == DEFAULT_SECRET:
                bad.append("ledger.data_key")
            if bad:
                raise ValueError(
                    f"profile '{self.profile}' is not a development profile but uses development defaults for "
                    f"{', '.join(bad)}; set them (e.g. BRAIN_SECRET_KEY=..., BRAIN_API__AUTH=keys)"
                )
        return self

    @property
    def is_dev(self) -> bool:
        return self.profile in DEV_PROFILES


def _read_profile(profile: str) -> dict[str, Any]:
    path = CONFIG_DIR / f"{profile}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))
        raise ConfigError(
            f"配置档案 '{profile}' 不存在", where=str(path), hint=f"可用档案：{', '.join(known)}"
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ConfigError("配置文件不是合法的 YAML", where=str(path), hint=str(e)) from e
    if not isinstance(raw, dict):
        raise ConfigError("配置文件顶层必须是映射", where=str(path))
    raw.setdefault("profile", profile)
    return raw


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_settings(profile: str | None = None, **overrides: Any) -> Settings:
    """Build settings from the YAML profile, the environment and ``overrides`` (highest precedence).

    The three layers are merged by hand in a fixed order (YAML < env < overrides) and validated once, so
    the error names the key whichever layer it came from.
    """
    profile = profile or os.environ.get("BRAIN_PROFILE", "default")
    yaml_values = _read_profile(profile)
    try:
        merged = _deep_merge(_deep_merge(yaml_values, _env_values()), overrides)
        return Settings(**merged)
    except ValidationError as e:
        first = e.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(settings)"
        env_name = "BRAIN_" + "__".join(str(p) for p in first["loc"]).upper()
        raise ConfigError(
            f"配置项 {key} 无效：{first['msg']}",
            where=f"configs/{profile}.yaml 或环境变量 {env_name}",
            hint="请按 configs/default.yaml 中的说明修改",
        ) from e


def _env_values() -> dict[str, Any]:
    """Environment overrides as a nested dict: BRAIN_LLM__BASE_URL=x -> {"llm": {"base_url": "x"}}."""
    out: dict[str, Any] = {}
    for name, value in os.environ.items():
        if not name.startswith("BRAIN_") or name in {"BRAIN_PROFILE", "BRAIN_CONFIG_DIR"}:
            continue
        path = name[len("BRAIN_") :].lower().split("__")
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return out
