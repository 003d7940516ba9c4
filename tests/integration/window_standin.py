"""A stand-in for the venue app's window, as a process of its own (the test SIGKILLs it): it
attaches to a venue link's window link and prints one line per state it is sent.

    python -m tests.integration.window_standin SOCKET TOKEN
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from ceremony import venue_window as vw
from media.venue_window_client import WindowClient


async def main(path: Path, token: str) -> None:
    client = await WindowClient.connect(path, token, "stand-in window")
    print(f"attached to pid {client.welcome.link_pid}", flush=True)

    def show(state: vw.VenueState) -> None:
        countdown = state.countdown_state.value if state.countdown_state else "-"
        print(f"state {state.link.value} {countdown} {state.countdown_deadline}", flush=True)

    client.on_state = show
    client.send(vw.WantPicture(320, 180))
    await client.run()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
