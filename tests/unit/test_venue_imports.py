"""A venue starts without loading the studio side: those imports happen where they are used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

STUDIO_SIDE = ("media.studio", "media.remote.service", "pythonosc", "media.identity")


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_venue_path_does_not_import_the_studio() -> None:
    done = run(
        "import sys, launcher.cli, launcher.live, media.venue\n"
        f"print([m for m in {STUDIO_SIDE!r} if m in sys.modules])"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_venue_is_made_without_the_remote_control_library_and_the_studio_names_it() -> None:
    """python-osc missing (blocked here): the venue side still builds its link; the studio's
    remote control then fails naming the missing module, not somewhere unrelated."""
    done = run(
        "import sys\n"
        "sys.modules['pythonosc'] = None\n"
        "from launcher import live\n"
        "from ceremony.invite import Invite\n"
        "assert callable(live.make_venue_link) and callable(live.read_invite)\n"
        "try:\n"
        "    import media.remote.service\n"
        "except ImportError as exc:\n"
        "    print('missing:', exc.name.split('.')[0])\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "missing: pythonosc"


async def test_the_studio_engine_is_still_made_where_its_import_moved(tmp_path: Path) -> None:
    from launcher import live
    from launcher.paths import Paths
    from media import runsheet_files
    from media.studio import StudioConfig, StudioEngine

    sheet = runsheet_files.load(Paths.default().sample_runsheet())
    engine = live.make_studio_engine(
        sheet, tmp_path / "data", tmp_path / "journal.jsonl", StudioConfig(port=0)
    )
    try:
        assert isinstance(engine, StudioEngine)
        assert (tmp_path / "data").is_dir()  # its identity was made there
    finally:
        engine.close()
