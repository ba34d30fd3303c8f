"""Fixtures shared by the whole suite. Each area appends its own below, in its own section."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.support.databases", "tests.support.api", "tests.support.stack"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
