"""The venue app offscreen: join flow, refusals, tally and cues, timer, countdown, reconnect."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import msgspec
import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from ceremony import wire
from ceremony.countdown import ArmState, seconds_shown
from ceremony.invite import Invite
from launcher.live import make_venue_link
from media.program import VideoFormat
from media.venue import LinkProblem, LinkState, VenueConfig
from tests.unit.conftest import INVITE
from ui.venue.app import venue_window
from ui.venue.host import VenueHost, VenueView
from ui.venue.program_view import ProgramView
from ui.venue.window import VenueWindow

pytestmark = pytest.mark.gui


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
    held = msgspec.structs.replace(
        view, program=state(tally=wire.Tally.ON_AIR, remaining_s=40.0, held=True)
    )
    window.apply_view(held)
    assert program.confidence_remaining() == 40.0  # held: it does not run
    assert "Laporan Wali Kota Cirebon" not in window.live_page.item.text()
    window.apply_view(view)
    assert "Laporan Wali Kota Cirebon" in window.live_page.item.text()
    window.apply_view(VenueView(link=LinkState.CONNECTED, program=state(remaining_s=10.0)))
    assert program.confidence_remaining() is None  # not on air: no speaker timer here


def test_the_confidence_timer_ends_at_the_studios_instant(window: VenueWindow) -> None:
    # Sent with 95 s left at studio 5000.0, to run out at studio 5095.0; it arrived at venue
    # 1000.0, 0.25 s in transit (studio = venue + 4000.25). The end instant, placed with the
    # clock estimate, does not lose the transit time the way "95 s from arrival" would.
    clock = FakeClock(1000.0)
    program = window.live_page.program
    program.clock = clock
    on_air = state(tally=wire.Tally.ON_AIR, remaining_s=95.0, ends_at=5095.0, phase="normal")
    view = VenueView(
        link=LinkState.CONNECTED, program=on_air, program_at=1000.0, program_offset=4000.25
    )
    window.apply_view(view)
    assert program.confidence_remaining() == pytest.approx(94.75)
    clock.t = 1094.75
    assert program.confidence_remaining() == pytest.approx(0.0)
    clock.t = 1100.0
    assert program.confidence_remaining() == pytest.approx(-5.25)  # overtime counts on
    window.apply_view(msgspec.structs.replace(view, program_offset=None))  # no estimate yet
    assert program.confidence_remaining() == pytest.approx(-5.0)


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
    from media.calibration import CalibrationError, CalibrationProblem

    page.calibrated.emit(CalibrationError(CalibrationProblem.NOT_HEARD, "score 3.1 under 8"))
    assert "not heard" in page.hall.text() and "score" not in page.hall.text()
    assert "score 3.1 under 8" in page.hall.toolTip()  # the detail, for whoever helps
    assert "41.2 ms" not in page.hall.text()
    page.calibrated.emit(OSError("PortAudio: device unavailable"))
    assert "sound system" in page.hall.text()
    page.calibrated.emit((spk, mic, found))
    assert page.hall.toolTip() == ""  # the old problem's detail does not linger


def test_a_failed_hall_check_reads_in_indonesian(qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from media.calibration import CalibrationError, CalibrationProblem
    from ui.i18n import Language
    from ui.venue.devices import DevicesPage

    language = Language(QApplication.instance())  # type: ignore[arg-type]
    try:
        assert language.use("id")
        settings = QSettings(str(tmp_path / "venue.ini"), QSettings.Format.IniFormat)
        page = DevicesPage(settings)
        qtbot.addWidget(page)
        page.calibrated.emit(CalibrationError(CalibrationProblem.MICROPHONE, "no such device"))
        assert "mikrofon" in page.hall.text().lower() and "no such" not in page.hall.text()
    finally:
        language.use("en")


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

    from ceremony.sequencer import commands as cmd
    from media import runsheet_files
    from media.ice import pin_host_addresses
    from media.identity import ensure_identity
    from media.studio import StudioConfig, StudioEngine
    from tests.unit.conftest import SAMPLE
    from ui.bridge import EngineHost

    pin_host_addresses(["127.0.0.1"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sheet = runsheet_files.load(SAMPLE).scaled(1200)
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
    stopped = False
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
        # The last item done: the hall sees the end while still connected ...
        studio.command(cmd.Jump(len(sheet.items) - 1))
        studio.command(cmd.Go())
        program = window.live_page.program
        qtbot.waitUntil(program.ended, timeout=10000)
        venue = window.host
        assert venue is not None and venue.view().link is LinkState.CONNECTED
        # ... and when the studio then closes, the venue stays calm: no reconnecting.
        stopped = studio.stop()
        assert stopped
        qtbot.waitUntil(lambda: venue.view().link is LinkState.ENDED, timeout=10000)
        # The window shows the link's state at its next refresh (a few times a second).
        qtbot.waitUntil(lambda: not window.live_page.join_again.isHidden(), timeout=5000)
        assert program.link_banner() is None
        assert window.live_page.item.text() == "The ceremony has ended"
    finally:
        window.shutdown()
        if not stopped:
            studio.stop()
        pin_host_addresses(None)


def test_an_unreachable_studio_is_said_in_words(qtbot: QtBot) -> None:
    """Nothing listens on the invite's port: the venue keeps trying and says why, in words."""
    host = VenueHost(
        lambda: make_venue_link(
            INVITE, video=VideoFormat(160, 96, 10), config=VenueConfig(), media=False
        )
    )
    host.start()
    try:
        qtbot.waitUntil(lambda: host.view().problem is LinkProblem.UNREACHABLE, timeout=15000)
        view = host.view()
        assert view.link is LinkState.RECONNECTING and view.retry_in_s is not None
        assert "127.0.0.1:9: connection refused" in view.link_detail
        assert "object at" not in view.link_detail and "ssl:" not in view.link_detail
    finally:
        host.stop()


