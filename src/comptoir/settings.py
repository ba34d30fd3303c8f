"""Comptoir's settings: environment variables ``COMPTOIR_*`` over an optional ``comptoir.toml``.

| setting        | variable                 | default                                         |
|----------------|--------------------------|-------------------------------------------------|
| data_dir       | COMPTOIR_DATA_DIR        | ``./.data``                                     |
| database_url   | COMPTOIR_DATABASE_URL    | ``sqlite:///<data_dir>/comptoir.sqlite3``       |
| graph_url      | COMPTOIR_GRAPH_URL       | ``https://graph.facebook.com``                  |
| secret_key     | COMPTOIR_SECRET_KEY      | generated once into ``<data_dir>/secret.key``   |
| redis_url      | COMPTOIR_REDIS_URL       | unset: live updates stay in-process             |
| redis_prefix   | COMPTOIR_REDIS_PREFIX    | ``comptoir`` (keys of one deployment in Redis)  |
| public_url     | COMPTOIR_PUBLIC_URL      | ``http://127.0.0.1:8000``                       |
| api_version    | COMPTOIR_API_VERSION     | ``v25.0``                                       |
| smtp_url       | COMPTOIR_SMTP_URL        | unset: inbox links are printed in the log       |
| secure_cookies | COMPTOIR_SECURE_COOKIES  | ``false`` (cookies are Secure anyway over https)|

The toml file is looked up at ``COMPTOIR_CONFIG`` or ``./comptoir.toml``; its keys are the
setting names above (``database_url = "postgresql://..."``). Variables win over the file.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    """A setting has a value Comptoir cannot use; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(".data"))
    database_url: str = ""
    graph_url: str = "https://graph.facebook.com"
    secret_key: str = ""
    redis_url: str = ""
    #: Prefix of the Redis keys, so several deployments can share one Redis.
    redis_prefix: str = "comptoir"
    public_url: str = "http://127.0.0.1:8000"
    api_version: str = "v25.0"
    #: ``smtp://user:password@host:port?from=inbox@example.com`` (``smtps://`` for TLS): where
    #: invitation and password-reset links are sent; unset, they are printed in the log.
    smtp_url: str = ""
    #: Mark the inbox's cookies ``Secure`` even when a request arrives over plain http
    #: (behind a proxy that ends TLS).
    secure_cookies: bool = False
    #: Largest webhook body accepted, in bytes (Meta's batches are far smaller).
    webhook_max_body: int = 1_048_576
    log_level: str = "INFO"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def __repr__(self) -> str:  # never print the secret key
        hidden = ("secret_key", "smtp_url")
        shown = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in hidden}
        return f"Settings({shown}, secret_key=***, smtp_url=***)"


def load_settings(
    environ: Mapping[str, str] | None = None, *, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Read the toml file, then the environment, then explicit overrides (CLI flags)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config_path = Path(env.get("COMPTOIR_CONFIG", "comptoir.toml"))
    if config_path.is_file():
        try:
            values.update(tomllib.loads(config_path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{config_path}: {exc}") from exc
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise SettingsError(f"{config_path}: unknown setting(s): {', '.join(unknown)}")
    for name in known:
        variable = f"COMPTOIR_{name.upper()}"
        if variable in env and env[variable] != "":
            values[name] = env[variable]
    if overrides:
        values.update({k: v for k, v in overrides.items() if v is not None})
    return _finish(values)


def _finish(values: dict[str, Any]) -> Settings:
    settings = Settings()
    typed: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name not in values:
            continue
        raw = values[f.name]
        if f.name == "data_dir":
            typed[f.name] = Path(str(raw)).expanduser()
        elif f.name == "webhook_max_body":
            try:
                typed[f.name] = int(raw)
            except (TypeError, ValueError):
                raise SettingsError("webhook_max_body must be a whole number of bytes") from None
        elif f.name == "secure_cookies":
            typed[f.name] = _boolean(f.name, raw)
        else:
            typed[f.name] = str(raw)
    settings = replace(settings, **typed)
    if not settings.database_url:
        path = (settings.data_dir / "comptoir.sqlite3").resolve()
        settings = replace(settings, database_url=f"sqlite:///{path}")
    if not settings.database_url.startswith(("sqlite", "postgresql")):
        raise SettingsError("database_url must start with sqlite:// or postgresql://")
    if not settings.graph_url.startswith(("http://", "https://")):
        raise SettingsError("graph_url must be an http:// or https:// URL")
    return replace(settings, graph_url=settings.graph_url.rstrip("/"))


def _boolean(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false")


def ensure_secret_key(settings: Settings) -> Settings:
    """Return settings with a secret key: the configured one, or one kept in the data dir.

    A generated key is written once to ``<data_dir>/secret.key`` (mode 600) so tokens stay
    readable across restarts. Production deployments set ``COMPTOIR_SECRET_KEY``.
    """
    if settings.secret_key:
        return settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key_file = settings.data_dir / "secret.key"
    if key_file.exists():
        key = key_file.read_text(encoding="utf-8").strip()
    else:
        key = secrets.token_urlsafe(48)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
    return replace(settings, secret_key=key)
