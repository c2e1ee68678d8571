"""The MCP server over stdio, driven by the official SDK client: tool listing and one call."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

pytestmark = pytest.mark.slow


def test_stdio_lists_the_v1_tools_and_calls_one(tmp_path: Path) -> None:
    env = {**os.environ, "BRAIN_PROFILE": "test", "BRAIN_STATE_DIR": str(tmp_path), "OMP_NUM_THREADS": "1"}
    brain_cmd = os.path.join(os.path.dirname(sys.executable), "brain")
    params = StdioServerParameters(
        command=brain_cmd, args=["mcp", "--transport", "stdio"], env=env, cwd=os.getcwd()
    )

    async def scenario() -> tuple[list[str], dict[str, object], str]:
        with anyio.fail_after(120):
            return await talk()

    async def talk() -> tuple[list[str], dict[str, object], str]:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            names = [t.name for t in tools.tools]
            schema = next(t.input_schema for t in tools.tools if t.name == "history")
            result = await session.call_tool("history", {"thread_id": "mcp-test-thread"})
            return names, schema, result.content[0].text  # type: ignore[union-attr]

    names, schema, text = anyio.run(scenario)
    assert {"search", "history"} <= set(names)
    assert "tools" not in " ".join(names)  # the listing itself is not a tool
    assert schema["required"] == ["thread_id"]
    body = json.loads(text)
    assert body["thread_id"] == "mcp-test-thread"
    assert body["turns"] == []
    audit = tmp_path / "audit.sqlite3"
    assert audit.exists()  # the tool call went through the same audited HTTP path
