"""Entry point of the frozen apps. One folder holds three executables built from this script:
`ceremony-venue` (the crew's app), `ceremony-studio` (the operator's console) and `ceremony`
(the whole command line). Started bare, or with a ceremony:// link (a clicked invite), the venue
executable opens the join screen."""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path

from launcher.cli import main

APP_OF_EXECUTABLE = {"ceremony-venue": "venue", "ceremony-studio": "studio"}


def command_line(executable: str, argv: list[str]) -> list[str]:
    app = APP_OF_EXECUTABLE.get(Path(executable).stem.lower())
    if app is not None:
        return [app, *argv]
    if not argv or argv[0].lower().startswith("ceremony:"):
        return ["venue", *argv]  # the bare `ceremony` double-clicked, or given a link
    return argv


if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main(command_line(sys.executable, sys.argv[1:])))
