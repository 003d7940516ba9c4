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
    "Join the ceremony": "Bergabung ke acara",
    "Paste the invite you received from the studio here": "Tempel undangan dari studio di sini",
    "Open invite file…": "Buka berkas undangan…",
    "Join": "Bergabung",
    "Invite file": "Berkas undangan",
    "Studio: {0}\nVenue: {1}\nCeremony: {2}\nStudio certificate: {3}…\nValid until: {4}": (
        "Studio: {0}\nLokasi: {1}\nAcara: {2}\nSertifikat studio: {3}…\nBerlaku sampai: {4}"
    ),
    "Crew contact name and phone": "Nama dan nomor telepon kru",
    "We are ready": "Kami siap",
    "Message to the studio (Enter)": "Pesan ke studio (Enter)",
    "Program full screen on this monitor": "Program layar penuh di monitor ini",
    "DIRESMIKAN": "DIRESMIKAN",
    "Reconnecting to the studio… the picture is not live": (
        "Menyambung ulang ke studio… gambar tidak langsung"
    ),
    "Connecting to the studio…": "Menyambung ke studio…",
    "Another computer joined as this venue": "Komputer lain bergabung sebagai lokasi ini",
    "Program": "Program",
    "us: ": "kami: ",
    "Another computer joined as this venue; this one has stopped.": (
        "Komputer lain bergabung sebagai lokasi ini; komputer ini berhenti."
    ),
    "Now: ": "Sekarang: ",
    "Next: ": "Berikutnya: ",
    "ON AIR": "SIARAN LANGSUNG",
    "PREVIEW": "SIAGA BERIKUTNYA",
    "no sound at the venue": "tanpa suara di lokasi",
    "no sound": "tanpa suara",
    "studio: ": "studio: ",
    "Loss %": "Hilang %",
    "Packet loss in: the venue's camera reaching the studio; out: the program reaching the venue": (
        "Paket hilang masuk: kamera lokasi ke studio; keluar: program ke lokasi"
    ),
    "{0:.0f} s ago": "{0:.0f} dtk lalu",
    " s": " dtk",
    " · loss {0} %": " · hilang {0} %",
    "No sound here: ": "Tidak ada suara di sini: ",
    "STANDBY": "SIAGA",
    "clock": "jam",
    "The invite is not valid for this studio. Ask the studio for a new invite.": (
        "Undangan tidak berlaku untuk studio ini. Mintalah undangan baru ke studio."
    ),
    "The invite has expired. Ask the studio for a new invite.": (
        "Undangan sudah kedaluwarsa. Mintalah undangan baru ke studio."
    ),
    "This invite belongs to another venue. Check you opened your own invite.": (
        "Undangan ini milik lokasi lain. Pastikan Anda membuka undangan lokasi Anda."
    ),
    "This venue is not in today's run-sheet. Call the studio.": (
        "Lokasi ini tidak ada dalam susunan acara hari ini. Hubungi studio."
    ),
    "The invite is for another ceremony. Ask the studio for today's invite.": (
        "Undangan ini untuk acara lain. Mintalah undangan acara hari ini ke studio."
    ),
    "The studio could not read our request. Update the app or call the studio.": (
        "Studio tidak dapat membaca permintaan kami. Perbarui aplikasi atau hubungi studio."
    ),
    "The computer at that address is not the studio in the invite. Check the address, or ask "
    "for a new invite if the studio computer was replaced.": (
        "Komputer di alamat itu bukan studio dalam undangan. Periksa alamatnya, atau mintalah "
        "undangan baru jika komputer studio diganti."
    ),
    "The studio refused to let us join.": "Studio menolak kami bergabung.",
    "connecting": "menyambung",
    "connected": "tersambung",
    "reconnecting": "menyambung ulang",
    "refused": "ditolak",
    "replaced": "digantikan",
    "stopped": "berhenti",
    "Camera": "Kamera",
    "Microphone": "Mikrofon",
    "Speaker (siren and program)": "Pengeras suara (sirene dan program)",
    "No speaker found: the program's sound and the siren will not be heard here.": (
        "Pengeras suara tidak ditemukan: suara program dan sirene tidak akan terdengar di sini."
    ),
    "Play a test tone": "Putar nada uji",
    "Test pattern (no camera)": "Pola uji (tanpa kamera)",
    "No camera found: a test pattern will be sent.": (
        "Kamera tidak ditemukan: pola uji yang akan dikirim."
    ),
    "Synthetic voice (no microphone)": "Suara sintetis (tanpa mikrofon)",
    "System default": "Bawaan sistem",
    "No microphone found: a synthetic voice will be sent.": (
        "Mikrofon tidak ditemukan: suara sintetis yang akan dikirim."
    ),
    "The device chosen last time is not here: {0}": (
        "Perangkat yang dipilih sebelumnya tidak ada: {0}"
    ),
    "No sound: PortAudio is missing ({0}); install libportaudio2.": (
        "Tidak ada suara: PortAudio tidak ada ({0}); pasang libportaudio2."
    ),
    "No sound: {0}": "Tidak ada suara: {0}",
    "Camera, microphone and speaker…": "Kamera, mikrofon, dan pengeras suara…",
    "Done": "Selesai",
    "Run-sheet": "Susunan acara",
    "Saved, not used now: its venues differ from this ceremony's. Restart the studio with "
    "this run-sheet to use it.": (
        "Tersimpan, belum dipakai sekarang: lokasinya berbeda dari upacara ini. Jalankan ulang "
        "studio dengan susunan acara ini untuk memakainya."
    ),
    "Edit…": "Sunting…",
    "Saved, not used now: ": "Tersimpan, belum dipakai sekarang: ",
    "Run-sheet editor": "Penyunting susunan acara",
    "Add": "Tambah",
    "Duplicate": "Gandakan",
    "Delete": "Hapus",
    "Undo": "Urungkan",
    "Redo": "Ulangi",
    "Open / import…": "Buka / impor…",
    "Save": "Simpan",
    "Save as / export…": "Simpan sebagai / ekspor…",
    "run-sheet": "susunan acara",
    "Valid: {0} items": "Sah: {0} acara",
    "New item": "Acara baru",
    "Could not save {0}: {1}": "Tidak dapat menyimpan {0}: {1}",
    "Saved {0}": "Tersimpan {0}",
    "Open run-sheet": "Buka susunan acara",
    "Save run-sheet": "Simpan susunan acara",
    "Unsaved changes": "Perubahan belum disimpan",
    "The run-sheet has unsaved changes. Discard them?": (
        "Susunan acara memiliki perubahan yang belum disimpan. Buang perubahan itu?"
    ),
    "expected": "diharapkan",
    "Program full screen on this monitor (F11)": "Program layar penuh di monitor ini (F11)",
    "We are ready (Ctrl+R)": "Kami siap (Ctrl+R)",
    "Protocol": "Protokol",
    "Start recording": "Mulai merekam",
    "Stop recording": "Hentikan rekaman",
    "Marker": "Penanda",
    "Note for the record (Enter)": "Catatan untuk risalah (Enter)",
    "marker": "penanda",
    "Not recording.": "Tidak merekam.",
    "Recording {0}: {1} s, {2} MB ({5} kbit/s), {3} venue files; {4} min of disk left": (
        "Merekam {0}: {1} dtk, {2} MB ({5} kbit/dtk), {3} berkas lokasi; sisa disk {4} menit"
    ),
    "RECORDING STOPPED: ": "REKAMAN BERHENTI: ",
    "No sound devices can be used: PortAudio is missing. Install the libportaudio2 package.": (
        "Perangkat suara tidak dapat dipakai: PortAudio tidak ada. Pasang paket libportaudio2."
    ),
    "The camera could not be opened: check it is plugged in and not used by another program.": (
        "Kamera tidak dapat dibuka: pastikan kamera tersambung dan tidak dipakai program lain."
    ),
    "The microphone could not be opened: check it is plugged in.": (
        "Mikrofon tidak dapat dibuka: pastikan mikrofon tersambung."
    ),
    "No sound: the speaker could not be used. Check it is plugged in and on.": (
        "Tidak ada suara: pengeras suara tidak dapat dipakai. Pastikan tersambung dan menyala."
    ),
    "No sound here: this computer's speaker cannot play the program and the siren. Check the "
    "speaker and its cable: the app opens it again by itself once it works.": (
        "Tidak ada suara di sini: pengeras suara komputer ini tidak dapat memutar program dan "
        "sirene. Periksa pengeras suara dan kabelnya: aplikasi akan membukanya lagi dengan "
        "sendirinya begitu berfungsi."
    ),
    "Join again": "Bergabung lagi",
    "The link to the studio has stopped on this computer": (
        "Sambungan ke studio di komputer ini berhenti"
    ),
    "The link to the studio has stopped on this computer: the hall will not hear the siren and "
    "the studio does not see this venue. Press Join again.": (
        "Sambungan ke studio di komputer ini berhenti: sirene tidak akan berbunyi di aula dan "
        "studio tidak melihat lokasi ini. Tekan Bergabung lagi."
    ),
    "Thank you": "Terima kasih",
    "The ceremony has ended": "Acara telah selesai",
    "The studio has closed the link: nothing more to do here. Join again only if the studio "
    "starts another run.": (
        "Studio telah menutup sambungan: tidak ada lagi yang perlu dilakukan di sini. Bergabung "
        "lagi hanya jika studio memulai putaran berikutnya."
    ),
    "Trying again in {0} s.": "Mencoba lagi dalam {0} dtk.",
    "ended": "selesai",
    "The studio cannot be reached. Check the network cable or Wi-Fi, and ask the studio "
    "whether its app is running.": (
        "Studio tidak dapat dihubungi. Periksa kabel jaringan atau Wi-Fi, dan tanyakan ke studio "
        "apakah aplikasinya berjalan."
    ),
    "The studio did not answer. It may be busy or restarting.": (
        "Studio tidak menjawab. Mungkin sedang sibuk atau dimulai ulang."
    ),
    "The studio closed the connection while we were joining.": (
        "Studio menutup sambungan saat kami bergabung."
    ),
    "The studio's answer could not be read. Update the app or call the studio.": (
        "Jawaban studio tidak dapat dibaca. Perbarui aplikasi atau hubungi studio."
    ),
    "Picture and sound could not be connected: a firewall may be blocking UDP. Call the "
    "studio's technician.": (
        "Gambar dan suara tidak dapat tersambung: firewall mungkin memblokir UDP. Hubungi teknisi "
        "studio."
    ),
    "Nothing heard from the studio for a few seconds.": (
        "Tidak ada kabar dari studio selama beberapa detik."
    ),
    "The studio closed the connection (it may be restarting).": (
        "Studio menutup sambungan (mungkin sedang dimulai ulang)."
    ),
    "This invite cannot be read: it is damaged or was not copied whole. Ask the studio to "
    "send it again.": (
        "Undangan ini tidak dapat dibaca: rusak atau tidak tersalin utuh. Mintalah studio "
        "mengirimnya lagi."
    ),
    "A fault in this app; the log file has the details.": (
        "Terjadi kesalahan di aplikasi ini; rinciannya ada di berkas log."
    ),
    # Runs: rehearsal or live, and stopping one.
    "The studio cannot run": "Studio tidak dapat berjalan",
    "REHEARSAL/GLADI": "GLADI (REHEARSAL)",
    "LIVE": "RESMI (LIVE)",
    "run": "run",
    "End the ceremony?": "Akhiri acara?",
    "Yes": "Ya",
    "No": "Tidak",
    "Cancel": "Batal",
    "Discard": "Buang",
    "OK": "OK",
    "This is the LIVE ceremony. Closing this window ends it for every venue: recordings and the "
    "journal are closed and the venues are told the ceremony has ended. End it now?": (
        "Ini acara RESMI (live). Menutup jendela ini mengakhirinya untuk semua lokasi: rekaman dan "
        "jurnal ditutup dan semua lokasi diberi tahu bahwa acara telah selesai. Akhiri sekarang?"
    ),
    "This is the LIVE ceremony. End it now for every venue? Recordings and the journal are "
    "closed and the venues are told the ceremony has ended.": (
        "Ini acara RESMI (live). Akhiri sekarang untuk semua lokasi? Rekaman dan jurnal ditutup "
        "dan semua lokasi diberi tahu bahwa acara telah selesai."
    ),
    "Start the ceremony": "Mulai acara",
    "Is this run the LIVE ceremony (the official record) or a REHEARSAL (GLADI)?": (
        "Apakah run ini acara RESMI (risalah resmi) atau GLADI (latihan)?"
    ),
    "LIVE ceremony": "Acara RESMI",
    "REHEARSAL (GLADI)": "GLADI (latihan)",
    "The studio cannot start": "Studio tidak dapat dimulai",
    "ceremony ended": "acara selesai",
    # Help menu (ui/widgets/help_menu.py)
    "Help": "Bantuan",
    "Save diagnostics…": "Simpan diagnostik…",
    "About": "Tentang",
    "Save diagnostics": "Simpan diagnostik",
    "Could not save the diagnostics: ": "Diagnostik tidak dapat disimpan: ",
    "Diagnostics saved to:": "Diagnostik disimpan di:",
    "Send this file to the help desk. It holds no invite and no keys.": (
        "Kirim berkas ini ke meja bantuan. Berkas ini tidak memuat undangan maupun kunci."
    ),
    "Ceremony {app}\nVersion {version}\nBuild {build}": (
        "Ceremony {app}\nVersi {version}\nBuild {build}"
    ),
    "Diagnostics": "Diagnostik",
    "Measure the hall's sound delay": "Ukur jeda suara aula",
    "Hall delay: not measured; the siren starts by the computer's own timing.": (
        "Jeda aula: belum diukur; sirene mulai menurut waktu komputer sendiri."
    ),
    "Hall delay: {0:.1f} ms; the siren starts that much earlier.": (
        "Jeda aula: {0:.1f} md; sirene dimulai lebih awal sebanyak itu."
    ),
    "Measuring: keep the hall quiet for ten seconds...": (
        "Mengukur: jaga aula tetap tenang selama sepuluh detik..."
    ),
    "Hall delay not measured: the speaker could not be opened.": (
        "Jeda aula tidak terukur: pengeras suara tidak dapat dibuka."
    ),
    "Hall delay not measured: the microphone could not be opened.": (
        "Jeda aula tidak terukur: mikrofon tidak dapat dibuka."
    ),
    "Hall delay not measured: the speaker played nothing.": (
        "Jeda aula tidak terukur: pengeras suara tidak memutar apa pun."
    ),
    "Hall delay not measured: the test sound was not heard. Is the speaker on, "
    "loud enough, and the microphone in the hall?": (
        "Jeda aula tidak terukur: suara uji tidak terdengar. Apakah pengeras suara menyala, "
        "cukup keras, dan mikrofon berada di aula?"
    ),
    "Hall delay not measured: the sound system could not be used.": (
        "Jeda aula tidak terukur: sistem suara tidak dapat digunakan."
    ),
    "WATCHING — {0} has control": "MENONTON — kendali dipegang {0}",
    "nobody": "tidak ada",
    "Take control": "Ambil kendali",
    "End the run (stop the studio engine)…": "Akhiri run (hentikan mesin studio)…",
    "End the run?": "Akhiri run?",
    "End this run for every venue and stop the studio engine? Recordings and the journal are "
    "closed and the venues are told the ceremony has ended.": (
        "Akhiri run ini untuk semua lokasi dan hentikan mesin studio? Rekaman dan jurnal "
        "ditutup dan lokasi diberi tahu bahwa upacara telah berakhir."
    ),
    "Could not stop the engine: ": "Mesin tidak dapat dihentikan: ",
    "Studio engine not reachable: attaching again…": (
        "Mesin studio tidak terjangkau: menyambung kembali…"
    ),
    "Attached to the studio engine again.": "Tersambung lagi ke mesin studio.",
    "Resuming the run: the studio engine was restarted and carries on from its journal "
    "(recording part {0}).": (
        "Melanjutkan acara: mesin studio dimulai ulang dan meneruskan dari jurnalnya "
        "(rekaman bagian {0})."
    ),
    # The multiviewer at many venues (ui/console/multiviewer.py).
    "Page {0} of {1}": "Halaman {0} dari {1}",
    "Previous page (Ctrl+PgUp)": "Halaman sebelumnya (Ctrl+PgUp)",
    "Next page (Ctrl+PgDown)": "Halaman berikutnya (Ctrl+PgDown)",
    "{0} venues: {1} well · {2} with problems · {3} lost · {4} waiting": (
        "{0} lokasi: {1} baik · {2} bermasalah · {3} terputus · {4} menunggu"
    ),
}

