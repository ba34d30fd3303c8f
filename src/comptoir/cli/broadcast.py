"""``comptoir broadcast create | preview | send | status | list | pause | resume | cancel |
audience``.

The commands work on the database; the running server (``comptoir serve``) is what sends:
``send`` starts or schedules a broadcast and, with ``--follow``, shows a progress bar until
it is done. ``audience`` writes a segment as a Custom Audience customer list.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import sqlalchemy as sa

from comptoir.bootstrap import Container
from comptoir.cli.runtime import data_dir_option, load, run_with_container
from comptoir.services import broadcasts, custom_audience
from comptoir.services.broadcasts import BroadcastError, NewBroadcast, Status, broadcast_json
from comptoir.storage.tables import broadcasts as broadcasts_table
from comptoir.storage.tables import pages

Result = TypeVar("Result")


@click.group()
def broadcast() -> None:
    """Broadcasts: a message to a segment, only to the people who may receive it."""


def _run(data_dir: Path | None, work: Callable[[Container], Awaitable[Result]]) -> Result:
    settings = load(data_dir=data_dir) if data_dir else load()

    async def guarded(container: Container) -> Result:
        try:
            return await work(container)
        except BroadcastError as exc:
            field = getattr(exc, "field", None)
            raise click.ClickException(f"{field}: {exc}" if field else str(exc)) from None

    return run_with_container(settings, guarded)


def _page(container: Container, page_id: str) -> tuple[int, int]:
    """(workspace id, pages.id) of the Page with Meta's id ``page_id``."""
    with container.engine.connect() as conn:
        row = conn.execute(
            sa.select(pages.c.workspace_id, pages.c.id).where(pages.c.page_id == page_id)
        ).first()
    if row is None:
        raise click.ClickException(f"no Page {page_id} is connected")
    return int(row.workspace_id), int(row.id)


def _workspace_of(container: Container, broadcast_id: int) -> int:
    with container.engine.connect() as conn:
        found = conn.execute(
            sa.select(broadcasts_table.c.workspace_id).where(broadcasts_table.c.id == broadcast_id)
        ).scalar()
    if found is None:
        raise click.ClickException(f"no broadcast {broadcast_id}")
    return int(found)


def _quick_replies(values: tuple[str, ...]) -> list[dict[str, str]]:
    replies = []
    for value in values:
        title, _, payload = value.partition("=")
        replies.append({"title": title, "payload": payload or title.upper()})
    return replies


def _counts(title: str, counts: dict[str, int]) -> None:
    click.echo(f"{title}:")
    if not counts:
        click.echo("  (none)")
    for key, value in counts.items():
        click.echo(f"  {key.replace('_', ' ')}: {value}")


