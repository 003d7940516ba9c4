"""media.cpu_awake: the PM QoS request is written, kept while open, and never raises."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from media.cpu_awake import LATENCY_US, hold_cpus_awake


def test_the_request_is_the_latency_written_as_an_int32_and_let_go_once(tmp_path: Path) -> None:
    qos = tmp_path / "cpu_dma_latency"  # a plain file stands in for the device
    qos.write_bytes(b"")
    let_go = hold_cpus_awake(str(qos))
    assert let_go is not None
    assert qos.read_bytes() == struct.pack("=i", LATENCY_US)
    let_go()
    let_go()  # a second let-go closes nothing else


def test_without_the_device_nothing_is_held(tmp_path: Path) -> None:
    assert hold_cpus_awake(str(tmp_path / "absent")) is None


def test_a_path_that_cannot_be_opened_for_writing_holds_nothing(tmp_path: Path) -> None:
    assert hold_cpus_awake(str(tmp_path)) is None  # a directory


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_device_that_refuses_the_write_holds_nothing() -> None:
    assert hold_cpus_awake("/dev/full") is None  # every write fails (no space)
