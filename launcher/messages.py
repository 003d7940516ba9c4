"""What the command line tells an operator when something stops it, in their language.

One sentence each: what went wrong and what to do. Indonesian unless `--language en` or the
system's locale (LC_ALL, LC_MESSAGES, LANG, as Qt's QLocale reads them for the windows) is
English. The GUIs show the same sentences in a dialog.
"""

from __future__ import annotations

import os
from enum import StrEnum

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


class Failure(StrEnum):
    PORT_IN_USE = "port_in_use"
    PORT_FORBIDDEN = "port_forbidden"
    ADDRESS_UNAVAILABLE = "address_unavailable"
    FOLDER_NOT_WRITABLE = "folder_not_writable"
    DISK_FULL = "disk_full"
    JOURNAL_NOT_WRITABLE = "journal_not_writable"
    STUDIO_UNREACHABLE = "studio_unreachable"
    CONFIRM_LIVE_STOP = "confirm_live_stop"
    STOPPING = "stopping"
    CEREMONY_ENDED = "ceremony_ended"


TEXTS: dict[Failure, dict[str, str]] = {
    Failure.PORT_IN_USE: {
        "id": "Port {port} di {host} sudah dipakai program lain (mungkin studio lain masih "
        "berjalan): tutup program itu atau pilih port lain dengan --port.",
        "en": "Port {port} on {host} is already in use (perhaps another studio is still "
        "running): close that program or choose another port with --port.",
    },
    Failure.PORT_FORBIDDEN: {
        "id": "Port {port} tidak boleh dipakai oleh pengguna ini: pilih port 1024 ke atas "
        "dengan --port.",
        "en": "This user may not open port {port}: choose a port of 1024 or above with --port.",
    },
    Failure.ADDRESS_UNAVAILABLE: {
        "id": "Alamat {host} bukan milik komputer ini: periksa --host (0.0.0.0 untuk semua "
        "jaringan).",
        "en": "The address {host} does not belong to this computer: check --host (0.0.0.0 for "
        "every network).",
    },
    Failure.FOLDER_NOT_WRITABLE: {
        "id": "Folder rekaman {folder} tidak bisa ditulisi ({reason}): pilih folder lain "
        "dengan --record-dir, atau jalankan tanpa rekaman dengan --no-record.",
        "en": "The recording folder {folder} cannot be written ({reason}): choose another "
        "folder with --record-dir, or run without recording with --no-record.",
    },
    Failure.DISK_FULL: {
        "id": "Disk untuk {folder} hampir penuh: sisa {free_min:.0f} menit rekaman, acara "
        "direncanakan {need_min:.0f} menit; kosongkan disk atau pilih folder lain dengan "
        "--record-dir.",
        "en": "The disk of {folder} is nearly full: {free_min:.0f} min of recording left for a "
        "ceremony planned at {need_min:.0f} min; free some space or choose another folder "
        "with --record-dir.",
    },
    Failure.JOURNAL_NOT_WRITABLE: {
        "id": "Jurnal acara {path} tidak bisa ditulis ({reason}): periksa izin folder atau "
        "ruang disk.",
        "en": "The ceremony journal {path} cannot be written ({reason}): check the folder's "
        "permissions or the free disk space.",
    },
    Failure.STUDIO_UNREACHABLE: {
        "id": "Studio tidak dapat dihubungi di {address} setelah {attempts} percobaan — periksa "
        "alamat/port di undangan (tetap mencoba).",
        "en": "Studio unreachable at {address} after {attempts} attempts — check the "
        "address/port in the invite (still trying).",
    },
    Failure.CONFIRM_LIVE_STOP: {
        "id": "Ini acara RESMI (live): tekan Ctrl+C sekali lagi dalam 3 detik untuk mengakhirinya.",
        "en": "This is the LIVE ceremony: press Ctrl+C again within 3 s to end it.",
    },
    Failure.STOPPING: {
        "id": "Mengakhiri run {run}: rekaman dan jurnal ditutup, lokasi diberi tahu.",
        "en": "Ending run {run}: recordings and journal are closed, venues are told.",
    },
    Failure.CEREMONY_ENDED: {
        "id": "Studio mengakhiri acara: acara telah selesai.",
        "en": "The studio ended the ceremony.",
    },
}


def pick_language(explicit: str | None = None) -> str:
    """`explicit` if given, else the locale's language when we have it, else Indonesian."""
    if explicit in LANGUAGES:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            code = value.split("_")[0].split(".")[0].lower()
            return code if code in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def say(failure: Failure, language: str, **fields: object) -> str:
    texts = TEXTS[failure]
    return texts.get(language, texts[DEFAULT_LANGUAGE]).format(**fields)