# The same English word, two meanings: the console's preview monitor, the venue's "you are next".
# States shown on the console (ui/widgets/words.py): in their own context, as some of these
# English words mean something else elsewhere ("connecting" at a venue is "menyambung").
WORDS = {
    "Invited": "Diundang",
    "Connecting": "Menyambung",
    "Joined": "Tersambung",
    "Lost": "Terputus",
    "Refused": "Ditolak",
    "armed": "siap",
    "missed": "terlewat",
    "no clock": "jam belum sinkron",
    "aborted": "dibatalkan",
    "fired": "terlaksana",
    "pressed twice": "tertekan dua kali",
    "not running": "acara belum berjalan",
    "already ended": "acara sudah selesai",
    "nothing to undo": "tidak ada yang bisa dibatalkan",
    "no previous item": "tidak ada acara sebelumnya",
    "no such item": "acara tidak ada",
    "item already done": "acara sudah lewat",
    "already so": "sudah demikian",
    "unknown venue": "lokasi tidak dikenal",
    "invalid value": "nilai tidak sah",
    "countdown": "hitung mundur",
    "recording": "rekaman",
    "another console is in control": "konsol lain sedang memegang kendali",
    "run-sheet": "susunan acara",
}

IN_CONTEXT = {
    ("ConsoleWindow", "PREVIEW"): "PRATINJAU",
    **{("Words", source): text for source, text in WORDS.items()},
}


def fill(ts: Path) -> int:
    tree = ET.parse(ts)
    missing = 0
    for context in tree.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            translation = message.find("translation")
            if translation is None:
                continue
            text = IN_CONTEXT.get((name, source), ID.get(source))
            if text is None:
                missing += 1
                continue
            translation.text = text
            translation.attrib.pop("type", None)
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    return missing


if __name__ == "__main__":
    path = Path(__file__).with_name("ceremony_id.ts")
    left = fill(path)
    print(f"{path}: {left} string(s) without an Indonesian translation")
    sys.exit(0)
