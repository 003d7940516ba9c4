"""The as-run document's words, in Indonesian and English.

The report is read by protocol staff and signed; it is not a Qt window, so its words live here
(not in ui/i18n). Every state and incident the core (ceremony.asrun) can produce has an entry in
both languages; tests/unit/test_asrun.py checks that none is missing.
"""

from __future__ import annotations

from ceremony.asrun import FireState, IncidentKind, ItemOutcome, LossCause, MessageKind

LANGUAGES = ("id", "en")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "doc_title": "As-run report",
        "rehearsal": "REHEARSAL",
        "live": "Live ceremony",
        "mode": "Run",
        "run_id": "Run id",
        "journal_hash": "Journal SHA-256",
        "runsheet_hash": "Run-sheet SHA-256",
        "page": "Page",
        "of": "of",
        "date": "Date",
        "planned_date": "Planned date (the ceremony did not start)",
        "timezone": "Time zone",
        "studio": "Studio",
        "started": "Started",
        "ended": "Ended",
        "not_ended": "not ended (the journal stops here)",
        "length": "length",
        "zero": "Instant of zero (the moment of inauguration)",
        "zero_short": "Instant of zero",
        "no_zero": "The countdown did not reach zero.",
        "items": "Items as run",
        "n": "#",
        "item": "Item",
        "speaker": "Speaker",
        "from": "From",
        "planned": "Planned start",
        "actual": "Actual start",
        "planned_len": "Planned length",
        "actual_len": "Actual length",
        "over": "Over (+) / under (−)",
        "start": "Start",
        "len": "Length",
        "p_short": "planned",
        "a_short": "actual",
        "status": "Status",
        "countdown": "The countdown",
        "armed_at": "Armed at",
        "lead": "lead",
        "venue": "Venue",
        "state": "State",
        "fire_time": "Sounded at",
        "error": "Measured error (ms)",
        "bound": "Clock bound (± ms)",
        "late": "Late on its own clock (ms)",
        "spread": "Spread of the measured times",
        "not_measured": "not measured (the venues share no common clock)",
        "fire_note": "Sounded at: the instant of zero plus the venue's measured error, or, where "
        "no common clock exists, plus how late the venue fired on its own synchronised clock. "
        "Clock bound: the venue's own bound on the error of its synchronised clock.",
        "aborted_countdown": "Called off by the operator",
        "incidents": "Incidents",
        "time": "Time",
        "what": "What happened",
        "messages": "Cues and messages",
        "message": "Message",
        "recordings": "Recordings",
        "part_n": "part {n}",
        "engine_gaps": "The studio engine stopped and was restarted",
        "gap_line": "down from {down} to {up} ({length}); the run went on, and the recording "
        "continued in part {part}",
        "gap_torn": "its last journal line was cut off when it stopped",
        "no_recordings": "No recordings in this journal.",
        "recording": "Recording",
        "program": "Program (what every venue saw)",
        "program_word": "the program",
        "iso_of": "Camera of {venue}",
        "file": "File",
        "duration": "Length",
        "chapters": "Chapters",
        "sha256": "SHA-256",
        "failed": "stopped",
        "none": "None.",
        "journal": "Journal",
        "truncated": "The journal ends in a record cut off mid-write (a crash); it was left "
        "out and this report covers everything before it.",
        "venues_n": "Venues",
        "signature": "Approval",
        "signature_text": "I have checked this record against the journal identified above.",
        "officer": "Protocol officer",
        "name": "Name",
        "nip": "Employee no. (NIP)",
        "place_date": "Place, date",
        "sign": "Signature",
        "generated": "Made from the journal by the command ceremony report; the journal's "
        "SHA-256 above identifies the exact file.",
        "all_venues": "all venues",
        "seconds": "s",
    },
    "id": {
        "doc_title": "Laporan Pelaksanaan Acara",
        "rehearsal": "GLADI",
        "live": "Acara resmi",
        "mode": "Pelaksanaan",
        "run_id": "Kode pelaksanaan",
        "journal_hash": "SHA-256 jurnal",
        "runsheet_hash": "SHA-256 susunan acara",
        "page": "Halaman",
        "of": "dari",
        "date": "Tanggal",
        "planned_date": "Tanggal rencana (acara belum dimulai)",
        "timezone": "Zona waktu",
        "studio": "Studio",
        "started": "Mulai",
        "ended": "Selesai",
        "not_ended": "belum selesai (jurnal berakhir di sini)",
        "length": "lama acara",
        "zero": "Saat nol (detik peresmian)",
        "zero_short": "Saat nol",
        "no_zero": "Hitung mundur tidak sampai nol.",
        "items": "Susunan acara yang terlaksana",
        "n": "No.",
        "item": "Acara",
        "speaker": "Pembicara",
        "from": "Dari",
        "planned": "Rencana mulai",
        "actual": "Mulai sebenarnya",
        "planned_len": "Durasi rencana",
        "actual_len": "Durasi sebenarnya",
        "over": "Lebih (+) / kurang (−)",
        "start": "Mulai",
        "len": "Durasi",
        "p_short": "rencana",
        "a_short": "sebenarnya",
        "status": "Keterangan",
        "countdown": "Hitung mundur",
        "armed_at": "Disiapkan pukul",
        "lead": "jeda",
        "venue": "Lokasi",
        "state": "Keadaan",
        "fire_time": "Berbunyi pukul",
        "error": "Selisih terukur (ms)",
        "bound": "Batas jam (± ms)",
        "late": "Terlambat menurut jamnya (ms)",
        "spread": "Sebaran waktu yang terukur",
        "not_measured": "tidak terukur (lokasi tidak berbagi jam yang sama)",
        "fire_note": "Berbunyi pukul: saat nol ditambah selisih terukur lokasi itu, atau, bila "
        "tidak ada jam bersama, ditambah keterlambatan menurut jam lokasi yang telah "
        "disinkronkan. Batas jam: batas kesalahan jam lokasi menurut perhitungannya sendiri.",
        "aborted_countdown": "Dibatalkan oleh operator",
        "incidents": "Kejadian",
        "time": "Pukul",
        "what": "Kejadian",
        "messages": "Aba-aba dan pesan",
        "message": "Pesan",
        "recordings": "Rekaman",
        "part_n": "bagian {n}",
        "engine_gaps": "Mesin studio berhenti dan dijalankan ulang",
        "gap_line": "mati dari {down} sampai {up} ({length}); run berlanjut, dan rekaman "
        "dilanjutkan di bagian {part}",
        "gap_torn": "baris jurnal terakhirnya terpotong saat berhenti",
        "no_recordings": "Tidak ada rekaman dalam jurnal ini.",
        "recording": "Rekaman",
        "program": "Program (tayangan ke semua lokasi)",
        "program_word": "program",
        "iso_of": "Kamera {venue}",
        "file": "Berkas",
        "duration": "Durasi",
        "chapters": "Bab",
        "sha256": "SHA-256",
        "failed": "terhenti",
        "none": "Tidak ada.",
        "journal": "Jurnal",
        "truncated": "Jurnal berakhir dengan catatan yang terpotong saat ditulis (aplikasi "
        "berhenti mendadak); catatan itu diabaikan dan laporan ini mencakup semua sebelumnya.",
        "venues_n": "Jumlah lokasi",
        "signature": "Pengesahan",
        "signature_text": "Catatan ini telah saya periksa terhadap jurnal yang tertera di atas.",
        "officer": "Petugas Protokol",
        "name": "Nama",
        "nip": "NIP",
        "place_date": "Tempat, tanggal",
        "sign": "Tanda tangan",
        "generated": "Dibuat dari jurnal dengan perintah ceremony report; SHA-256 jurnal di atas "
        "menunjukkan berkas yang tepat.",
        "all_venues": "semua lokasi",
        "seconds": "detik",
    },
}

