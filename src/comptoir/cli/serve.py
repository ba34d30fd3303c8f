"""``comptoir serve``: the Comptoir service (webhooks, REST API) under uvicorn."""

from __future__ import annotations

import gc
import importlib.util
from pathlib import Path

import click

from comptoir.cli.runtime import data_dir_option, load, open_container, safe_url

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
#: Allocations between two collections of the youngest generation (Python's default: 700).
GC_YOUNG_THRESHOLD = 20_000


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 (shown, not bound)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port."
)
@data_dir_option
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default=None,
    help="Log level (default: COMPTOIR_LOG_LEVEL, else info).",
)
def serve(host: str, port: int, data_dir: Path | None, log_level: str | None) -> None:
    """Run Comptoir: Meta's webhook at /webhooks/messenger, the REST API under /api/v1."""
    import uvicorn

    from comptoir.web.app import create_app

    settings = load(data_dir=data_dir)
    level = (log_level or settings.log_level).lower()
    if level not in LOG_LEVELS:
        raise click.ClickException(
            f"bad setting: log_level must be one of {', '.join(LOG_LEVELS)} (got {level!r})"
        )
    container = open_container(settings)
    app = create_app(container)
    shown = f"http://{_display_host(host)}:{port}"
    click.echo(f"Comptoir on {shown} (database: {safe_url(settings.database_url)})")
    click.echo(f"API docs:        {shown}/docs")
    click.echo(f"Meta's webhook:  {settings.public_url}/webhooks/messenger")
    options: dict[str, str] = {}
    if importlib.util.find_spec("uvloop") is not None:
        options["loop"] = "uvloop"
    if importlib.util.find_spec("httptools") is not None:
        options["http"] = "httptools"
    tune_garbage_collector()
    uvicorn.run(app, host=host, port=port, log_level=level, **options)  # type: ignore[arg-type]


def tune_garbage_collector() -> None:
    """A long-running server: what was loaded at start (modules, the dictionaries and flows
    loaded so far) is frozen out of the collector's scans, and the youngest generation is
    collected less often, so a busy event loop does not keep walking the same objects."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, oldest)
