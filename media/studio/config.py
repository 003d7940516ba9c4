"""How a studio is set up: its address, program format, devices, SFU, TURN and limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ceremony.turn import TurnServer
from media.program import Rung, VideoFormat
from media.sfu.program import SfuConfig
from media.signaling_limits import SignalingLimits

STUDIO_SOURCE = "studio"  # the studio's own sound in the program mixer


@dataclass(frozen=True)
class StudioConfig:
    host: str = "127.0.0.1"
    port: int = 8443
    ice_servers: tuple[str, ...] = ()
    program: VideoFormat = field(default_factory=lambda: VideoFormat(640, 360, 15))
    program_bitrate: int = 600_000
    camera: str | None = None  # opencv index or device path; None: the test pattern
    microphone: str | None = None  # part of an input device's name; None: a synthetic voice
    media_dir: Path = field(default_factory=Path.cwd)  # where run-sheet file: sources live
    naive_fanout: bool = False  # benchmark comparison only: one encoder per venue
    record_dir: Path | None = None  # where the program recording goes; None: not recorded
    sfu: SfuConfig | None = None  # send the program's picture through this SFU (Janus)
    sfu_feeds: bool = True  # with an SFU, venues' feeds and the program sound go through it too
    # A second, smaller rung of the program for venues whose link cannot carry the first
    # (encoded only while a venue is on it); False: one rung for everyone.
    lower_rung: bool = True
    signaling: SignalingLimits = field(default_factory=SignalingLimits)
    # Where venues relay when nothing direct works, and the secret shared with that TURN server
    # (coturn use-auth-secret): venues get short-lived credentials from /ice, never the secret.
    turn: TurnServer | None = None
    turn_secret: bytes = b""

    def lower_rungs(self) -> tuple[Rung, ...]:
        if not self.lower_rung or self.program.width < 64:
            return ()
        fmt = self.program
        half = VideoFormat(fmt.width // 4 * 2, fmt.height // 4 * 2, fmt.fps)
        return (Rung(half, max(150_000, self.program_bitrate // 4)),)