OUTCOMES: dict[str, dict[ItemOutcome, str]] = {
    "en": {
        ItemOutcome.DONE: "done",
        ItemOutcome.ON_AIR: "on air when the journal ends",
        ItemOutcome.SKIPPED: "skipped",
        ItemOutcome.NOT_RUN: "not held",
    },
    "id": {
        ItemOutcome.DONE: "terlaksana",
        ItemOutcome.ON_AIR: "berlangsung saat jurnal berakhir",
        ItemOutcome.SKIPPED: "dilewati",
        ItemOutcome.NOT_RUN: "tidak terlaksana",
    },
}

FIRE_STATES: dict[str, dict[FireState, str]] = {
    "en": {
        FireState.FIRED: "sounded",
        FireState.ARMED: "ready, but never reported sounding",
        FireState.NO_ANSWER: "no answer",
        FireState.MISSED: "the instant arrived too late; did not sound",
        FireState.NO_CLOCK: "clock not yet synchronised; did not sound",
        FireState.ABORTED: "called off",
    },
    "id": {
        FireState.FIRED: "berbunyi",
        FireState.ARMED: "siap, tetapi tidak melaporkan bunyi",
        FireState.NO_ANSWER: "tidak menjawab",
        FireState.MISSED: "aba-aba terlambat diterima; tidak berbunyi",
        FireState.NO_CLOCK: "jam belum tersinkron; tidak berbunyi",
        FireState.ABORTED: "dibatalkan",
    },
}

