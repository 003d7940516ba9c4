"""The venue app: join with an invite, then the live screen for the crew and the hall."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

import av
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ceremony import wire
from ceremony.invite import Invite, InviteError, parse_invite
from media.venue import LinkProblem, LinkState
from ui.venue.devices import DeviceCatalog, DevicesPage
from ui.venue.host import VenueHost, VenueView
from ui.venue.program_view import ProgramView
from ui.venue.remote_host import RemoteVenueHost
from ui.widgets.help_menu import install_help_menu

log = logging.getLogger(__name__)

Devices = tuple[str | None, str | None, str | None]  # camera spec, microphone, speaker
# The link in this process (tests, screenshots) or in its own (the app: ui/venue/remote_host.py).
Host = VenueHost | RemoteVenueHost


class JoinPage(QWidget):
    join_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.invite: Invite | None = None
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size:22px; font-weight:bold;")
        self.text = QPlainTextEdit()
        self.text.setMaximumHeight(120)
        self.open_file = QPushButton()
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color:#c62828; font-size:16px;")
        self.devices = QPushButton()
        self.join = QPushButton()
        self.join.setMinimumHeight(56)
        self.join.setStyleSheet("font-size:20px; font-weight:bold;")
        self.join.setEnabled(False)
        layout = QVBoxLayout(self)
        for w in (
            self.heading,
            self.text,
            self.open_file,
            self.details,
            self.problem,
            self.devices,
            self.join,
        ):
            layout.addWidget(w)
        layout.addStretch(1)
        self.text.textChanged.connect(self._parse)
        self.open_file.clicked.connect(self._choose_file)
        self.join.clicked.connect(self.join_requested.emit)
        self.retranslate()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Join the ceremony"))
        self.text.setPlaceholderText(self.tr("Paste the invite you received from the studio here"))
        self.open_file.setText(self.tr("Open invite file…"))
        self.devices.setText(self.tr("Camera, microphone and speaker…"))
        self.join.setText(self.tr("Join"))

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Invite file"), "", "*.txt")
        if path:
            self.text.setPlainText(Path(path).read_text(encoding="utf-8", errors="replace"))

    def _parse(self) -> None:
        text = self.text.toPlainText().strip()
        self.invite = None
        self.details.setText("")
        self.problem.setToolTip("")
        if not text:
            self.problem.setText("")
            self.join.setEnabled(False)
            return
        try:
            invite = parse_invite(text)
        except InviteError as exc:
            self.problem.setText(
                self.tr(
                    "This invite cannot be read: it is damaged or was not copied whole. Ask the "
                    "studio to send it again."
                )
            )
            self.problem.setToolTip(str(exc))  # which check failed, for the technician
            self.join.setEnabled(False)
            return
        self.invite = invite
        expires = dt.datetime.fromtimestamp(invite.expires).strftime("%Y-%m-%d %H:%M")
        self.details.setText(
            self.tr(
                "Studio: {0}\nVenue: {1}\nCeremony: {2}\nStudio certificate: {3}…\nValid until: {4}"
            ).format(
                invite.studio,
                invite.venue_name,
                invite.ceremony_title,
                invite.fingerprint[:23],
                expires,
            )
        )
        self.problem.setText("")
        self.join.setEnabled(True)

    def show_refusal(self, text: str) -> None:
        self.problem.setText(text)


class LivePage(QWidget):
    def __init__(self, clock: Callable[[], float], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.program = ProgramView(clock)
        self.item = QLabel()
        self.item.setWordWrap(True)
        self.item.setStyleSheet("font-size:18px;")
        self.link = QLabel()
        self.link.setWordWrap(True)
        self.sound = QLabel()  # empty (and hidden) while the speaker plays
        self.sound.setWordWrap(True)
        self.sound.setVisible(False)
        self.sound.setStyleSheet("color:#c62828; font-size:16px;")
        self.contact = QLineEdit()
        self.ready = QCheckBox()
        self.ready.setStyleSheet("font-size:18px;")
        self.chat_log = QPlainTextEdit()
        self.chat_log.setReadOnly(True)
        self.chat_text = QLineEdit()
        self.screens = QComboBox()
        self.fullscreen = QPushButton()
        self.join_again = QPushButton()  # after the end: for the next run (rehearsal, then live)
        self.join_again.setVisible(False)
        side = QVBoxLayout()
        for w in (
            self.item,
            self.link,
            self.join_again,
            self.sound,
            self.contact,
            self.ready,
            self.chat_log,
            self.chat_text,
            self.screens,
            self.fullscreen,
        ):
            side.addWidget(w)
        side_box = QWidget()
        side_box.setLayout(side)
        # In a small window the crew's texts scroll rather than being squeezed over each other.
        side_scroll = QScrollArea()
        side_scroll.setWidget(side_box)
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_scroll.setFixedWidth(380)
        layout = QHBoxLayout(self)
        layout.addWidget(self.program, 1)
        layout.addWidget(side_scroll)
        self.retranslate()

    def retranslate(self) -> None:
        self.contact.setPlaceholderText(self.tr("Crew contact name and phone"))
        self.chat_text.setPlaceholderText(self.tr("Message to the studio (Enter)"))
        self.fullscreen.setText(self.tr("Program full screen on this monitor (F11)"))
        self.ready.setText(self.tr("We are ready (Ctrl+R)"))
        self.join_again.setText(self.tr("Join again"))


class VenueWindow(QMainWindow):
    def __init__(
        self,
        make_host: Callable[[Invite, Devices], Host],
        settings: QSettings,
        invite_text: str = "",
        devices: DeviceCatalog | None = None,
    ) -> None:
        super().__init__()
        self.make_host = make_host
        self.settings = settings
        self.host: Host | None = None
        self.join_page = JoinPage()
        self.live_page = LivePage(self._clock)
        self.devices_page = DevicesPage(settings, catalog=devices)
        self.devices_done = QPushButton()
        devices_box = QWidget()
        devices_layout = QVBoxLayout(devices_box)
        devices_layout.addWidget(self.devices_page, 1)
        devices_layout.addWidget(self.devices_done)
        self.devices_box = devices_box
        self.pages = QStackedWidget()
        self.pages.addWidget(self.join_page)
        self.pages.addWidget(self.live_page)
        self.pages.addWidget(devices_box)
        self.join_page.devices.clicked.connect(self.show_devices)
        self.devices_done.clicked.connect(self.close_devices)
        self.devices_done.setText(self.tr("Done"))
        self.setCentralWidget(self.pages)
        self.projector: ProgramView | None = None
        self._chat_shown: tuple[tuple[bool, str], ...] = ()
        self.join_page.join_requested.connect(self._join)
        self.live_page.ready.toggled.connect(self._ready_changed)
        self.live_page.chat_text.returnPressed.connect(self._send_chat)
        self.live_page.fullscreen.clicked.connect(self._program_fullscreen)
        self.live_page.join_again.clicked.connect(self.join_again)
        self.live_page.contact.setText(str(settings.value("venue/contact", "")))
        self.setWindowTitle(self.tr("Venue"))
        for keys, slot in (
            ("F11", self._program_fullscreen),  # the program on the projector
            ("Ctrl+R", self.live_page.ready.toggle),  # ready check-in
            ("Ctrl+D", self.show_devices),
            ("Escape", self._leave_fullscreen),
        ):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
            self.addAction(action)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self._repaint)
        self._tick.start(50)  # the countdown digits change on the shared second: look often
        if invite_text:
            self.join_page.text.setPlainText(invite_text)
        self.help_menu = install_help_menu(
            self, "venue", settings, lambda: self.host and self.host.view()
        )

    def _clock(self) -> float:
        return self.host.clock() if self.host else 0.0

    def show_devices(self) -> None:
        self.devices_page.refresh()
        self.devices_page.start_preview()
        self.pages.setCurrentWidget(self.devices_box)

    def close_devices(self) -> None:
        self.devices_page.stop_preview()
        self.pages.setCurrentWidget(self.join_page)

    def _join(self) -> None:
        invite = self.join_page.invite
        if invite is None:
            return
        self.devices_page.stop_preview()  # the link opens the devices itself
        self.attach(self.make_host(invite, self.devices_page.chosen()))

    def attach(self, host: Host) -> None:
        """Show the live screen of `host`'s link (just joined, or still running from before
        the app was closed by a crash)."""
        self.host = host
        host.changed.connect(self._on_changed)
        host.picture.connect(self._on_picture)
        self.live_page.program.zero_shown.connect(host.screen_shown)
        if self.projector is not None:
            self.projector.zero_shown.connect(host.screen_shown)
        host.start()
        self.pages.setCurrentWidget(self.live_page)
        self._fill_screens()

    def join_again(self) -> None:
        """After the end of one run, join the next with the same invite and devices; after
        the link's process was lost, start it again."""
        if self.host is not None and self.host.rejoin():
            self.live_page.join_again.setVisible(False)
            return
        if self.host is not None:
            self.host.stop()  # its link has already ended: this only joins the thread
            self.host = None
        self.live_page.join_again.setVisible(False)
        self._join()

    def _fill_screens(self) -> None:
        self.live_page.screens.clear()
        for i, screen in enumerate(QGuiApplication.screens()):
            geometry = screen.geometry()
            self.live_page.screens.addItem(
                f"{i + 1}: {screen.name()} {geometry.width()}×{geometry.height()}", i
            )

    def _program_fullscreen(self) -> None:
        screens = QGuiApplication.screens()
        index = self.live_page.screens.currentData() or 0
        if self.projector is None:
            self.projector = ProgramView(self._clock)
            self.projector.setWindowTitle(self.tr("Program"))
            if self.host is not None:
                self.projector.zero_shown.connect(self.host.screen_shown)
        if 0 <= index < len(screens):
            self.projector.setScreen(screens[index])
            self.projector.setGeometry(screens[index].geometry())
        self.projector.showFullScreen()

    def _leave_fullscreen(self) -> None:
        if self.projector is not None and self.projector.isFullScreen():
            self.projector.showNormal()

    def _ready_changed(self, ready: bool) -> None:
        contact = self.live_page.contact.text().strip()
        self.settings.setValue("venue/contact", contact)
        if self.host:
            self.host.set_ready(ready, contact)

    def _send_chat(self) -> None:
        text = self.live_page.chat_text.text().strip()
        if text and self.host:
            self.host.say(text)
            self.live_page.chat_text.clear()

    def _on_picture(self) -> None:
        frame = self.host.latest_picture() if self.host else None
        if frame is None:
            return
        screens = [self.live_page.program]
        if self.projector is not None and self.projector.isVisible():
            screens.append(self.projector)
        for screen in screens:
            if isinstance(frame, av.VideoFrame):
                screen.set_frame(frame)
            else:  # already fitted and converted by the window link's thread
                screen.set_bgra(*frame)

    def _on_changed(self) -> None:
        if self.host is None:
            return
        view = self.host.view()
        self.apply_view(view)

    def apply_view(self, view: VenueView) -> None:
        self.live_page.program.set_view(view)
        if self.projector is not None:
            self.projector.set_view(view)
        self.live_page.join_again.setVisible(view.link in (LinkState.ENDED, LinkState.STOPPED))
        if view.link is LinkState.REFUSED:
            self.join_page.show_refusal(self.refusal_text(view.refusal))
            self.join_page.problem.setToolTip(view.link_detail)  # the studio's own words
            self.pages.setCurrentWidget(self.join_page)
            if self.host is not None:
                self.host.stop()
                self.host = None
            return
        if view.link is LinkState.REPLACED:
            self.live_page.link.setText(
                self.tr("Another computer joined as this venue; this one has stopped.")
            )
            return
        if view.link is LinkState.STOPPED:
            self.live_page.link.setText(
                self.tr(
                    "The link to the studio has stopped on this computer: the hall will not "
                    "hear the siren and the studio does not see this venue. Press Join again."
                )
            )
            self.live_page.link.setToolTip(view.link_detail)
            return
        if view.link is LinkState.ENDED:
            self.live_page.item.setText(self.tr("The ceremony has ended"))
            self.live_page.link.setText(
                self.tr(
                    "The studio has closed the link: nothing more to do here. Join again only "
                    "if the studio starts another run."
                )
            )
            return
        p = view.program
        if p is not None and p.ended:
            self.live_page.item.setText(self.tr("The ceremony has ended"))
        elif p is not None:
            speaker = f"\n{p.speaker_name}" + (f" ({p.speaker_role})" if p.speaker_role else "")
            self.live_page.item.setText(
                self.tr("Now: ")
                + p.item_title
                + (speaker if p.speaker_name else "")
                + ("\n" + self.tr("Next: ") + p.next_title if p.next_title else "")
            )
        connected = view.link is LinkState.CONNECTED
        rtt = f"{view.rtt_ms:.0f} ms" if view.rtt_ms is not None and connected else "–"
        clock_word = self.tr("clock")
        bound = (
            f" · {clock_word} ±{view.countdown_bound_s * 1000:.1f} ms"
            if view.countdown_bound_s is not None
            else ""
        )
        why = self.problem_text(view.problem) if view.link is LinkState.RECONNECTING else ""
        if connected and view.welcome is not None:
            why = view.welcome.studio  # whom we are connected to
        elif why and view.retry_in_s is not None:
            why += " " + self.tr("Trying again in {0} s.").format(max(1, round(view.retry_in_s)))
        self.live_page.link.setText(f"{self.link_text(view.link)} · RTT {rtt}{bound}\n{why}")
        self.live_page.link.setToolTip(view.link_detail)
        if view.chat != self._chat_shown:  # redrawn when it changed, not on every view
            self._chat_shown = view.chat
            studio, us = self.tr("studio: "), self.tr("us: ")
            self.live_page.chat_log.setPlainText(
                "\n".join((studio if theirs else us) + text for theirs, text in view.chat)
            )

    def link_text(self, state: LinkState) -> str:
        texts = {
            LinkState.CONNECTING: self.tr("connecting"),
            LinkState.CONNECTED: self.tr("connected"),
            LinkState.RECONNECTING: self.tr("reconnecting"),
            LinkState.REFUSED: self.tr("refused"),
            LinkState.REPLACED: self.tr("replaced"),
            LinkState.ENDED: self.tr("ceremony ended"),
            LinkState.STOPPED: self.tr("stopped"),
        }
        return texts[state]

    def problem_text(self, problem: LinkProblem | None) -> str:
        """Why the link is down, and what (if anything) the crew can do, in their language."""
        texts = {
            LinkProblem.UNREACHABLE: self.tr(
                "The studio cannot be reached. Check the network cable or Wi-Fi, and ask the "
                "studio whether its app is running."
            ),
            LinkProblem.NO_ANSWER: self.tr(
                "The studio did not answer. It may be busy or restarting."
            ),
            LinkProblem.CLOSED_WHILE_JOINING: self.tr(
                "The studio closed the connection while we were joining."
            ),
            LinkProblem.BAD_REPLY: self.tr(
                "The studio's answer could not be read. Update the app or call the studio."
            ),
            LinkProblem.NO_MEDIA: self.tr(
                "Picture and sound could not be connected: a firewall may be blocking UDP. "
                "Call the studio's technician."
            ),
            LinkProblem.STUDIO_QUIET: self.tr("Nothing heard from the studio for a few seconds."),
            LinkProblem.STUDIO_CLOSED: self.tr(
                "The studio closed the connection (it may be restarting)."
            ),
            LinkProblem.FAILED: self.tr("A fault in this app; the log file has the details."),
        }
        return texts[problem] if problem is not None else ""

    def refusal_text(self, reason: wire.JoinRefusal | None) -> str:
        """What the crew should do about each refusal, in their language."""
        texts = {
            wire.JoinRefusal.BAD_TOKEN: self.tr(
                "The invite is not valid for this studio. Ask the studio for a new invite."
            ),
            wire.JoinRefusal.EXPIRED: self.tr(
                "The invite has expired. Ask the studio for a new invite."
            ),
            wire.JoinRefusal.OTHER_VENUE: self.tr(
                "This invite belongs to another venue. Check you opened your own invite."
            ),
            wire.JoinRefusal.UNKNOWN_VENUE: self.tr(
                "This venue is not in today's run-sheet. Call the studio."
            ),
            wire.JoinRefusal.WRONG_CEREMONY: self.tr(
                "The invite is for another ceremony. Ask the studio for today's invite."
            ),
            wire.JoinRefusal.MALFORMED: self.tr(
                "The studio could not read our request. Update the app or call the studio."
            ),
            wire.JoinRefusal.CERTIFICATE_MISMATCH: self.tr(
                "The computer at that address is not the studio in the invite. Check the "
                "address, or ask for a new invite if the studio computer was replaced."
            ),
        }
        if reason is None:
            return self.tr("The studio refused to let us join.")
        return texts[reason]

    def _repaint(self) -> None:
        self.live_page.program.update()
        problem = self.host.sound_problem() if self.host else ""
        self._want_picture()
        text = (
            self.tr(
                "No sound here: this computer's speaker cannot play the program and the siren. "
                "Check the speaker and its cable: the app opens it again by itself once it works."
            )
            if problem
            else ""
        )
        if self.live_page.sound.text() != text:
            self.live_page.sound.setText(text)
            self.live_page.sound.setVisible(bool(text))  # no empty gap while it plays
            self.live_page.sound.setToolTip(problem)  # the sound system's own words
        if self.projector is not None and self.projector.isVisible():
            self.projector.update()

    def _want_picture(self) -> None:
        """The program picture at the size of the largest screen showing it (the link in its
        own process fits it there, not this GUI thread)."""
        if self.host is None:
            return
        screens = [self.live_page.program]
        if self.projector is not None and self.projector.isVisible():
            screens.append(self.projector)
        largest = max(screens, key=lambda w: w.width() * w.height())
        self.host.want_picture(largest.width(), largest.height())

    def shutdown(self) -> None:
        self.devices_page.stop_preview()
        if self.host is not None:
            self.host.stop()
