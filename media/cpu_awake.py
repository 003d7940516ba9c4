"""Keep the CPUs from sleeping deeply for the last stretch before zero.

An idle CPU sleeps (on a virtual machine it halts, and the host must schedule it again before it
runs anything). A firing thread that wakes at zero may be sent to such a CPU: measured with 100
light venues on the two virtual cores of the benchmark machine (perf, 2026-12-02), real-time
firing threads pushed to the idle core waited 2-5 ms for it to come back, while the busy core ran
ordinary threads. Linux's PM QoS interface lets a program ask for a wake-up latency bound while it
keeps /dev/cpu_dma_latency open with the bound written to it: 0 keeps every CPU polling instead of
halting (as audio and real-time tools do). The file is root's; the .deb's udev rule
(packaging/linux) gives it to the user at the computer's screen. Where it cannot be opened,
nothing is held and the firing still works, as it does without real-time priority.
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Callable

log = logging.getLogger(__name__)

PM_QOS_PATH = "/dev/cpu_dma_latency"
# Microseconds the CPUs may take to wake: none.
LATENCY_US = 0


def hold_cpus_awake(path: str = PM_QOS_PATH) -> Callable[[], None] | None:
    """Ask the kernel to keep every CPU out of deep idle until the returned function is called;
    None where it cannot be asked (no such file, not allowed). Never raises."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as exc:
        log.debug("the CPUs may sleep before zero: %s: %s", path, exc.strerror)
        return None
    try:
        # The request is the int32 written and lasts while the file stays open.
        if os.write(fd, struct.pack("=i", LATENCY_US)) != 4:
            raise OSError("short write")
    except OSError as exc:
        os.close(fd)
        log.debug("the CPUs may sleep before zero: writing %s failed: %s", path, exc)
        return None
    closed = False

    def let_go() -> None:
        nonlocal closed
        if not closed:
            closed = True
            os.close(fd)

    return let_go