def test_the_firing_threads_hold_request_is_served_on_the_gui_thread(qtbot: QtBot) -> None:
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
    host = VenueHost(lambda: None)  # type: ignore[arg-type, return-value]  # never started
    host.link = SimpleNamespace(speaker=speaker)  # type: ignore[assignment]
    window.host = host
    window._repaint()
    assert window.live_page.sound.text() == ""  # plays, or not tried yet: nothing to say
    speaker.problem = "no sound: the output device could not be opened (PaErrorCode -9996)"
    window._repaint()
    assert "speaker cannot play the program" in window.live_page.sound.text()
    assert "-9996" not in window.live_page.sound.text()  # the technical words: a tooltip
    assert "-9996" in window.live_page.sound.toolTip()
    speaker.problem = None  # the speaker opened again (media.speaker.keep_open)
    window._repaint()
    assert window.live_page.sound.text() == "" and window.live_page.sound.isHidden()
    window.host = None


def test_the_crews_own_chat_lines_survive_later_updates(window: VenueWindow) -> None:
    host = VenueHost(lambda: None)  # type: ignore[arg-type, return-value]  # never started
    host.say("kami siap")
    host._on_message(wire.Chat(text="terima kasih", sender="studio"))
    window.apply_view(host.view())
    window.apply_view(msgspec.structs.replace(host.view(), rtt_ms=12.0))  # any later change
    lines = window.live_page.chat_log.toPlainText().splitlines()
    assert len(lines) == 2 and lines[0].endswith("kami siap")
    assert lines[1].endswith("terima kasih")


WELCOME = wire.Welcome(
    studio="Studio Kementerian PANRB",
    ceremony_id="c",
    ceremony_title="Peresmian Serentak Mal Pelayanan Publik",
    venue_id="kota-cirebon",
    venue_name="MPP Kota Cirebon",
)


