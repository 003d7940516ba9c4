"""The installers' udev rule for /dev/cpu_dma_latency and the .deb's scripts that apply it.

udev itself does not run on the test machine (no systemd): what is checked is that the rule
names the device media/cpu_awake.py opens and tags it for the seat's user before logind's
73-seat-late.rules applies such tags, and that the maintainer scripts apply it where udevadm
exists and never fail an install or removal where it does not or fails.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from media.cpu_awake import PM_QOS_PATH

LINUX = Path(__file__).resolve().parents[2] / "packaging" / "linux"
RULE = LINUX / "70-ceremony-cpu-awake.rules"


def test_the_rule_gives_the_pm_qos_device_to_the_user_at_the_screen() -> None:
    lines = [
        line
        for line in RULE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) == 1
    pairs = {key: value for key, _op, value in re.findall(r'(\w+)(==|\+=)"([^"]*)"', lines[0])}
    assert pairs == {"KERNEL": "cpu_dma_latency", "SUBSYSTEM": "misc", "TAG": "uaccess"}
    assert "/dev/" + pairs["KERNEL"] == PM_QOS_PATH
    assert RULE.name < "73-seat-late.rules"  # tagged before logind applies "uaccess"


def _script(name: str, arg: str, bin_dir: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    return subprocess.run(
        ["sh", str(LINUX / name), arg], env=env, capture_output=True, text=True, check=False
    )


def _fake_udevadm(tmp_path: Path, exit_code: int) -> tuple[Path, Path]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    fake = bin_dir / "udevadm"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexit {exit_code}\n', encoding="utf-8")
    fake.chmod(0o755)
    return bin_dir, calls


def test_postinst_applies_the_rule_to_the_device_now(tmp_path: Path) -> None:
    bin_dir, calls = _fake_udevadm(tmp_path, 0)
    assert _script("postinst", "configure", bin_dir).returncode == 0
    made = calls.read_text(encoding="utf-8").splitlines()
    assert made[0] == "control --reload-rules"
    assert made[1].startswith("trigger --action=change") and "cpu_dma_latency" in made[1]


@pytest.mark.parametrize("name,arg", [("postinst", "configure"), ("postrm", "remove")])
def test_the_scripts_never_fail_over_udev(tmp_path: Path, name: str, arg: str) -> None:
    bin_dir, calls = _fake_udevadm(tmp_path, 1)  # udev not running: udevadm fails
    assert _script(name, arg, bin_dir).returncode == 0
    assert calls.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"PATH": str(empty)}  # no udevadm at all (a container); sh found by its full path
    done = subprocess.run(["/bin/sh", str(LINUX / name), arg], env=env, check=False)
    assert done.returncode == 0
