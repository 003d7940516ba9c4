"""The crew's device check: camera, microphone and speaker by name, with a live self-preview,
an input level meter and a test tone. Choices are remembered. Nothing missing is fatal: the
page says what is missing and what will be sent instead."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from media import calibration
from media.devices import (
    AudioDeviceInfo,
    CameraInfo,
    CameraSource,
    DeviceError,
    MicrophoneSource,
    list_audio_devices,
    list_cameras,
    play_test_tone,
)
from media.mixer import measure
from ui.venue.host import VenueView
from ui.venue.program_view import ProgramView

log = logging.getLogger(__name__)

NONE = ""  # the combo data for "no device: use the stand-in"


@dataclass(frozen=True)
class DeviceCatalog:
    """Where the page finds devices: this machine's by default; tests give fixed lists."""

    cameras: Callable[[], list[CameraInfo]] = list_cameras
    audio: Callable[[], list[AudioDeviceInfo]] = list_audio_devices
    test_tone: Callable[[str | None], None] = play_test_tone


def _hall_key(speaker: str | None, microphone: str | None) -> str:
    # Per device pair: another speaker or microphone is another path through the hall.
    return f"venue/hall_latency_ms/{speaker or 'default'}|{microphone or 'default'}"


def stored_hall_latency(
    settings: QSettings, speaker: str | None, microphone: str | None
) -> float | None:
    """The hall latency (seconds) calibrated for this speaker and microphone, if any."""
    value = settings.value(_hall_key(speaker, microphone))
    try:
        return float(str(value)) / 1000 if value is not None else None
    except ValueError:
        return None


