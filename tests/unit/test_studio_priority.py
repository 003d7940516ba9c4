"""The console lowers its own priority below the engine's: every thread, and its session's
scheduling group only when the engine runs in another session."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from launcher.studio_priority import yield_to_engine

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="Linux /proc")

# In a process of its own: lowering a thread's priority cannot be undone without privilege.
SCRIPT = textwrap.dedent(
    """
    import os, threading
    from launcher.studio_priority import yield_to_engine

    release = threading.Event()
    before = threading.Thread(target=release.wait)
    before.start()
    done = yield_to_engine(None, 7)
    niced = {}
    after = threading.Thread(target=lambda: niced.update(after=os.getpriority(os.PRIO_PROCESS, 0)))
    after.start()
    after.join()
    niced["before"] = os.getpriority(os.PRIO_PROCESS, before.native_id)
    niced["main"] = os.getpriority(os.PRIO_PROCESS, 0)
    release.set()
    print(done.nice, done.threads >= 2, done.session_group, niced["main"], niced["before"],
          niced["after"])
    """
)


def test_every_thread_is_lowered_and_later_threads_inherit_it() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    ).stdout.split()
    # No engine pid known: the session's group is left alone.
    assert out == ["7", "True", "False", "7", "7", "7"]


def test_nice_zero_changes_nothing() -> None:
    before = os.getpriority(os.PRIO_PROCESS, 0)
    done = yield_to_engine(os.getpid(), 0)
    assert (done.nice, done.threads, done.session_group) == (None, 0, False)
    assert os.getpriority(os.PRIO_PROCESS, 0) == before


def fake_proc(tmp_path: Path, ours: str, engine: str, enabled: str = "1") -> Path:
    (tmp_path / "sys" / "kernel").mkdir(parents=True)
    (tmp_path / "sys" / "kernel" / "sched_autogroup_enabled").write_text(enabled)
    for pid, group in (("self", ours), ("4242", engine)):
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "autogroup").write_text(f"{group} nice 0\n")
    return tmp_path


def run_in_child(proc: Path) -> str:
    code = (
        "from pathlib import Path; from launcher.studio_priority import yield_to_engine; "
        f"print(yield_to_engine(4242, 10, proc=Path({str(proc)!r})).session_group)"
    )
    root = str(Path(__file__).resolve().parents[2])
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": root},
    ).stdout.strip()


def test_an_engine_in_another_session_lowers_the_consoles_session(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, "/autogroup-7", "/autogroup-9")
    assert run_in_child(proc) == "True"
    assert (proc / "self" / "autogroup").read_text() == "10"


def test_an_engine_in_the_consoles_session_keeps_the_session_as_it_is(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, "/autogroup-7", "/autogroup-7")
    assert run_in_child(proc) == "False"
    assert (proc / "self" / "autogroup").read_text() == "/autogroup-7 nice 0\n"


def test_no_autogroup_no_session_change(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, "/autogroup-7", "/autogroup-9", enabled="0")
    assert run_in_child(proc) == "False"
