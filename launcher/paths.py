"""Every path the app uses, from one place (platformdirs), with a development override.

Set CEREMONY_HOME to keep config, data and recordings under one folder (tests, CI, rehearsals).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP = "ceremony"


@dataclass(frozen=True)
class Paths:
    config: Path
    data: Path
    videos: Path
    logs: Path

    @classmethod
    def default(cls) -> Paths:
        home = os.environ.get("CEREMONY_HOME")
        if home:
            root = Path(home)
            return cls(root / "config", root / "data", root / "videos", root / "logs")
        return cls(
            Path(platformdirs.user_config_dir(APP)),
            Path(platformdirs.user_data_dir(APP)),
            Path(platformdirs.user_videos_dir()) / APP,
            Path(platformdirs.user_log_dir(APP)),
        )

    @property
    def runs(self) -> Path:
        """One folder per ceremony, one per run inside it, each with its journal."""
        return self.data / "runs"

    def run_dir(self, ceremony_id: str, run_id: str) -> Path:
        return self.runs / ceremony_id / run_id

    def run_recordings(self, ceremony_id: str, run_id: str) -> Path:
        """Under the user's videos, where protocol staff look: <ceremony>/<run id>/."""
        return self.videos / ceremony_id / run_id

    @property
    def legacy_journals(self) -> Path:
        """Before runs, one journal per ceremony collected every run (still readable)."""
        return self.data / "journals"

    def sample_runsheet(self) -> Path:
        return Path(__file__).resolve().parent.parent / "ceremony" / "samples" / "mpp-11.yaml"