class DevicesPage(QWidget):
    calibrated = Signal(object)  # (speaker, microphone, Calibration), or the exception

    def __init__(
        self,
        settings: QSettings,
        parent: QWidget | None = None,
        catalog: DeviceCatalog | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.catalog = catalog or DeviceCatalog()
        self.camera = QComboBox()
        self.microphone = QComboBox()
        self.speaker = QComboBox()
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color:#e65100;")
        self.preview = ProgramView(lambda: 0.0)
        self.preview.setMinimumSize(320, 180)
        self.level = QProgressBar()
        self.level.setRange(-60, 0)
        self.level.setFormat("%v dBFS")
        self.tone = QPushButton()
        form = QFormLayout()
        self.camera_label, self.mic_label, self.speaker_label = QLabel(), QLabel(), QLabel()
        form.addRow(self.camera_label, self.camera)
        form.addRow(self.mic_label, self.microphone)
        form.addRow(self.speaker_label, self.speaker)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.level)
        layout.addWidget(self.tone)
        self._add_calibration(layout)
        layout.addWidget(self.notes)
        self._camera: CameraSource | None = None
        self._mic: MicrophoneSource | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._poll)
        self.tone.clicked.connect(self.play_test_tone)
        self.retranslate()
        self.refresh()
        self.camera.currentIndexChanged.connect(self._camera_changed)
        self.microphone.currentIndexChanged.connect(self._mic_changed)
        self.speaker.currentIndexChanged.connect(self._remember)

    def retranslate(self) -> None:
        self.camera_label.setText(self.tr("Camera"))
        self.mic_label.setText(self.tr("Microphone"))
        self.speaker_label.setText(self.tr("Speaker (siren and program)"))
        self.tone.setText(self.tr("Play a test tone"))

    # ---- lists ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """List the devices again (after plugging something in) and restore the choices."""
        problems: list[str] = []
        for combo in (self.camera, self.microphone, self.speaker):
            combo.blockSignals(True)
            combo.clear()
        self.camera.addItem(self.tr("Test pattern (no camera)"), NONE)
        for cam in self.catalog.cameras():
            self.camera.addItem(f"{cam.name} ({cam.spec})", cam.spec)
        if self.camera.count() == 1:
            problems.append(self.tr("No camera found: a test pattern will be sent."))
        self.microphone.addItem(self.tr("Synthetic voice (no microphone)"), NONE)
        self.speaker.addItem(self.tr("System default"), NONE)
        try:
            devices = self.catalog.audio()
        except DeviceError as exc:
            devices = []
            problems.append(
                self.tr(
                    "No sound devices can be used: PortAudio is missing. Install the "
                    "libportaudio2 package."
                )
            )
            self.notes.setToolTip(str(exc))  # the sound system's own words
        for d in devices:
            label = f"{d.name} [{d.host_api}]"
            if d.inputs:
                self.microphone.addItem(label, d.name)
            if d.outputs:
                self.speaker.addItem(label, d.name)
        if self.microphone.count() == 1 and devices is not None:
            problems.append(self.tr("No microphone found: a synthetic voice will be sent."))
        if self.speaker.count() == 1:
            problems.append(
                self.tr(
                    "No speaker found: the program's sound and the siren will not be heard here."
                )
            )
        for combo, key in (
            (self.camera, "venue/camera"),
            (self.microphone, "venue/microphone"),
            (self.speaker, "venue/speaker"),
        ):
            saved = str(self.settings.value(key, NONE))
            index = combo.findData(saved)
            if index < 0 and saved:
                missing = self.tr("The device chosen last time is not here: {0}")
                problems.append(missing.format(saved))
            combo.setCurrentIndex(max(0, index))
            combo.blockSignals(False)
        self.notes.setText("\n".join(problems))

    def chosen(self) -> tuple[str | None, str | None, str | None]:
        """(camera spec, microphone name, speaker name); None means the stand-in or default."""
        return (
            self.camera.currentData() or None,
            self.microphone.currentData() or None,
            self.speaker.currentData() or None,
        )

    def _remember(self) -> None:
        cam, mic, spk = self.chosen()
        self.settings.setValue("venue/camera", cam or NONE)
        self.settings.setValue("venue/microphone", mic or NONE)
        self.settings.setValue("venue/speaker", spk or NONE)

    # ---- preview and meter ---------------------------------------------------------------

    def start_preview(self) -> None:
        self._camera_changed()
        self._mic_changed()
        self._timer.start(100)

    def stop_preview(self) -> None:
        self._timer.stop()
        if self._camera is not None:
            self._camera.close()
            self._camera = None
        if self._mic is not None:
            self._mic.close()
            self._mic = None

    def _camera_changed(self) -> None:
        self._remember()
        if self._camera is not None:
            self._camera.close()
            self._camera = None
        spec = self.camera.currentData()
        self.preview.set_view(VenueView())
        if spec:
            try:
                self._camera = CameraSource(spec, 640, 360)
            except DeviceError as exc:
                self.notes.setText(
                    self.tr(
                        "The camera could not be opened: check it is plugged in and not used "
                        "by another program."
                    )
                )
                self.notes.setToolTip(str(exc))

    def _mic_changed(self) -> None:
        self._remember()
        if self._mic is not None:
            self._mic.close()
            self._mic = None
        name = self.microphone.currentData()
        if name:
            try:
                self._mic = MicrophoneSource(name)
            except DeviceError as exc:
                self.notes.setText(
                    self.tr("The microphone could not be opened: check it is plugged in.")
                )
                self.notes.setToolTip(str(exc))

    def _poll(self) -> None:
        if self._camera is not None:
            frame = self._camera.latest()
            if frame is not None:
                self.preview.set_frame(frame)
        if self._mic is not None:
            block = self._mic.buffer.pop()
            if block is not None:
                self.level.setValue(int(max(-60.0, measure(block).rms_dbfs)))

    # ---- hall calibration ------------------------------------------------------------------

    def _add_calibration(self, layout: QVBoxLayout) -> None:
        """One button and one line: how late the hall hears the speaker (media.calibration)."""
        self.calibrate = QPushButton(self.tr("Measure the hall's sound delay"))
        self.hall = QLabel()
        layout.addWidget(self.calibrate)
        layout.addWidget(self.hall)
        self.calibrate.clicked.connect(self.start_calibration)
        self.calibrated.connect(self._show_calibration)
        self.speaker.currentIndexChanged.connect(self._show_stored_hall)
        self.microphone.currentIndexChanged.connect(self._show_stored_hall)
        self._show_stored_hall()

    def _show_stored_hall(self) -> None:
        _, mic, spk = self.chosen()
        stored = stored_hall_latency(self.settings, spk, mic)
        self.hall.setText(
            self.tr("Hall delay: not measured; the siren starts by the computer's own timing.")
            if stored is None
            else self.tr("Hall delay: {0:.1f} ms; the siren starts that much earlier.").format(
                stored * 1000
            )
        )

    def start_calibration(self) -> None:
        """Plays a short chirp and listens for it (about eight seconds, off the GUI thread)."""
        _, mic, spk = self.chosen()
        if self._mic is not None:  # the meter's stream would hold the microphone
            self._mic.close()
            self._mic = None
        self.calibrate.setEnabled(False)
        self.hall.setText(self.tr("Measuring: keep the hall quiet for ten seconds..."))

        def work() -> None:
            try:
                self.calibrated.emit((spk, mic, calibration.measure(spk, mic)))
            except (calibration.CalibrationError, OSError, ImportError) as exc:
                self.calibrated.emit(exc)

        threading.Thread(target=work, name="hall-calibration", daemon=True).start()

    def _show_calibration(self, result: object) -> None:
        self.calibrate.setEnabled(True)
        if isinstance(result, Exception):
            self.hall.setText(self._calibration_problem(result))
            self.hall.setToolTip(str(result))  # the detail, for whoever helps the crew
        else:
            self.hall.setToolTip("")
            assert isinstance(result, tuple)
            spk, mic, found = result
            self.settings.setValue(_hall_key(spk, mic), round(found.latency_s * 1000, 3))
            self._show_stored_hall()
        if self._timer.isActive():
            self._mic_changed()

    def _calibration_problem(self, exc: Exception) -> str:
        """What the crew reads when the hall could not be measured: what to check, in their
        language (the raw detail goes in the tooltip and the log)."""
        log.warning("hall calibration failed: %s", exc)
        problem = exc.problem if isinstance(exc, calibration.CalibrationError) else None
        if problem is calibration.CalibrationProblem.SPEAKER:
            return self.tr("Hall delay not measured: the speaker could not be opened.")
        if problem is calibration.CalibrationProblem.MICROPHONE:
            return self.tr("Hall delay not measured: the microphone could not be opened.")
        if problem is calibration.CalibrationProblem.NO_PLAYBACK:
            return self.tr("Hall delay not measured: the speaker played nothing.")
        if problem is calibration.CalibrationProblem.NOT_HEARD:
            return self.tr(
                "Hall delay not measured: the test sound was not heard. Is the speaker on, "
                "loud enough, and the microphone in the hall?"
            )
        return self.tr("Hall delay not measured: the sound system could not be used.")

    # ---- test tone -----------------------------------------------------------------------

    def play_test_tone(self) -> bool:
        """One second of 1 kHz on the chosen speaker; False (with the reason shown) if not."""
        try:
            self.catalog.test_tone(self.speaker.currentData() or None)
        except DeviceError as exc:
            self.notes.setText(
                self.tr("No sound: the speaker could not be used. Check it is plugged in and on.")
            )
            self.notes.setToolTip(str(exc))
            return False
        return True
