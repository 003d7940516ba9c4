"""Indonesian texts for the console, kept beside the .ts file they fill.

Run after `pyside6-lupdate` has added new source strings: `python ui/i18n/fill_id.py`. Strings
not listed here stay unfinished in the .ts (and show in English) until someone translates them.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ID = {
    "Engine failed: ": "Mesin gagal: ",
    "Studio console": "Konsol studio",
    "Planned": "Rencana",
    "Item": "Acara",
    "Speaker": "Pembicara",
    "From": "Dari",
    "Length": "Durasi",
    "Actual": "Aktual",
    "Over/under": "Lebih/kurang",
    "Venue": "Lokasi",
    "State": "Status",
    "RTT ms": "RTT ms",
    "Video fps": "Video fps",
    "Return fps": "Program fps",
    "Latency ms": "Latensi ms",
    "Ready": "Siap",
    "Countdown": "Hitung mundur",
    "GO  (Space)": "LANJUT  (Spasi)",
    "HOLD (H)": "TAHAN (H)",
    "BACK (B)": "KEMBALI (B)",
    "SKIP next (S)": "LEWATI berikut (S)",
    "Undo GO (Ctrl+Z)": "Batalkan LANJUT (Ctrl+Z)",
    "+30 s": "+30 dtk",
    "−30 s": "−30 dtk",
    "Jump to selected": "Lompat ke pilihan",
    "TAKE venue": "TAYANGKAN lokasi",
    "Lead time": "Waktu tunggu",
    "ARM countdown": "SIAPKAN hitung mundur",
    "ABORT": "BATALKAN",
    "Send cue": "Kirim aba-aba",
    "Chat": "Obrolan",
    "Cue or message for the crews": "Aba-aba atau pesan untuk kru",
    "All venues": "Semua lokasi",
    "Messages": "Pesan",
    "Log": "Catatan",
    "Studio": "Studio",
    "Preview: ": "Pratinjau: ",
    "Click a venue tile first, then TAKE.": "Klik kotak lokasi dahulu, lalu TAYANGKAN.",
    "Cannot arm: ": "Tidak dapat disiapkan: ",
    "Choose one venue to chat with.": "Pilih satu lokasi untuk diajak mengobrol.",
    "Now ": "Sekarang ",
    "Projected end ": "Perkiraan selesai ",
    "HOLD · ": "DITAHAN · ",
    "Ended": "Selesai",
    "RESUME (H)": "LANJUTKAN (H)",
    "yes": "ya",
    "clock ±{0:.0f} ms": "jam ±{0:.0f} ms",
    "T−{0:.1f} s · {1}/{2} venues armed": "T−{0:.1f} dtk · {1}/{2} lokasi siap",
    "Zero passed": "Nol terlewati",
    "MANUAL OVERRIDE": "KENDALI MANUAL",
    "Refused: ": "Ditolak: ",
    "Language": "Bahasa",
}


def fill(ts: Path) -> int:
    tree = ET.parse(ts)
    missing = 0
    for message in tree.iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        if translation is None:
            continue
        if source in ID:
            translation.text = ID[source]
            translation.attrib.pop("type", None)
        else:
            missing += 1
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    return missing


if __name__ == "__main__":
    path = Path(__file__).with_name("ceremony_id.ts")
    left = fill(path)
    print(f"{path}: {left} string(s) without an Indonesian translation")
    sys.exit(0)