def test_the_end_is_calm_and_says_so(window: VenueWindow) -> None:
    program = window.live_page.program
    ended = VenueView(link=LinkState.ENDED, welcome=WELCOME, link_detail="studio ended")
    window.apply_view(ended)
    assert program.ended() and program.link_banner() is None  # no reconnect banner
    assert program.ended_text() == "The ceremony has ended"
    assert program.ceremony_title() == "Peresmian Serentak Mal Pelayanan Publik"
    assert window.live_page.item.text() == "The ceremony has ended"
    assert "nothing more to do here" in window.live_page.link.text()
    assert not window.live_page.join_again.isHidden()
    program.grab()  # paints the end screen


def test_ended_in_the_program_state_hides_a_reconnect_banner(qtbot: QtBot) -> None:
    view = ProgramView(FakeClock(0))
    qtbot.addWidget(view)
    view.set_view(VenueView(link=LinkState.RECONNECTING, program=state(ended=True)))
    assert view.ended() and view.link_banner() is None


def test_the_end_and_the_banner_in_indonesian(indonesian: None, qtbot: QtBot) -> None:
    view = ProgramView(FakeClock(0))
    qtbot.addWidget(view)
    view.set_view(VenueView(link=LinkState.ENDED, welcome=WELCOME))
    assert view.ended_text() == "Acara telah selesai"
    assert view.tr("Thank you") == "Terima kasih"
    view.set_view(VenueView(link=LinkState.RECONNECTING, problem=LinkProblem.UNREACHABLE))
    assert view.link_banner() == "Menyambung ulang ke studio… gambar tidak langsung"


def test_join_again_after_the_end_starts_a_new_link(qtbot: QtBot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "venue.ini"), QSettings.Format.IniFormat)
    hosts: list[object] = []

    class Host:
        """Stands in for VenueHost: records the calls the window makes."""

        def __init__(self) -> None:
            self.started = self.stopped = False
            self.changed = self.picture = SignalStub()

        def start(self) -> None:
            self.started = True

        def rejoin(self) -> bool:
            return False  # like VenueHost: the window makes a new host

        def sound_problem(self) -> str:  # what the window's repaint timer looks at
            return ""

        def want_picture(self, width: int, height: int) -> None:
            pass

        def stop(self) -> None:
            self.stopped = True

        def screen_shown(self, late_s: float) -> None:
            pass

    class SignalStub:
        def connect(self, slot: object) -> None:
            pass

    def make_host(invite: Invite, devices: object) -> VenueHost:
        hosts.append(Host())
        return hosts[-1]  # type: ignore[return-value]

    w = VenueWindow(make_host, settings, INVITE.to_string())
    qtbot.addWidget(w)
    w.join_page.join.click()
    w.apply_view(VenueView(link=LinkState.ENDED))
    w.live_page.join_again.click()
    assert len(hosts) == 2
    first, second = hosts
    assert first.stopped and second.started  # type: ignore[attr-defined]
    assert w.live_page.join_again.isHidden()


@pytest.mark.parametrize("problem", list(LinkProblem))
def test_reconnecting_says_why_in_words_not_objects(
    window: VenueWindow, problem: LinkProblem
) -> None:
    detail = (
        "studio unreachable (127.0.0.1:9: ssl:<aiohttp.client_reqrep.Fingerprint object at 0x7f>)"
    )
    view = VenueView(
        link=LinkState.RECONNECTING, problem=problem, retry_in_s=2.4, link_detail=detail
    )
    window.apply_view(view)
    text = window.live_page.link.text()
    assert text.startswith("reconnecting")
    assert window.problem_text(problem) in text and "Trying again in 2 s." in text
    assert "object at" not in text and "<" not in text
    assert window.live_page.program.link_banner() == (
        "Reconnecting to the studio… the picture is not live"
    )


