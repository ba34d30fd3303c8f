"""The emulator as one object: settings, clock, world state, limiter, webhooks, persistence.

``build_emulator`` is the one place that assembles it; ``app.create_app`` serves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

from comptoir.emulator.clock import EmulatorClock
from comptoir.emulator.config import EmulatorConfig
from comptoir.emulator.persistence import Persistence
from comptoir.emulator.ratelimit import RateLimiter
from comptoir.emulator.state import EmulatorState
from comptoir.emulator.webhooks import WebhookDispatcher


@dataclass
class Emulator:
    config: EmulatorConfig
    clock: EmulatorClock
    state: EmulatorState
    limiter: RateLimiter
    webhooks: WebhookDispatcher
    persistence: Persistence | None = None


def build_emulator(
    config: EmulatorConfig | None = None,
    *,
    data_dir: Path | None = None,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> Emulator:
    """Assemble an emulator.

    ``data_dir``: keep Pages, people and threads in SQLite there (``emulator.sqlite3``).
    ``webhook_transport``: how webhooks reach callbacks; tests pass ``httpx.ASGITransport``
    to deliver in-process, the default is real HTTP.
    """
    config = config or EmulatorConfig()
    clock = EmulatorClock()
    state = EmulatorState()
    persistence = None
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        persistence = Persistence(data_dir / "emulator.sqlite3")
        persistence.load(state)
    return Emulator(
        config=config,
        clock=clock,
        state=state,
        limiter=RateLimiter(config.rate_limits, clock),
        webhooks=WebhookDispatcher(
            config=config, clock=clock, state=state, transport=webhook_transport
        ),
        persistence=persistence,
    )
