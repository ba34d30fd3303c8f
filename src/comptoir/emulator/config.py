"""Emulator settings: rate limits, webhook batching and retries, failure injection, features.

Every setting can be changed at run time through ``PUT /_emulator/config`` (see
``control.py``); ``EmulatorConfig.update`` validates a partial JSON object and names the first
bad field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


class ConfigError(ValueError):
    """A bad value in ``PUT /_emulator/config``."""


@dataclass(slots=True)
class RateLimits:
    """Meta's limits (reference §5). ``enabled=False`` turns every one of them off."""

    enabled: bool = True
    #: Send API calls per second per Page for text, links, reactions, stickers.
    text_per_second: int = 300
    #: Send API calls per second per Page for audio or video attachments.
    media_per_second: int = 10
    #: Rolling 24-hour quota = this factor x engaged users (people who wrote in 24 h).
    daily_quota_enabled: bool = True
    daily_quota_per_engaged_user: int = 200
    #: Messenger Profile API: calls per window per Page.
    profile_calls: int = 10
    profile_window_seconds: int = 600


@dataclass(slots=True)
class WebhookSettings:
    #: Events per POST; 1 sends each event alone, more lets the emulator batch.
    batch_size: int = 1
    #: How long to wait for more events before sending a batch (milliseconds).
    batch_window_ms: int = 0
    #: Seconds to wait for the callback's answer (Meta: 5 s in current docs).
    timeout_seconds: float = 5.0
    #: Meta's retry schedule is divided by this factor (tests compress hours into seconds).
    retry_factor: float = 1.0
    #: Retries after the first failure before the delivery is marked failed.
    max_attempts: int = 8
    #: Send the legacy ``X-Hub-Signature`` (sha1) beside ``X-Hub-Signature-256``.
    legacy_sha1_signature: bool = True
    #: Send delivery receipts for the Page's messages (as a phone that is online would).
    auto_delivery_receipts: bool = True
    #: Send echoes of the Page's own messages (``message_echoes``).
    echoes: bool = True


@dataclass(slots=True)
class FailureInjection:
    #: Share (0..1) of Send API calls answered with a transient 5xx-class Graph error.
    send_error_rate: float = 0.0
    #: Share (0..1) of Send API calls that hang until the client times out.
    send_timeout_rate: float = 0.0
    #: Seconds a "timed out" call hangs.
    send_timeout_seconds: float = 30.0
    #: Graph error to return for a given PSID: {"<psid>": {"code": 613, "error_subcode": ...}}.
    errors_for_psid: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(slots=True)
class Features:
    #: Legacy one-time notifications are off unless configured (reference §9.1).
    one_time_notifications: bool = False
    #: Window length in hours for ordinary qualifying actions.
    window_hours: float = 24.0
    #: Window length in hours after the first message from a Click-to-Messenger ad
    #: (policy copy of Sep 2026 says "up to 7 days"; single source, so default off = 24 h).
    ad_window_hours: float = 24.0


@dataclass(slots=True)
class EmulatorConfig:
    rate_limits: RateLimits = field(default_factory=RateLimits)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    failures: FailureInjection = field(default_factory=FailureInjection)
    features: Features = field(default_factory=Features)
    #: Graph API version reported in headers and accepted as default.
    api_version: str = "v25.0"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, patch: dict[str, Any]) -> None:
        """Apply a partial update such as ``{"rate_limits": {"enabled": false}}``."""
        if not isinstance(patch, dict):
            raise ConfigError("config must be a JSON object")
        for section_name, values in patch.items():
            if section_name == "api_version":
                if not isinstance(values, str):
                    raise ConfigError("api_version must be a string")
                self.api_version = values
                continue
            section = getattr(self, section_name, None)
            if section is None or section_name.startswith("_") or not hasattr(section, "__slots__"):
                raise ConfigError(f"unknown config section {section_name!r}")
            if not isinstance(values, dict):
                raise ConfigError(f"{section_name} must be a JSON object")
            known = {f.name: f for f in fields(section)}
            for key, value in values.items():
                if key not in known:
                    raise ConfigError(f"unknown setting {section_name}.{key}")
                current = getattr(section, key)
                setattr(section, key, _coerce(f"{section_name}.{key}", current, value))


def _coerce(name: str, current: Any, value: Any) -> Any:
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false")
        return value
    if isinstance(current, int):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{name} must be a non-negative integer")
        return value
    if isinstance(current, float):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{name} must be a non-negative number")
        if name.endswith("_rate") and value > 1:
            raise ConfigError(f"{name} must be between 0 and 1")
        return float(value)
    if isinstance(current, dict):
        if not isinstance(value, dict):
            raise ConfigError(f"{name} must be a JSON object")
        return dict(value)
    return value
