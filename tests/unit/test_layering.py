"""The core stays pure: no GUI, media, network, threads, files or clock reads under ceremony/."""

from __future__ import annotations

import ast
from pathlib import Path

import ceremony

FORBIDDEN_MODULES = {
    "PySide6",
    "aiortc",
    "av",
    "cv2",
    "sounddevice",
    "aiohttp",
    "asyncio",
    "socket",
    "threading",
    "time",
    "multiprocessing",
    "subprocess",
    "os",  # files, processes and the environment: the adapters' business
    "shutil",
    "tempfile",
}
# Reading the clock through datetime is as impure as through time.
FORBIDDEN_CALLS = {"now", "utcnow", "today", "monotonic", "perf_counter", "monotonic_ns", "time_ns"}
# File I/O through pathlib or the builtin: the core takes and returns bytes or text instead.
FILE_CALLS = {"read_bytes", "read_text", "write_bytes", "write_text", "stat", "replace", "unlink"}


def violations(source: str, filename: str) -> list[str]:
    found: list[str] = []
    tree = ast.parse(source, filename)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            if name.split(".")[0] in FORBIDDEN_MODULES:
                found.append(f"{filename}:{line}: imports {name}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in FORBIDDEN_CALLS
        ):
            found.append(f"{filename}:{line}: reads the clock ({ast.unparse(node.func)})")
        if isinstance(node, ast.Call) and (
            (isinstance(node.func, ast.Name) and node.func.id == "open")
            or (
                isinstance(node.func, ast.Attribute)
                and node.func.attr in FILE_CALLS
                # Path.replace(target) takes one argument; str.replace(old, new) two and
                # dataclasses/msgspec replace(obj, field=...) keywords
                and not (node.func.attr == "replace" and (len(node.args) != 1 or node.keywords))
            )
        ):
            found.append(f"{filename}:{line}: file I/O ({ast.unparse(node.func)})")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "__import__"
        ):
            found.append(f"{filename}:{line}: dynamic import")
    return found


def test_ceremony_package_is_pure() -> None:
    root = Path(ceremony.__file__).parent
    files = sorted(root.rglob("*.py"))
    assert len(files) > 5
    problems = [v for f in files for v in violations(f.read_text(encoding="utf-8"), str(f))]
    assert problems == []


def test_checker_catches_each_kind_of_violation() -> None:
    bad = (
        "import asyncio\n"
        "from PySide6.QtCore import QObject\n"
        "import cv2 as c\n"
        "from aiortc import RTCPeerConnection\n"
        "import datetime\n"
        "x = datetime.datetime.now()\n"
        "import os\n"
        "f = open('x.yaml')\n"
        "data = path.read_bytes()\n"
        "tmp.replace(path)\n"
    )
    found = violations(bad, "bad.py")
    assert sorted(int(f.split(":")[1]) for f in found) == [1, 2, 3, 4, 6, 7, 8, 9, 10]


def test_checker_accepts_clean_code() -> None:
    assert violations("import datetime as dt\nx = dt.date(2026, 1, 1)\n", "ok.py") == []
    assert violations("s = 'a-b'.replace('-', ' ')\n", "ok.py") == []
