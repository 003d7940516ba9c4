"""The operator protocol's pure rules: venues by id or number, one tally rule, text limits,
the state's round trip, and where a running engine's control API is found."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import msgspec
import pytest

from ceremony import operator as op
from ceremony.runsheet import Runsheet, Source
from ceremony.wire import MAX_TEXT, Tally
from media.remote.endpoint import Endpoint, EndpointError, find_endpoint, load_token, write_endpoint
from media.remote.osc import TALLY_NUMBER, feedback_values

IDS = ["kota-cirebon", "lokasi-02", "lokasi-03"]


def test_venues_by_id_or_one_based_number() -> None:
    assert op.resolve_venue("kota-cirebon", IDS) == "kota-cirebon"
    assert op.resolve_venue("1", IDS) == "kota-cirebon"
    assert op.resolve_venue("3", IDS) == "lokasi-03"
    for bad in ("0", "4", "-1", "", "KOTA-CIREBON", "1.0", "١"):  # Arabic-Indic one too
        assert op.resolve_venue(bad, IDS) is None, bad


def test_one_tally_rule(sample: Runsheet) -> None:
    cirebon = Source.venue("kota-cirebon")
    assert op.tally_for("kota-cirebon", cirebon, None) is Tally.ON_AIR
    assert op.tally_for("kota-cirebon", cirebon, "kota-cirebon") is Tally.ON_AIR  # red wins
    assert op.tally_for("lokasi-02", cirebon, "lokasi-02") is Tally.PREVIEW
    assert op.tally_for("lokasi-03", Source.studio(), "lokasi-02") is Tally.STANDBY
    report = next(i for i, it in enumerate(sample.items) if it.source == cirebon)
    assert op.preview_venue(None, sample, report) == "kota-cirebon"  # the next item's venue
    assert op.preview_venue("lokasi-02", sample, report) == "lokasi-02"  # the operator's pick
    assert op.preview_venue(None, sample, 0) is None  # the next item is the studio's


def test_text_limits() -> None:
    assert op.check_text("Siap", "the cue") is None
    assert op.check_text("  ", "the cue") == "the cue is empty"
    assert op.check_text("x" * (MAX_TEXT + 1), "the cue") is not None


def test_state_round_trip_and_feedback(sample: Runsheet) -> None:
    state = op.StudioState(
        ceremony_id=sample.ceremony.id,
        ceremony_title=sample.ceremony.title,
        status="running",
        current=op.item_info(sample, 3),
        remaining_s=-12.4,
        venues=[
            op.VenueRow(
                index=1,
                id="kota-cirebon",
                name="MPP Kota Cirebon",
                status="joined",
                tally=Tally.ON_AIR,
            ),
        ],
        countdown=op.CountdownInfo(phase=op.CountdownPhase.ARMED, seconds_left=4.2),
    )
    assert op.decode_state(op.encode_state(state)) == state
    assert state.current is not None and state.current.source == "MPP Kota Cirebon"
    values = feedback_values(state)
    assert values["/studio/state/tally/1"] == TALLY_NUMBER[Tally.ON_AIR] == 2
    assert values["/studio/state/remaining"] == -13  # overtime counts up below zero
    assert values["/studio/state/remaining/text"] == "+00:12"
    assert values["/studio/state/countdown"] == 5  # the digit on screen: ceil
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"ceremony_id": 1}', type=op.StudioState)


def test_token_and_endpoint_files_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "control"
    token = load_token(folder)
    assert len(token) >= 32 and load_token(folder) == token  # kept: panels stay set up
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder / "token").st_mode) == 0o600
    with pytest.raises(EndpointError, match="no studio engine"):
        find_endpoint(folder)
    path = write_endpoint(folder, Endpoint("upacara", "127.0.0.1:8088", None, os.getpid()))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert find_endpoint(folder).http == "127.0.0.1:8088"
    write_endpoint(folder, Endpoint("gladi", "127.0.0.1:8089", None, 2**22 + 12345))  # dead pid
    assert find_endpoint(folder).ceremony_id == "upacara"
    with pytest.raises(EndpointError, match="'lain'"):
        find_endpoint(folder, "lain")
