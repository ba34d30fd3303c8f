"""The emulator for ``bench_broadcast``, in its own process, with its people made in memory.

``python -m bench.broadcast_emulator PORT COUNT OUT`` builds an emulator with one Page and
COUNT people whose messaging window is open (they wrote just now), writes the Page's ids
and token and the PSIDs to the JSON file OUT, then serves it on 127.0.0.1:PORT like
``comptoir emulator`` does. Making 100,000 people through the control API would take
minutes; nothing about sending depends on how they were made.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from comptoir.emulator.app import create_app
from comptoir.emulator.core import build_emulator
from comptoir.emulator.state import Person
from comptoir.emulator.world import create_page


def main() -> None:
    import uvicorn

    port, count, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    world = build_emulator()
    now = world.clock.now_ms()
    page = create_page(world.state, world.clock, "Bench Shop")
    psids = []
    for index in range(count):
        psid = f"62{index:014d}"
        world.state.add_person(
            Person(
                psid=psid,
                page_id=page.page_id,
                first_name=f"P{index}",
                last_name="Bench",
                has_thread=True,
                last_user_message_ms=now,
                last_qualifying_action_ms=now,
                created_ms=now,
            )
        )
        psids.append(psid)
    out.write_text(
        json.dumps(
            {
                "page_id": page.page_id,
                "app_id": page.app_id,
                "app_secret": page.app_secret,
                "access_token": page.access_token,
                "psids": psids,
            }
        )
    )
    uvicorn.run(
        create_app(world),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        loop="uvloop" if importlib.util.find_spec("uvloop") else "auto",
        http="httptools" if importlib.util.find_spec("httptools") else "auto",
    )


if __name__ == "__main__":
    main()
