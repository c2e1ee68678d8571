"""pytest fixtures for LLM-mode tests, registered in ``tests/conftest.py``.

- ``llm_server`` (function scope): the :class:`~tests.support.openai_server.OpenAICompatibleServer`, started once
  per session, reset before each test (normal mode, empty ``.requests``, running). Attributes: ``base_url``,
  ``model_name``, ``requests`` (every chat request body received), ``set_mode(...)``, ``stop()``, ``start()``.
- ``llm_settings``: :class:`brain.settings.LLMSettings` pointing at that server, with short timeouts and no
  SDK retry so failure paths are quick. Use ``llm_settings.model_copy(update={...})`` to change a field.
- ``llm_client``: an :class:`brain.llm.client.LLMClient` over ``llm_settings``, closed after the test.

For a whole :class:`brain.service.Brain` in LLM mode::

    settings = load_settings("test", llm=llm_settings.model_dump(mode="json") | {"api_key": "test-key"})

(the key is dumped masked, so pass it again). See ``tests/support/openai_server.py`` for the modes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from pydantic import SecretStr

from brain.settings import LLMSettings

if TYPE_CHECKING:  # torch/transformers/xgrammar load only when a test asks for the server
    from brain.llm.client import LLMClient
    from tests.support.openai_server import OpenAICompatibleServer

TEST_API_KEY = "test-key"


@pytest.fixture(scope="session")
def _llm_server_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenAICompatibleServer]:
    from tests.support.openai_server import OpenAICompatibleServer
    from tests.support.tiny_model import build_tiny_model

    model_dir = build_tiny_model(tmp_path_factory.mktemp("tiny-model"))
    server = OpenAICompatibleServer(model_dir, api_key=TEST_API_KEY)
    server.start()
    yield server
    server.stop()
    server.close()  # free the model and xgrammar's native threads now, not during interpreter shutdown


@pytest.fixture
def llm_server(_llm_server_session: OpenAICompatibleServer) -> Iterator[OpenAICompatibleServer]:
    _llm_server_session.reset()
    yield _llm_server_session
    _llm_server_session.reset()


@pytest.fixture
def llm_settings(llm_server: OpenAICompatibleServer) -> LLMSettings:
    return LLMSettings(
        backend="openai",
        base_url=llm_server.base_url,
        model=llm_server.model_name,
        api_key=SecretStr(TEST_API_KEY),
        timeout_s=20,
        connect_timeout_s=1,
        max_retries=0,
        max_tokens=256,
        max_concurrency=4,
        breaker_failures=2,
        breaker_reset_s=0.5,
        context_tokens=8192,
    )


@pytest.fixture
def llm_client(llm_settings: LLMSettings) -> Iterator[LLMClient]:
    from brain.llm.client import LLMClient

    client = LLMClient(llm_settings)
    yield client
    client.close()
