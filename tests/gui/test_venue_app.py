"""The venue app offscreen: join flow, refusals, tally and cues, timer, countdown, reconnect."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from ceremony import wire
from ceremony.countdown import ArmState, seconds_shown
from ceremony.invite import Invite
from launcher.live import make_venue_link
from media.program import VideoFormat
from media.venue import LinkState, VenueConfig
from ui.venue.app import venue_window
from ui.venue.host import VenueHost, VenueView
from ui.venue.program_view import ProgramView
from ui.venue.window import VenueWindow

pytestmark = pytest.mark.gui

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


class FakeClock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def never_started(invite: Invite, devices: object) -> VenueHost:
    raise AssertionError("the test joins by hand")


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> VenueWindow:
    settings = QSettings(str(tmp_path / "venue.ini"), QSettings.Format.IniFormat)
    w = VenueWindow(never_started, settings)
    qtbot.addWidget(w)
    return w


def state(**fields: object) -> wire.ProgramState:
    base: dict[str, object] = {"tally": wire.Tally.STANDBY, "item_index": 0, "item_count": 8}
    base.update(fields)
    return wire.ProgramState(**base)  # type: ignore[arg-type]


def test_a_good_invite_shows_where_it_leads(window: VenueWindow) -> None:
    window.join_page.text.setPlainText(INVITE.to_string())
    assert window.join_page.join.isEnabled()
    details = window.join_page.details.text()
    assert "Studio Kementerian PANRB" in details and "MPP Kota Cirebon" in details
    assert "AB:AB:AB" in details  # the certificate the app will insist on


def test_a_damaged_invite_is_explained(window: VenueWindow) -> None:
    window.join_page.text.setPlainText(INVITE.to_string()[:-30] + "!!")
    assert not window.join_page.join.isEnabled()
    assert "damaged" in window.join_page.problem.text()


@pytest.mark.parametrize(
    ("detail", "words"),
    [
        ("bad_token: signature", "not valid for this studio"),
        ("expired: the invite has expired", "expired"),
        ("other_venue: this invite belongs to venue 'lokasi-02'", "another venue"),
        ("unknown_venue: not in the run-sheet", "not in today's run-sheet"),
        ("wrong_ceremony: another ceremony", "another ceremony"),
        ("malformed: bad offer", "could not read"),
        ("certificate_mismatch: fingerprint", "not the studio"),
    ],
)
def test_each_refusal_sends_the_crew_back_with_a_reason(
    window: VenueWindow, detail: str, words: str
) -> None:
    window.pages.setCurrentWidget(window.live_page)
    window.apply_view(VenueView(link=LinkState.REFUSED, link_detail=detail))
    assert window.pages.currentWidget() is window.join_page
    assert words in window.join_page.problem.text()


def test_tally_cue_and_confidence_timer(window: VenueWindow) -> None:
    view = VenueView(
        link=LinkState.CONNECTED,
        program=state(
            tally=wire.Tally.ON_AIR,
            item_title="Laporan Wali Kota Cirebon",
            speaker_name="Wali Kota Cirebon",
            remaining_s=95.0,
            phase="normal",
        ),
        program_at=time.monotonic(),
        cue="Mohon bersiap, 30 detik lagi",
        cue_at=time.monotonic(),
    )
    window.apply_view(view)
    program = window.live_page.program
    assert program.cue_text() == "Mohon bersiap, 30 detik lagi"
    remaining = program.confidence_remaining()
    assert remaining is not None and 94.0 < remaining <= 95.0
    assert "Laporan Wali Kota Cirebon" in window.live_page.item.text()
    window.apply_view(VenueView(link=LinkState.CONNECTED, program=state(remaining_s=10.0)))
    assert program.confidence_remaining() is None  # not on air: no speaker timer here


def test_countdown_digits_change_on_the_shared_second() -> None:
    assert [seconds_shown(100.0, t) for t in (96.9, 97.0, 97.01, 99.999, 100.0, 101)] == [
        4,
        3,
        3,
        1,
        0,
        0,
    ]


def test_countdown_screen_reaches_zero_on_the_deadline(qtbot: QtBot) -> None:
    clock = FakeClock(97.5)
    view = ProgramView(clock)
    qtbot.addWidget(view)
    view.set_view(VenueView(countdown_state=ArmState.ARMED, countdown_deadline=100.0))
    assert view.countdown_text() == "3"
    clock.t = 99.99
    assert view.countdown_text() == "1"
    # From half a frame before the deadline the zero screen is painted (it reaches the glass
    # at the next refresh), before the firing thread's report has come through the loop.
    clock.t = 100.0 - view.frame_s() / 2
    assert view.countdown_text() is None and view.inaugurated()
    with qtbot.waitSignal(view.zero_shown) as shown:
        view.grab()
    assert shown.args == [pytest.approx(-view.frame_s() / 2)]
    view.set_view(
        VenueView(
            countdown_state=ArmState.FIRED,
            countdown_deadline=100.0,
            program=state(ceremony_title="Peresmian Serentak"),
        )
    )
    assert view.countdown_text() is None and view.inaugurated()
    view.grab()  # paints the inaugurated screen without error


def test_the_zero_screen_is_repainted_on_its_own_timer(qtbot: QtBot) -> None:
    clock = FakeClock(0.0)
    view = ProgramView(clock)
    qtbot.addWidget(view)
    view.show()
    reports: list[float] = []
    view.zero_shown.connect(reports.append)
    view.set_view(VenueView(countdown_state=ArmState.ARMED, countdown_deadline=0.05))
    clock.t = 0.05  # the precise timer fires ~42 ms on; the fake clock says zero has come
    qtbot.waitUntil(lambda: bool(reports), timeout=2000)
    assert reports == [pytest.approx(0.0)]  # reported once, with the lateness it measured
    view.grab()
    assert len(reports) == 1


def test_reconnecting_is_said_over_the_picture(qtbot: QtBot) -> None:
    view = ProgramView(FakeClock(0))
    qtbot.addWidget(view)
    view.set_view(VenueView(link=LinkState.RECONNECTING))
    assert "Reconnecting" in (view.link_banner() or "")
    view.set_view(VenueView(link=LinkState.CONNECTED))
    assert view.link_banner() is None


def test_a_missing_camera_falls_back_and_says_why() -> None:
    said: list[str] = []
    link = make_venue_link(
        INVITE,
        video=VideoFormat(160, 96, 10),
        config=VenueConfig(program_sound=False),
        camera_spec="/dev/video-missing",
        microphone="no such microphone",
        report=said.append,
    )
    link.countdown.close()  # its firing thread; the link itself never ran
    assert any("camera" in s and "test pattern" in s for s in said)
    assert any("microphone" in s and "silence" in s for s in said)


def test_devices_page_explains_what_is_missing_and_remembers(qtbot: QtBot, tmp_path: Path) -> None:
    from ui.venue.devices import DevicesPage

    settings = QSettings(str(tmp_path / "venue.ini"), QSettings.Format.IniFormat)
    settings.setValue("venue/camera", "/dev/video7")  # a camera that was there yesterday
    page = DevicesPage(settings)
    qtbot.addWidget(page)
    notes = page.notes.text()
    assert "/dev/video7" in notes  # the missing remembered device is named
    if page.camera.count() == 1:  # this machine has no camera
        assert "test pattern" in notes
    assert page.chosen()[0] is None  # falls back to the test pattern, not to an error
    page.start_preview()
    page.stop_preview()
    if page.speaker.count() == 1:  # no sound card here: the test tone says why it is silent
        assert "program's sound and the siren" in notes
        assert page.play_test_tone() is False
        assert "No sound" in page.notes.text()


def test_devices_page_shows_the_hall_delay_measured_for_these_devices(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from ui.venue.devices import DevicesPage, stored_hall_latency

    settings = QSettings(str(tmp_path / "venue.ini"), QSettings.Format.IniFormat)
    page = DevicesPage(settings)
    qtbot.addWidget(page)
    assert "not measured" in page.hall.text()
    _, mic, spk = page.chosen()
    found = dataclasses.make_dataclass("Found", [("latency_s", float)])(0.0412)
    page.calibrated.emit((spk, mic, found))  # as the measuring thread does
    assert "41.2 ms" in page.hall.text()
    assert stored_hall_latency(settings, spk, mic) == pytest.approx(0.0412)
    assert stored_hall_latency(settings, "another speaker", mic) is None  # per device pair
    page.calibrated.emit("the chirp was not heard")
    assert "not heard" in page.hall.text()


def test_join_uses_the_chosen_devices(qtbot: QtBot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "venue.ini"), QSettings.Format.IniFormat)
    asked: list[object] = []

    class StopError(Exception):
        pass

    def make_host(invite: Invite, devices: object) -> VenueHost:
        asked.append(devices)
        raise StopError  # nothing more to see: no link is made

    w = VenueWindow(make_host, settings, INVITE.to_string())
    qtbot.addWidget(w)
    w.show_devices()
    assert w.pages.currentWidget() is w.devices_box
    w.close_devices()
    with pytest.raises(StopError):
        w._join()  # what the Join button calls
    assert asked == [(None, None, None)]


def test_joining_a_real_studio_brings_the_live_screen(qtbot: QtBot, tmp_path: Path) -> None:
    """The whole join flow: a studio engine on loopback, the crew pastes the invite and joins."""
    import socket

    from ceremony import runsheet
    from media.ice import pin_host_addresses
    from media.identity import ensure_identity
    from media.studio import StudioConfig, StudioEngine
    from tests.unit.conftest import SAMPLE
    from ui.bridge import EngineHost

    pin_host_addresses(["127.0.0.1"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sheet = runsheet.load(SAMPLE).scaled(1200)
    identity = ensure_identity(tmp_path / "studio", ["127.0.0.1"])
    config = StudioConfig(host="127.0.0.1", port=port, program=VideoFormat(160, 96, 10))
    studio = EngineHost(lambda: StudioEngine(sheet, identity, config, tmp_path / "j.jsonl"))
    with qtbot.waitSignal(studio.started, timeout=15000):
        studio.start()
    invite = identity.invite(sheet, "kota-cirebon", [f"127.0.0.1:{port}"], time.time() + 600)
    settings = QSettings(str(tmp_path / "venue.ini"), QSettings.Format.IniFormat)
    window = venue_window(
        lambda inv, _d: make_venue_link(
            inv, video=VideoFormat(160, 96, 10), config=VenueConfig(program_sound=False)
        ),
        settings,
        invite.to_string(),
    )
    qtbot.addWidget(window)
    try:
        window.join_page.join.click()
        assert window.pages.currentWidget() is window.live_page
        qtbot.waitUntil(
            lambda: window.host is not None and window.host.view().link is LinkState.CONNECTED,
            timeout=20000,
        )
        qtbot.waitUntil(lambda: window.live_page.program.image is not None, timeout=20000)
        studio.call(lambda e: e.cue("Mohon bersiap", "kota-cirebon"))
        qtbot.waitUntil(
            lambda: window.live_page.program.cue_text() == "Mohon bersiap", timeout=10000
        )
    finally:
        window.shutdown()
        studio.stop()
        pin_host_addresses(None)


def test_the_firing_thread_holds_the_gui_thread_until_it_has_fired(qtbot: QtBot) -> None:
    """The countdown's firing thread asks, ~20 ms ahead, for the GUI thread to wait (holding no
    interpreter lock) until it has fired; the request must land on the GUI thread."""
    import threading

    waited_on: list[int] = []

    class Released(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            waited_on.append(threading.get_ident())
            return super().wait(timeout)

    host = VenueHost(lambda: None)  # type: ignore[arg-type, return-value]  # never started
    released = Released()
    firing = threading.Thread(target=host._request_hold, args=(released,))
    firing.start()
    firing.join()
    assert waited_on == []  # nothing waits on the firing thread itself
    released.set()  # fired: the GUI thread's wait returns at once when it gets to it
    qtbot.waitUntil(lambda: waited_on == [threading.get_ident()], timeout=2000)


def test_program_picture_is_fitted_to_the_screen_off_the_gui_path(qtbot: QtBot) -> None:
    import av
    import numpy as np

    view = ProgramView(time.monotonic)
    qtbot.addWidget(view)
    view.resize(800, 600)
    frame = av.VideoFrame.from_ndarray(np.zeros((180, 320, 3), np.uint8), format="rgb24")
    view.set_frame(frame.reformat(format="yuv420p"))
    assert view.image is not None and (view.image.width(), view.image.height()) == (800, 450)


def test_live_screen_says_when_this_hall_cannot_hear_the_program(window: VenueWindow) -> None:
    from types import SimpleNamespace

    from media.speaker import Speaker

    speaker = Speaker()
    window.host = SimpleNamespace(link=SimpleNamespace(speaker=speaker))  # type: ignore[assignment]
    window._repaint()
    assert window.live_page.sound.text() == ""  # plays, or not tried yet: nothing to say
    speaker.problem = "no sound: the output device could not be opened"
    window._repaint()
    assert "could not be opened" in window.live_page.sound.text()
    window.host = None


def test_the_crews_own_chat_lines_survive_later_updates(window: VenueWindow) -> None:
    host = VenueHost(lambda: None)  # type: ignore[arg-type, return-value]  # never started
    host.say("kami siap")
    host._on_message(wire.Chat(text="terima kasih", sender="studio"))
    window.apply_view(host.view())
    window.apply_view(dataclasses.replace(host.view(), rtt_ms=12.0))  # any later change
    lines = window.live_page.chat_log.toPlainText().splitlines()
    assert len(lines) == 2 and lines[0].endswith("kami siap")
    assert lines[1].endswith("terima kasih")
