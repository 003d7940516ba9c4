"""The venue app offscreen: join flow, refusals, tally and cues, timer, countdown, reconnect."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
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


REFUSAL_WORDS = {
    wire.JoinRefusal.BAD_TOKEN: "not valid for this studio",
    wire.JoinRefusal.EXPIRED: "expired",
    wire.JoinRefusal.OTHER_VENUE: "another venue",
    wire.JoinRefusal.UNKNOWN_VENUE: "not in today's run-sheet",
    wire.JoinRefusal.WRONG_CEREMONY: "another ceremony",
    wire.JoinRefusal.MALFORMED: "could not read",
    wire.JoinRefusal.CERTIFICATE_MISMATCH: "not the studio",
}


@pytest.mark.parametrize("reason", list(wire.JoinRefusal))
def test_each_refusal_sends_the_crew_back_with_a_reason(
    window: VenueWindow, reason: wire.JoinRefusal
) -> None:
    window.pages.setCurrentWidget(window.live_page)
    # The detail is the studio's English sentence: the crew's text comes from the typed reason.
    view = VenueView(link=LinkState.REFUSED, refusal=reason, link_detail="x: <object at 0x1>")
    window.apply_view(view)
    assert window.pages.currentWidget() is window.join_page
    shown = window.join_page.problem.text()
    assert REFUSAL_WORDS[reason] in shown
    assert "0x1" not in shown


@pytest.fixture
def indonesian(qtbot: QtBot) -> Iterator[None]:
    from PySide6.QtWidgets import QApplication

    from ui.i18n import Language

    app = QApplication.instance()
    assert app is not None
    language = Language(app)
    assert language.use("id"), "ui/i18n/ceremony_id.qm missing: run `make translations`"
    yield
    language.use("en")


def test_a_refusal_is_told_in_indonesian(indonesian: None, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "venue.ini"), QSettings.Format.IniFormat)
    w = VenueWindow(never_started, settings)
    w.apply_view(VenueView(link=LinkState.REFUSED, refusal=wire.JoinRefusal.EXPIRED))
    assert w.join_page.problem.text() == (
        "Undangan sudah kedaluwarsa. Mintalah undangan baru ke studio."
    )
    w.deleteLater()


def test_tally_cue_and_confidence_timer(window: VenueWindow) -> None:
    clock = FakeClock(1000.0)
    program = window.live_page.program
    program.clock = clock  # the host's clock in the app; here one the test moves
    view = VenueView(
        link=LinkState.CONNECTED,
        program=state(
            tally=wire.Tally.ON_AIR,
            item_title="Laporan Wali Kota Cirebon",
            speaker_name="Wali Kota Cirebon",
            remaining_s=95.0,
            phase="normal",
        ),
        program_at=1000.0,
        cue="Mohon bersiap, 30 detik lagi",
        cue_at=1000.0,
    )
    window.apply_view(view)
    assert program.cue_text() == "Mohon bersiap, 30 detik lagi"
    assert program.confidence_remaining() == 95.0
    clock.t = 1012.5
    assert program.confidence_remaining() == 82.5  # counted on the clock it was given
    assert program.cue_text() == "Mohon bersiap, 30 detik lagi"
    clock.t = 1015.0
    assert program.cue_text() is None  # a cue is shown for 15 s
    clock.t = 1100.0
    assert program.confidence_remaining() == -5.0  # overtime counts on
    held = dataclasses.replace(
        view, program=state(tally=wire.Tally.ON_AIR, remaining_s=40.0, held=True)
    )
    window.apply_view(held)
    assert program.confidence_remaining() == 40.0  # held: it does not run
    assert "Laporan Wali Kota Cirebon" not in window.live_page.item.text()
    window.apply_view(view)
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
    clock.t = 99.999
    assert view.countdown_text() == "1"
    clock.t = 100.0
    assert view.countdown_text() == "0"
    view.set_view(
        VenueView(
            countdown_state=ArmState.FIRED,
            countdown_deadline=100.0,
            program=state(ceremony_title="Peresmian Serentak"),
        )
    )
    assert view.countdown_text() is None and view.inaugurated()
    view.grab()  # paints the inaugurated screen without error


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
    from media.devices import DeviceError
    from ui.venue.devices import DeviceCatalog, DevicesPage

    def no_speaker(name: str | None) -> None:
        raise DeviceError("the speaker could not be used (Error querying device -1)")

    settings = QSettings(str(tmp_path / "venue.ini"), QSettings.Format.IniFormat)
    settings.setValue("venue/camera", "/dev/video7")  # a camera that was there yesterday
    bare = DeviceCatalog(cameras=list, audio=list, test_tone=no_speaker)  # a machine with none
    page = DevicesPage(settings, catalog=bare)
    qtbot.addWidget(page)
    notes = page.notes.text()
    assert "/dev/video7" in notes  # the missing remembered device is named
    assert "test pattern" in notes
    assert "synthetic voice" in notes
    assert "program's sound and the siren" in notes
    assert page.chosen() == (None, None, None)  # the stand-ins, not an error
    page.start_preview()
    page.stop_preview()
    assert page.play_test_tone() is False
    assert "No sound" in page.notes.text() and "-1" not in page.notes.text()
    assert "Error querying device -1" in page.notes.toolTip()


def test_devices_page_lists_and_remembers_what_is_there(qtbot: QtBot, tmp_path: Path) -> None:
    from media.devices import AudioDeviceInfo, CameraInfo
    from ui.venue.devices import DeviceCatalog, DevicesPage

    played: list[str | None] = []
    catalog = DeviceCatalog(
        cameras=lambda: [CameraInfo("/dev/video0", "HD Webcam")],
        audio=lambda: [
            AudioDeviceInfo("USB Audio", "ALSA", inputs=1, outputs=2),
            AudioDeviceInfo("HDMI", "ALSA", inputs=0, outputs=2),
        ],
        test_tone=played.append,
    )
    settings = QSettings(str(tmp_path / "venue.ini"), QSettings.Format.IniFormat)
    settings.setValue("venue/speaker", "HDMI")  # chosen yesterday, still here
    page = DevicesPage(settings, catalog=catalog)
    qtbot.addWidget(page)
    assert page.notes.text() == ""  # nothing missing: nothing to explain
    assert page.camera.count() == 2 and page.microphone.count() == 2 and page.speaker.count() == 3
    assert page.chosen() == (None, None, "HDMI")
    page.speaker.setCurrentIndex(page.speaker.findData("USB Audio"))
    assert settings.value("venue/speaker") == "USB Audio"  # remembered for next time
    assert page.play_test_tone() is True and played == ["USB Audio"]


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
    speaker.problem = "no sound: the output device could not be opened (PaErrorCode -9996)"
    window._repaint()
    assert "speaker cannot play the program" in window.live_page.sound.text()
    assert "-9996" not in window.live_page.sound.text()  # the technical words: a tooltip
    assert "-9996" in window.live_page.sound.toolTip()
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