@broadcast.command("create")
@click.option("--page", "page_id", required=True, help="Meta's id of the Page it goes from.")
@click.option("--name", required=True, help="A name for the broadcast.")
@click.option("--text", default=None, help="The message's text.")
@click.option(
    "--quick-reply", "quick_replies", multiple=True, help="TITLE=PAYLOAD (repeat for more)."
)
@click.option(
    "--message-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The message as JSON (text, quick_replies, attachment or utility_template).",
)
@click.option(
    "--mode", type=click.Choice(["window", "token", "utility"]), default="window", show_default=True
)
@click.option("--topic", default=None, help="Only people who said yes to this topic.")
@click.option("--promotional", is_flag=True, help="The message promotes something.")
@click.option("--segment", "segment_id", type=int, default=None, help="A saved segment's id.")
@data_dir_option
def create(
    page_id: str,
    name: str,
    text: str | None,
    quick_replies: tuple[str, ...],
    message_file: Path | None,
    mode: str,
    topic: str | None,
    promotional: bool,
    segment_id: int | None,
    data_dir: Path | None,
) -> None:
    """Create a broadcast (a draft); prints its id."""
    if message_file is not None:
        try:
            message: Any = json.loads(message_file.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise click.ClickException(f"cannot read the message file: {exc}") from None
    else:
        message = {"text": text}
        if quick_replies:
            message["quick_replies"] = _quick_replies(quick_replies)

    async def work(container: Container) -> int:
        workspace_id, page_ref = _page(container, page_id)
        return await broadcasts.create_broadcast(
            container,
            NewBroadcast(
                workspace_id=workspace_id,
                page_ref=page_ref,
                name=name,
                message=message,
                mode=mode,
                topic=topic,
                promotional=promotional,
                segment_id=segment_id,
            ),
        )

    broadcast_id = _run(data_dir, work)
    click.echo(f"Broadcast {broadcast_id} created (draft).")


@broadcast.command("preview")
@click.argument("broadcast_id", type=int)
@data_dir_option
def preview(broadcast_id: int, data_dir: Path | None) -> None:
    """Who would receive it now, through which mechanism; who would not, and why."""

    async def work(container: Container) -> broadcasts.Preview:
        return await broadcasts.preview(
            container, _workspace_of(container, broadcast_id), broadcast_id
        )

    found = _run(data_dir, work)
    audience = found.audience
    click.echo(f"Audience: {audience.total}; would receive it: {audience.eligible}")
    _counts("By mechanism", audience.by_mechanism)
    _counts("Left out", audience.excluded)
    if found.writing is not None:
        findings = found.writing.get("findings") or []
        click.echo(f"Writing remarks: {len(findings)}")
        for finding in findings:
            click.echo(f"  - {finding.get('message')}")


@broadcast.command("send")
@click.argument("broadcast_id", type=int)
@click.option("--at", default=None, help="When (ISO 8601); without an offset, in the Page's zone.")
@click.option("--follow", is_flag=True, help="Show a progress bar until it is done.")
@data_dir_option
def send(broadcast_id: int, at: str | None, follow: bool, data_dir: Path | None) -> None:
    """Send now (the running server sends it), or schedule it with --at."""

    async def work(container: Container) -> dict[str, Any]:
        workspace_id = _workspace_of(container, broadcast_id)
        when = None
        if at is not None:
            current = await broadcasts.status(container, workspace_id, broadcast_id)
            when = broadcasts.local_time(at, current.broadcast.timezone)
        return broadcast_json(await broadcasts.start(container, workspace_id, broadcast_id, when))

    row = _run(data_dir, work)
    if row["state"] == "scheduled":
        click.echo(f"Broadcast {broadcast_id} scheduled for {row['scheduled_at_local']}.")
        return
    click.echo(f"Broadcast {broadcast_id} is sending.")
    if follow:
        _follow(broadcast_id, data_dir)


def _status(broadcast_id: int, data_dir: Path | None) -> Status:
    async def work(container: Container) -> Status:
        return await broadcasts.status(
            container, _workspace_of(container, broadcast_id), broadcast_id
        )

    return _run(data_dir, work)


def _follow(broadcast_id: int, data_dir: Path | None, every: float = 1.0) -> None:
    current = _status(broadcast_id, data_dir)
    with click.progressbar(length=1000, label=f"Broadcast {broadcast_id}") as bar:
        shown = 0
        while True:
            target = int(current.progress * 1000)
            bar.update(max(0, target - shown))
            shown = max(shown, target)
            if current.broadcast.state in ("done", "cancelled", "paused", "draft"):
                break
            time.sleep(every)
            current = _status(broadcast_id, data_dir)
    _print_status(current)


def _print_status(found: Status) -> None:
    data = found.to_json()
    totals = data["totals"]
    click.echo(f"Broadcast {data['id']} ({data['name']}): {data['state']}")
    click.echo(f"Progress: {data['progress'] * 100:.1f}% of {data['audience_size']} people")
    if data["rate_per_second"] is not None:
        eta = data["eta_seconds"]
        tail = f", about {eta:.0f} s left" if eta else ""
        click.echo(f"Rate: {data['rate_per_second']} messages/s{tail}")
    click.echo(
        "Sent {sent}, delivered {delivered}, read {read}, replied {replied}, quick-reply taps "
        "{quick_reply_taps}, opted out after {opted_out}, failed {failed}, waiting {queued}, "
        "left out {excluded}".format(**totals)
    )
    _counts("By mechanism", data["by_mechanism"])
    _counts("Left out", data["excluded"])
    _counts("Failed", data["failed_by_reason"])


@broadcast.command("status")
@click.argument("broadcast_id", type=int)
@click.option("--follow", is_flag=True, help="Show a progress bar until it is done.")
@data_dir_option
def status(broadcast_id: int, follow: bool, data_dir: Path | None) -> None:
    """Progress, ETA and totals of a broadcast."""
    if follow:
        _follow(broadcast_id, data_dir)
    else:
        _print_status(_status(broadcast_id, data_dir))


def _change(verb: str, action: Any) -> click.Command:
    @click.argument("broadcast_id", type=int)
    @data_dir_option
    def command(broadcast_id: int, data_dir: Path | None) -> None:
        async def work(container: Container) -> dict[str, Any]:
            workspace_id = _workspace_of(container, broadcast_id)
            return broadcast_json(await action(container, workspace_id, broadcast_id))

        row = _run(data_dir, work)
        click.echo(f"Broadcast {broadcast_id} is {row['state']}.")

    command.__doc__ = f"{verb.capitalize()} a broadcast."
    return click.command(verb)(command)


for _verb, _action in (
    ("pause", broadcasts.pause),
    ("resume", broadcasts.resume),
    ("cancel", broadcasts.cancel),
):
    broadcast.add_command(_change(_verb, _action))


@broadcast.command("list")
@click.option("--page", "page_id", required=True, help="Meta's id of the Page.")
@data_dir_option
def list_command(page_id: str, data_dir: Path | None) -> None:
    """Broadcasts of the Page's workspace, newest first."""

    async def work(container: Container) -> list[dict[str, Any]]:
        workspace_id, _ = _page(container, page_id)
        return [
            broadcast_json(r) for r in await broadcasts.list_broadcasts(container, workspace_id)
        ]

    for row in _run(data_dir, work):
        click.echo(f"{row['id']:>6}  {row['state']:<10} {row['mode']:<8} {row['name']}")


@broadcast.command("audience")
@click.option("--page", "page_id", required=True, help="Meta's id of the Page.")
@click.option("--segment", "segment_id", type=int, default=None, help="A saved segment's id.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@data_dir_option
def audience(
    page_id: str, segment_id: int | None, fmt: str, output: Path | None, data_dir: Path | None
) -> None:
    """Export a segment as a Custom Audience customer list (hashed identifiers)."""

    async def work(container: Container) -> custom_audience.CustomAudienceFile:
        workspace_id, page_ref = _page(container, page_id)

        def run() -> custom_audience.CustomAudienceFile:
            with container.engine.connect() as conn:
                return custom_audience.export(
                    conn, workspace_id, page_ref, container.clock.now(), segment_id=segment_id
                )

        return await asyncio.to_thread(run)

    made = _run(data_dir, work)
    text = made.to_csv() if fmt == "csv" else json.dumps(made.payloads(), indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{len(made.rows)} people written to {output}.", err=True)
