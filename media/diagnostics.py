"""One zip for the help desk: the logs, the versions, the devices this computer has, the last
minute of link statistics, and the settings, with every secret taken out.

Nothing that lets someone join as this venue or sign for the studio may leave the machine this
way: invites (text or ceremony:// link), tokens, TURN passwords, private keys and the studio
secret are blanked (`redact`), and the studio's data folder (key, secret) is never read.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import sys
import time
import zipfile
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from media.devices import DeviceError, list_audio_devices, list_cameras
from media.version import build, version

log = logging.getLogger(__name__)

HIDDEN = "<hidden>"
_SECRETS = (
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
    re.compile(r"ceremony://\S+", re.IGNORECASE),  # an invite link
    re.compile(r"CEREMONY1:[A-Za-z0-9_=\-]+"),  # an invite
    re.compile(r"\b[0-9a-fA-F]{64}\b"),  # an HMAC token or a hex secret
)
_TURN_PASSWORD = re.compile(r"(turns?:[^:\s@]+:)[^@\s]+@")
_SECRET_KEYS = re.compile(r"invite|token|secret|password|passwd|credential|private", re.I)
PACKAGES = (
    "PySide6-Essentials",
    "aiortc",
    "aioice",
    "av",
    "numpy",
    "opencv-python-headless",
    "sounddevice",
    "msgspec",
    "aiohttp",
    "cryptography",
    "platformdirs",
)
STATS_WINDOW_S = 60.0


def redact(text: str) -> str:
    """`text` with invites, tokens, TURN passwords and private keys replaced by <hidden>."""
    for pattern in _SECRETS:
        text = pattern.sub(HIDDEN, text)
    return _TURN_PASSWORD.sub(lambda m: m.group(1) + HIDDEN + "@", text)


def redact_settings(text: str) -> str:
    """An INI file with the value of every key that names a secret hidden, then `redact`ed."""
    lines = []
    for line in text.splitlines():
        key, sep, _value = line.partition("=")
        lines.append(f"{key}={HIDDEN}" if sep and _SECRET_KEYS.search(key) else line)
    return redact("\n".join(lines) + "\n")


def hide_fields(value: Any) -> Any:
    """JSON-ready data with the value of every key that names a secret hidden."""
    if isinstance(value, dict):
        return {
            k: HIDDEN if _SECRET_KEYS.search(str(k)) else hide_fields(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [hide_fields(v) for v in value]
    return value


@dataclass
class StatsRing:
    """The link statistics of the last minute, where they flow; read for the diagnostics."""

    window_s: float = STATS_WINDOW_S
    _samples: deque[tuple[float, dict[str, Any]]] = field(default_factory=deque)

    def add(self, now: float, sample: dict[str, Any]) -> None:
        self._samples.append((now, sample))
        while self._samples and now - self._samples[0][0] > self.window_s:
            self._samples.popleft()

    def recent(self, now: float) -> list[dict[str, Any]]:
        return [
            {"t": round(t - now, 3), **sample}
            for t, sample in self._samples
            if now - t <= self.window_s
        ]


def versions() -> dict[str, str]:
    found = {
        "ceremony": version(),
        "build": build(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "frozen": str(bool(getattr(sys, "frozen", False))),
    }
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def devices() -> dict[str, Any]:
    """What the app can see of cameras and sound devices (names only)."""
    found: dict[str, Any] = {}
    try:
        found["cameras"] = [{"spec": c.spec, "name": c.name} for c in list_cameras()]
    except Exception as exc:  # a broken driver must not stop the rest of the zip
        found["cameras"] = f"cannot list: {exc}"
    try:
        found["audio"] = [
            {"name": d.name, "api": d.host_api, "in": d.inputs, "out": d.outputs}
            for d in list_audio_devices()
        ]
    except (DeviceError, OSError) as exc:
        found["audio"] = f"cannot list: {exc}"
    return found


def log_files(folder: Path) -> list[Path]:
    """The logs and crash traces in the log folder, oldest name last."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and ".log" in p.name)


def default_zip_name(app: str, now_wall: float) -> str:
    return (
        f"ceremony-diagnostics-{app}-{time.strftime('%Y%m%d-%H%M%S', time.localtime(now_wall))}.zip"
    )


def write_diagnostics(
    out: Path,
    *,
    app: str,
    logs_folder: Path | None,
    settings_files: Iterable[Path] = (),
    stats: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write the zip to `out` (0600, written whole then renamed into place) and return it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as z:
        about = {"app": app, "written": time.strftime("%Y-%m-%d %H:%M:%S %z"), **(extra or {})}
        z.writestr("about.json", redact(json.dumps(hide_fields(about), indent=2, default=str)))
        z.writestr("versions.json", json.dumps(versions(), indent=2))
        z.writestr("devices.json", redact(json.dumps(devices(), indent=2)))
        z.writestr(
            "link-stats.json",
            redact(json.dumps(hide_fields(stats) if stats is not None else "none", indent=1)),
        )
        for path in log_files(logs_folder) if logs_folder else []:
            text = path.read_text(encoding="utf-8", errors="replace")
            z.writestr(f"logs/{path.name}", redact(text))  # older files may predate redaction
        for path in settings_files:
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                z.writestr(f"settings/{path.name}", redact_settings(text))
    partial.replace(out)
    log.info("diagnostics written to %s", out)
    return out