# {subject}, {detail}, {seconds}, {reason} are filled in by launcher.report.
INCIDENTS: dict[str, dict[str, str]] = {
    "en": {
        f"{IncidentKind.VENUE_LOST}:{LossCause.NO_SIGNAL}": "The connection to {subject} was "
        "lost: no signal from the venue for {seconds}.",
        f"{IncidentKind.VENUE_LOST}:{LossCause.APP_CLOSED}": "The connection to {subject} was "
        "lost: the venue's application closed, or its network dropped.",
        f"{IncidentKind.VENUE_LOST}:{LossCause.MEDIA_FAILED}": "The picture and sound "
        "connection to {subject} failed.",
        f"{IncidentKind.VENUE_LOST}:{LossCause.REPLACED}": "{subject} connected again over a "
        "new connection; the old one was closed.",
        f"{IncidentKind.VENUE_LOST}:{LossCause.OTHER}": "The connection to {subject} was lost "
        '(system note: "{detail}").',
        IncidentKind.VENUE_BACK: "{subject} was connected again.",
        IncidentKind.JOIN_REFUSED: "A request to join as {subject} was refused: {reason}.",
        IncidentKind.COUNTDOWN_ABORTED: "The operator called off the countdown “{subject}”.",
        IncidentKind.MANUAL_OVERRIDE: "The operator put {subject} on air outside the run-sheet.",
        IncidentKind.DEVICE_PROBLEM: "Problem with the studio's {subject} "
        '(system note: "{detail}").',
        IncidentKind.DEVICE_OK: "The studio's {subject} works again.",
        IncidentKind.ITEM_OVERRAN: "“{subject}” ran {seconds} longer than planned.",
        IncidentKind.RECORDING_FAILED: "The recording of {subject} stopped "
        '(system note: "{detail}").',
        IncidentKind.ENGINE_RESTARTED: "The studio engine stopped; a new one took the run "
        "over {seconds} later (the venues went on by themselves meanwhile).",
    },
    "id": {
        f"{IncidentKind.VENUE_LOST}:{LossCause.NO_SIGNAL}": "Sambungan ke {subject} terputus: "
        "tidak ada sinyal dari lokasi selama {seconds}.",
        f"{IncidentKind.VENUE_LOST}:{LossCause.APP_CLOSED}": "Sambungan ke {subject} terputus: "
        "aplikasi di lokasi tertutup atau jaringannya putus.",
        f"{IncidentKind.VENUE_LOST}:{LossCause.MEDIA_FAILED}": "Sambungan gambar dan suara ke "
        "{subject} gagal.",
        f"{IncidentKind.VENUE_LOST}:{LossCause.REPLACED}": "{subject} tersambung lagi melalui "
        "sambungan baru; sambungan lama ditutup.",
        f"{IncidentKind.VENUE_LOST}:{LossCause.OTHER}": "Sambungan ke {subject} terputus "
        '(catatan sistem: "{detail}").',
        IncidentKind.VENUE_BACK: "{subject} tersambung kembali.",
        IncidentKind.JOIN_REFUSED: "Permintaan bergabung atas nama {subject} ditolak: {reason}.",
        IncidentKind.COUNTDOWN_ABORTED: "Operator membatalkan hitung mundur “{subject}”.",
        IncidentKind.MANUAL_OVERRIDE: "Operator menayangkan {subject} di luar susunan acara.",
        IncidentKind.DEVICE_PROBLEM: 'Gangguan pada {subject} studio (catatan sistem: "{detail}").',
        IncidentKind.DEVICE_OK: "{subject} studio berfungsi kembali.",
        IncidentKind.ITEM_OVERRAN: "“{subject}” berlangsung {seconds} lebih lama dari rencana.",
        IncidentKind.RECORDING_FAILED: 'Perekaman {subject} terhenti (catatan sistem: "{detail}").',
        IncidentKind.ENGINE_RESTARTED: "Mesin studio berhenti; mesin baru melanjutkan run "
        "{seconds} kemudian (lokasi tetap berjalan sendiri selama itu).",
    },
}