def test_the_reconnect_problem_in_indonesian(indonesian: None, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "venue.ini"), QSettings.Format.IniFormat)
    w = VenueWindow(never_started, settings)
    w.apply_view(
        VenueView(link=LinkState.RECONNECTING, problem=LinkProblem.UNREACHABLE, retry_in_s=5.0)
    )
    assert w.live_page.link.text().splitlines()[1] == (
        "Studio tidak dapat dihubungi. Periksa kabel jaringan atau Wi-Fi, dan tanyakan ke studio "
        "apakah aplikasinya berjalan. Mencoba lagi dalam 5 dtk."
    )
    w.deleteLater()


@pytest.mark.parametrize("size", [(1366, 768), (986, 700), (480, 270)])
def test_the_banner_never_covers_diresmikan(qtbot: QtBot, size: tuple[int, int]) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFontMetrics

    view = ProgramView(FakeClock(0))
    qtbot.addWidget(view)
    view.resize(*size)
    view.set_view(
        VenueView(
            link=LinkState.RECONNECTING,
            countdown_state=ArmState.FIRED,
            program=state(ceremony_title="Peresmian Serentak Mal Pelayanan Publik"),
        )
    )
    assert view.inaugurated() and view.link_banner()
    banner, area = view.banner_box(view.rect())
    assert banner is not None
    word, title = view.inaugurated_boxes(area)
    assert not banner.intersects(word) and not banner.intersects(title)
    # The word itself, in the font it is drawn with, fits its box: not cut off, not under the
    # banner, whatever the window's size.
    drawn = QFontMetrics(view.inaugurated_font(word)).boundingRect(
        word, Qt.AlignmentFlag.AlignCenter, view.tr("DIRESMIKAN")
    )
    assert word.contains(drawn) and not drawn.intersects(banner)
    view.grab()


def test_every_venue_text_has_its_indonesian_translation(tmp_path: Path) -> None:
    """A text added to the venue app without running lupdate and fill_id.py would show in
    English inside the Indonesian screen."""
    import shutil
    import subprocess
    import sys
    import xml.etree.ElementTree as ET

    root = Path(__file__).resolve().parents[2]
    ts = tmp_path / "check.ts"
    shutil.copy(root / "ui/i18n/ceremony_id.ts", ts)
    sources = sorted(str(p) for p in (root / "ui/venue").glob("*.py"))
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    subprocess.run([str(lupdate), *sources, "-ts", str(ts)], check=True, capture_output=True)
    untranslated = [
        m.findtext("source")
        for m in ET.parse(ts).iter("message")
        if (t := m.find("translation")) is not None and t.get("type") == "unfinished"
    ]
    assert untranslated == []


@pytest.mark.parametrize(
    ("close_code", "said_ended", "outcome"),
    [
        (4002, False, "ended"),  # the studio's own signal: the ceremony is over
        (1000, True, "ended"),  # a normal close after the last "ended" state
        (1006, True, "ended"),  # the studio vanished after saying it had ended
        (1000, False, "studio_closed"),  # a restart or a studio that marked us lost: retry
        (4001, True, "replaced"),  # another device joined as this venue: not the end
    ],
)
def test_how_the_link_tells_the_end_from_a_drop(
    close_code: int, said_ended: bool, outcome: str
) -> None:
    import asyncio
    from types import SimpleNamespace

    from media.venue import CeremonyEndedError, ReplacedError, StudioUnreachableError, VenueLink

    link = VenueLink(INVITE, VenueConfig(program_sound=False), None, None)
    try:
        link.program_state = state(ended=said_ended)
        ws = SimpleNamespace(closed=True, close_code=close_code)
        try:
            asyncio.run(link._keepalive(ws))  # type: ignore[arg-type]
            got = "returned"
        except CeremonyEndedError:
            got = "ended"
        except ReplacedError:
            got = "replaced"
        except StudioUnreachableError as exc:
            got = exc.problem.value
        assert got == outcome
    finally:
        link.countdown.close()
