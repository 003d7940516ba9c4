from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ceremony.invite import Invite
from ceremony.runsheet import Runsheet
from media import runsheet_files

SAMPLE = Path(__file__).resolve().parents[2] / "ceremony" / "samples" / "mpp-11.yaml"
# An invite to a studio that is not there (port 9): for screens and command lines.
INVITE = Invite(
    studio="Studio Kementerian PANRB",
    addresses=["127.0.0.1:9"],
    ceremony_id="c",
    ceremony_title="Peresmian Serentak",
    venue_id="kota-cirebon",
    venue_name="MPP Kota Cirebon",
    fingerprint="AB:" * 31 + "AB",
    expires=time.time() + 3600,
    token="00" * 32,
)


@pytest.fixture
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture
def sample() -> Runsheet:
    return runsheet_files.load(SAMPLE)


@pytest.fixture
def kernel_stamping() -> Iterator[None]:
    """Linux stamping received packets, seen to be on (media/kernel_stamps.py). Linux turns it
    on from a work queue a moment after the first ask; until then a datagram's stamp is the time
    it was read, as without kernel stamps. The socket held open keeps it on."""
    from media import kernel_stamps

    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        rx.bind(("127.0.0.1", 0))
        assert kernel_stamps.enable(rx)
        ages = kernel_stamps.ReceiveAges()
        for _ in range(500):
            tx.sendto(b"x", rx.getsockname())
            time.sleep(0.002)  # the datagram waits this long before it is read
            rx.recv(8)
            age = ages.age(rx.fileno())
            if age is not None and age >= 0.0015:
                break
        else:
            pytest.fail("Linux did not start stamping received packets within a second")
        yield
    finally:
        rx.close()
        tx.close()
