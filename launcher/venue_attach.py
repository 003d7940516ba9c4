"""`ceremony venue` with a display: the link runs as a process of its own, the window attaches.

After the crew joins in the window (invite, device check, devices chosen), the app starts
`ceremony venue --headless --window-link` in a session of its own (it survives the window, a
closed terminal and a crashed Qt) and attaches to it over the window link
(`ceremony.venue_window`). A relaunched app finds a link still running for a ceremony in the
private control folder and attaches to it again. The link's command line (with the invite in a
0600 file, not on the command line where `ps` shows it) is kept beside its socket, so the
window can start it again ("join again") after it died or the ceremony's run ended.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from ceremony.invite import Invite
from launcher.studio_attach import answers
from media.private_files import make_private_dir, write_private
from media.venue_window_client import WindowClient
from media.venue_window_server import window_link_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkChoice:
    """What the window passes on to its link process (the crew's and the command line's)."""

    video: str
    camera: str | None
    microphone: str | None
    speaker: str | None
    hall_latency_ms: float
    ice_servers: tuple[str, ...] = ()
    ice_addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class VenueLinkPlace:
    """Where a venue's link serves its window, and how it is started again."""

    socket: Path
    command_file: Path

    @classmethod
    def of(cls, folder: Path, invite: Invite) -> VenueLinkPlace:
        path = window_link_path(folder, invite.ceremony_id, invite.venue_id)
        return cls(path, path.with_suffix(".link.json"))

    def command(self) -> list[str] | None:
        try:
            data = json.loads(self.command_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        command = data.get("command") if isinstance(data, dict) else None
        return [str(a) for a in command] if isinstance(command, list) else None


def ceremony_program() -> list[str]:
    """How to run `ceremony …` from here: in the frozen apps the `ceremony` executable beside
    this one (`ceremony-venue` would read its arguments as the venue app's), else this Python."""
    if getattr(sys, "frozen", False):
        here = Path(sys.executable)
        return [str(here.with_name("ceremony" + here.suffix))]
    return [sys.executable, "-m", "launcher.cli"]


def link_command(folder: Path, invite: Invite, choice: LinkChoice) -> VenueLinkPlace:
    """Write the invite (0600) and the link's command line beside its socket."""
    place = VenueLinkPlace.of(folder, invite)
    make_private_dir(folder)
    invite_file = place.socket.with_suffix(".invite")
    write_private(invite_file, (invite.to_string() + "\n").encode())
    command = [
        *ceremony_program(),
        "venue",
        "--headless",
        "--window-link",
        "--invite",
        str(invite_file),
        "--video",
        choice.video,
        "--hall-latency-ms",
        f"{choice.hall_latency_ms:g}",
    ]
    for flag, value in (
        ("--camera", choice.camera),
        ("--microphone", choice.microphone),
        ("--speaker", choice.speaker),
    ):
        if value is not None:
            command += [flag, value]
    for server in choice.ice_servers:
        command += ["--ice-server", server]
    for address in choice.ice_addresses:
        command += ["--ice-address", address]
    write_private(place.command_file, (json.dumps({"command": command}) + "\n").encode())
    return place


def link_answers(path: Path, token: str, timeout: float = 2.0) -> bool:
    """A venue link listens on `path` and accepts the token (or is there but slow to answer)."""
    return answers(path, lambda: WindowClient.connect(path, token, "probe", timeout=timeout))


def running_link(folder: Path, token: str) -> VenueLinkPlace | None:
    """A venue link still running on this machine (the app was closed by a crash), if any:
    the one whose socket was made last."""
    sockets = sorted(
        folder.glob("*--*.sock"), key=lambda p: p.stat().st_mtime if p.exists() else 0.0
    )
    for path in reversed(sockets):
        if link_answers(path, token):
            return VenueLinkPlace(path, path.with_suffix(".link.json"))
    return None
