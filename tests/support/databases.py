"""Database fixtures: the same tests run on SQLite and on PostgreSQL.

PostgreSQL tests run whenever ``CI=true`` or the server answers on 127.0.0.1:5432; under CI a
missing server is a failure, not a skip. Each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_HOST = os.environ.get("COMPTOIR_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("COMPTOIR_TEST_PG_PORT", "5432"))
PG_BASE_URL = os.environ.get(
    "COMPTOIR_TEST_PG_URL", f"postgresql://postgres@{PG_HOST}:{PG_PORT}/test"
)
REDIS_URL = os.environ.get("COMPTOIR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_service(name: str, host: str, port: int) -> None:
    """Skip (on a laptop) or fail (under CI) when a service is missing."""
    if _answers(host, port):
        return
    message = f"{name} is not answering on {host}:{port}"
    if in_ci():
        pytest.fail(f"{message}, and CI=true requires it", pytrace=False)
    pytest.skip(f"{message}; start it to run this test (CI runs it)")


def require_postgres() -> None:
    require_service("PostgreSQL", PG_HOST, PG_PORT)


def require_redis() -> None:
    require_service("Redis", "127.0.0.1", 6379)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'comptoir.sqlite3'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose connections live in a fresh schema, dropped after the test."""
    require_postgres()
    schema = "t_" + secrets.token_hex(6)
    admin = sa.create_engine(PG_BASE_URL.replace("postgresql://", "postgresql+psycopg://"))
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_BASE_URL else "?"
    try:
        yield f"{PG_BASE_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Parametrises a test over both backends."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url
