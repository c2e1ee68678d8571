"""Run the UI alone against a running API server: ``python -m ui --url http://127.0.0.1:8000``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    parser = argparse.ArgumentParser(
        prog="python -m ui", description="枫桥智脑 Web 界面（独立运行，连接 API 服务）"
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="API 服务地址")
    parser.add_argument("--host", default="127.0.0.1", help="界面监听地址")
    parser.add_argument("--port", type=int, default=7860, help="界面端口")
    parser.add_argument("--reports-dir", type=Path, default=Path("var/reports"), help="评测报告目录")
    parser.add_argument(
        "--api-key", default=os.environ.get("BRAIN_API_KEY"), help="服务密钥（API 开启鉴权时）"
    )
    args = parser.parse_args(argv)

    from ui.app import CSS, HEAD, build_ui, theme
    from ui.client import HttpClient

    client = HttpClient(args.url, api_key=args.api_key, reports_dir=args.reports_dir)
    build_ui(client).launch(
        server_name=args.host,
        server_port=args.port,
        theme=theme(),
        head=HEAD,
        css=CSS,
        footer_links=[],
        ssr_mode=False,
        share=False,
    )


if __name__ == "__main__":
    main()