# Why a join was refused (ceremony.wire.JoinRefusal values).
REFUSALS: dict[str, dict[str, str]] = {
    "en": {
        "bad_token": "the invitation is not valid (altered, or from another studio)",
        "expired": "the invitation has expired",
        "other_venue": "the invitation belongs to another venue",
        "unknown_venue": "the venue is not in the run-sheet",
        "wrong_ceremony": "the invitation is for another ceremony",
        "malformed": "the request could not be read",
        "certificate_mismatch": "the studio's certificate did not match the invitation",
    },
    "id": {
        "bad_token": "undangan tidak sah (diubah, atau dari studio lain)",
        "expired": "undangan sudah kedaluwarsa",
        "other_venue": "undangan milik lokasi lain",
        "unknown_venue": "lokasi tidak ada dalam susunan acara",
        "wrong_ceremony": "undangan untuk acara lain",
        "malformed": "permintaan tidak dapat dibaca",
        "certificate_mismatch": "sertifikat studio tidak cocok dengan undangan",
    },
}

DEVICES: dict[str, dict[str, str]] = {
    "en": {"camera": "camera", "microphone": "microphone", "recording": "recording"},
    "id": {"camera": "kamera", "microphone": "mikrofon", "recording": "perekaman"},
}

MESSAGES: dict[str, dict[MessageKind, str]] = {
    "en": {
        MessageKind.MARKER: "Marker: {text}",
        MessageKind.NOTE: "Note: {text}",
        MessageKind.CUE: "Cue to {who}: {text}",
        MessageKind.CHAT_FROM: "From {who}: {text}",
        MessageKind.CHAT_TO: "To {who}: {text}",
    },
    "id": {
        MessageKind.MARKER: "Penanda: {text}",
        MessageKind.NOTE: "Catatan: {text}",
        MessageKind.CUE: "Aba-aba ke {who}: {text}",
        MessageKind.CHAT_FROM: "Dari {who}: {text}",
        MessageKind.CHAT_TO: "Kepada {who}: {text}",
    },
}

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
}
MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
}

# Indonesia's zones by their official abbreviations; other zones use what the OS calls them.
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA"}
ZONE_NAMES["Asia/Jayapura"] = "WIT"
