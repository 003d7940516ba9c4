"""The console yields the CPU to the engine it shows: the engine is the ceremony, the console
a viewer.

`ceremony studio` (with a display) lowers its own scheduling priority once the engine runs: every
thread of the console process to `nice` (threads it starts later inherit it), so when the studio
PC's cores are short, the engine's loop (heartbeats, countdown, program) and anything else at
ordinary priority run first, and the console takes what is left. Lowering one's own priority
needs no privilege; the engine, started before, keeps its own.

Linux's autogroup (a scheduling group per session) weighs sessions against each other before
nice values count: an engine started by the console runs in a session of its own, so there the
console's whole session is lowered too (/proc/self/autogroup). Not when the engine shares the
console's session (started by hand in the same terminal, or by `bench resilience
--console-session shared`): that would lower the engine with it, and the thread nice values
already order the two inside one session.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

CONSOLE_NICE = 10  # below the engine (0); 10 gives it about a tenth of an ordinary process's share
PROC = Path("/proc")


@dataclass(frozen=True)
class Yielded:
    """What the console did to its priority (logged; the benchmark records the nice values)."""

    nice: int | None  # the console's threads' nice value now (None: nothing was changed)
    threads: int  # threads lowered
    session_group: bool  # the console's autogroup lowered too


def autogroup(pid: int | str, proc: Path = PROC) -> str | None:
    """The process's autogroup ("/autogroup-10"), None where there is none (disabled, or not
    Linux, or the process is gone)."""
    with contextlib.suppress(OSError, IndexError):
        enabled = (proc / "sys" / "kernel" / "sched_autogroup_enabled").read_text().strip()
        if enabled != "1":
            return None
        return (proc / str(pid) / "autogroup").read_text().split()[0]
    return None


def yield_to_engine(engine_pid: int | None, nice: int = CONSOLE_NICE, proc: Path = PROC) -> Yielded:
    """Lower this process's threads to `nice` (never raise them), and its session's autogroup
    when the engine runs in another one. `nice` 0 or less: leave everything as it is."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return Yielded(None, 0, False)
    lowered = 0
    tasks = PROC / "self" / "task"  # (`proc` is for the session's group: tests give a fake)
    tids = [int(t.name) for t in tasks.iterdir()] if tasks.is_dir() else [0]
    for tid in tids:  # on Linux a nice value is a thread's: each one, not only the main thread
        with contextlib.suppress(OSError):
            if os.getpriority(os.PRIO_PROCESS, tid) < nice:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
                lowered += 1
    group = False
    ours = autogroup("self", proc)
    theirs = autogroup(engine_pid, proc) if engine_pid is not None else None
    if ours is not None and theirs is not None and ours != theirs:
        with contextlib.suppress(OSError):
            (proc / "self" / "autogroup").write_text(str(nice))
            group = True
    log.info(
        "console at nice %d below the engine (pid %s): %d threads lowered, session %s",
        nice,
        engine_pid,
        lowered,
        "lowered too" if group else "unchanged (the engine's own, or no autogroup)",
    )
    return Yielded(nice, lowered, group)
