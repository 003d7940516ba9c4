<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>ConsoleStart</name>
    <message>
        <location filename="../console/app.py" line="162" />
        <source>End the ceremony?</source>
        <translation>Akhiri acara?</translation>
    </message>
    <message>
        <location filename="../console/app.py" line="163" />
        <source>This is the LIVE ceremony. End it now for every venue? Recordings and the journal are closed and the venues are told the ceremony has ended.</source>
        <translation>Ini acara RESMI (live). Akhiri sekarang untuk semua lokasi? Rekaman dan jurnal ditutup dan semua lokasi diberi tahu bahwa acara telah selesai.</translation>
    </message>
    <message>
        <location filename="../console/app.py" line="199" />
        <source>Start the ceremony</source>
        <translation>Mulai acara</translation>
    </message>
    <message>
        <location filename="../console/app.py" line="203" />
        <source>Is this run the LIVE ceremony (the official record) or a REHEARSAL (GLADI)?</source>
        <translation>Apakah run ini acara RESMI (risalah resmi) atau GLADI (latihan)?</translation>
    </message>
    <message>
        <location filename="../console/app.py" line="209" />
        <source>LIVE ceremony</source>
        <translation>Acara RESMI</translation>
    </message>
    <message>
        <location filename="../console/app.py" line="213" />
        <source>REHEARSAL (GLADI)</source>
        <translation>GLADI (latihan)</translation>
    </message>
    <message>
        <location filename="../console/app.py" line="234" />
        <source>The studio cannot start</source>
        <translation>Studio tidak dapat dimulai</translation>
    </message>
</context>
<context>
    <name>ConsoleWindow</name>
    <message>
        <location filename="../console/window.py" line="460" />
        <source>Engine failed: </source>
        <translation>Mesin gagal: </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="462" />
        <source>The studio cannot run</source>
        <translation>Studio tidak dapat berjalan</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="469" />
        <source>REHEARSAL/GLADI</source>
        <translation>GLADI (REHEARSAL)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="469" />
        <source>LIVE</source>
        <translation>RESMI (LIVE)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="473" />
        <source>Studio console</source>
        <translation>Konsol studio</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="478" />
        <source>Planned</source>
        <translation>Rencana</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="479" />
        <source>Item</source>
        <translation>Acara</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="480" />
        <source>Speaker</source>
        <translation>Pembicara</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="481" />
        <source>From</source>
        <translation>Dari</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="482" />
        <source>Length</source>
        <translation>Durasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="483" />
        <source>Actual</source>
        <translation>Aktual</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="484" />
        <source>Over/under</source>
        <translation>Lebih/kurang</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="489" />
        <source>Venue</source>
        <translation>Lokasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="490" />
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="491" />
        <source>RTT ms</source>
        <translation>RTT ms</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="493" />
        <source>Video fps</source>
        <translation>Video fps</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="494" />
        <source>Return fps</source>
        <translation>Program fps</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="495" />
        <source>Latency ms</source>
        <translation>Latensi ms</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="496" />
        <location filename="../console/window.py" line="808" />
        <source>Ready</source>
        <translation>Siap</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="497" />
        <location filename="../console/window.py" line="527" />
        <source>Countdown</source>
        <translation>Hitung mundur</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="504" />
        <source>Packet loss in: the venue's camera reaching the studio; out: the program reaching the venue</source>
        <translation>Paket hilang masuk: kamera lokasi ke studio; keluar: program ke lokasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="507" />
        <source> s</source>
        <translation> dtk</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="508" />
        <source>GO  (Space)</source>
        <translation>LANJUT  (Spasi)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="509" />
        <location filename="../console/window.py" line="811" />
        <source>HOLD (H)</source>
        <translation>TAHAN (H)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="510" />
        <source>BACK (B)</source>
        <translation>KEMBALI (B)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="511" />
        <source>SKIP next (S)</source>
        <translation>LEWATI berikut (S)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="512" />
        <source>Undo GO (Ctrl+Z)</source>
        <translation>Batalkan LANJUT (Ctrl+Z)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="513" />
        <source>+30 s</source>
        <translation>+30 dtk</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="514" />
        <source>−30 s</source>
        <translation>−30 dtk</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="515" />
        <source>Jump to selected</source>
        <translation>Lompat ke pilihan</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="516" />
        <source>TAKE venue</source>
        <translation>TAYANGKAN lokasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="517" />
        <source>Lead time</source>
        <translation>Waktu tunggu</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="518" />
        <source>ARM countdown</source>
        <translation>SIAPKAN hitung mundur</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="519" />
        <source>ABORT</source>
        <translation>BATALKAN</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="520" />
        <source>Send cue</source>
        <translation>Kirim aba-aba</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="521" />
        <source>Chat</source>
        <translation>Obrolan</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="522" />
        <source>Cue or message for the crews</source>
        <translation>Aba-aba atau pesan untuk kru</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="524" />
        <source>All venues</source>
        <translation>Semua lokasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="528" />
        <source>Messages</source>
        <translation>Pesan</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="529" />
        <source>Log</source>
        <translation>Catatan</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="530" />
        <source>Protocol</source>
        <translation>Protokol</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="531" />
        <source>Start recording</source>
        <translation>Mulai merekam</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="532" />
        <source>Stop recording</source>
        <translation>Hentikan rekaman</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="533" />
        <source>Marker</source>
        <translation>Penanda</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="534" />
        <source>Note for the record (Enter)</source>
        <translation>Catatan untuk risalah (Enter)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="535" />
        <source>Language</source>
        <translation>Bahasa</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="536" />
        <source>End the run (stop the studio engine)…</source>
        <translation>Akhiri run (hentikan mesin studio)…</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="537" />
        <source>Take control</source>
        <translation>Ambil kendali</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="538" />
        <source>Run-sheet</source>
        <translation>Susunan acara</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="539" />
        <source>Edit…</source>
        <translation>Sunting…</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="564" />
        <source>Saved, not used now: its venues differ from this ceremony's. Restart the studio with this run-sheet to use it.</source>
        <translation>Tersimpan, belum dipakai sekarang: lokasinya berbeda dari upacara ini. Jalankan ulang studio dengan susunan acara ini untuk memakainya.</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="574" />
        <location filename="../console/window.py" line="577" />
        <source>Saved, not used now: </source>
        <translation>Tersimpan, belum dipakai sekarang: </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="641" />
        <source>End the ceremony?</source>
        <translation>Akhiri acara?</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="643" />
        <source>This is the LIVE ceremony. Closing this window ends it for every venue: recordings and the journal are closed and the venues are told the ceremony has ended. End it now?</source>
        <translation>Ini acara RESMI (live). Menutup jendela ini mengakhirinya untuk semua lokasi: rekaman dan jurnal ditutup dan semua lokasi diberi tahu bahwa acara telah selesai. Akhiri sekarang?</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="661" />
        <source>Studio</source>
        <translation>Studio</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="680" />
        <source>Preview: </source>
        <translation>Pratinjau: </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="684" />
        <source>Click a venue tile first, then TAKE.</source>
        <translation>Klik kotak lokasi dahulu, lalu TAYANGKAN.</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="697" />
        <location filename="../console/window.py" line="699" />
        <source>Cannot arm: </source>
        <translation>Tidak dapat disiapkan: </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="705" />
        <source>marker</source>
        <translation>penanda</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="718" />
        <source>Not recording.</source>
        <translation>Tidak merekam.</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="723" />
        <source>RECORDING STOPPED: </source>
        <translation>REKAMAN BERHENTI: </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="739" />
        <source>Choose one venue to chat with.</source>
        <translation>Pilih satu lokasi untuk diajak mengobrol.</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="752" />
        <source>Now </source>
        <translation>Sekarang </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="752" />
        <source>Projected end </source>
        <translation>Perkiraan selesai </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="805" />
        <source>HOLD · </source>
        <translation>DITAHAN · </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="808" />
        <source>Ended</source>
        <translation>Selesai</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="811" />
        <source>RESUME (H)</source>
        <translation>LANJUTKAN (H)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="850" />
        <source>{0:.0f} s ago</source>
        <translation>{0:.0f} dtk lalu</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="854" />
        <source>no sound</source>
        <translation>tanpa suara</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="860" />
        <source>yes</source>
        <translation>ya</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="820" />
        <source>clock ±{0:.0f} ms</source>
        <translation>jam ±{0:.0f} ms</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="822" />
        <source>no sound at the venue</source>
        <translation>tanpa suara di lokasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="828" />
        <source> · loss {0} %</source>
        <translation> · hilang {0} %</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="875" />
        <location filename="../console/window.py" line="880" />
        <source>PREVIEW</source>
        <translation>PRATINJAU</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="907" />
        <source>T−{0:.1f} s · {1}/{2} venues armed</source>
        <translation>T−{0:.1f} dtk · {1}/{2} lokasi siap</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="910" />
        <source>Zero passed</source>
        <translation>Nol terlewati</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="948" />
        <source>Attached to the studio engine again.</source>
        <translation>Tersambung lagi ke mesin studio.</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="771" />
        <source>MANUAL OVERRIDE</source>
        <translation>KENDALI MANUAL</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="407" />
        <source>Resuming the run: the studio engine was restarted and carries on from its journal (recording part {0}).</source>
        <translation>Melanjutkan acara: mesin studio dimulai ulang dan meneruskan dari jurnalnya (rekaman bagian {0}).</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="415" />
        <source>Studio engine not reachable: attaching again…</source>
        <translation>Mesin studio tidak terjangkau: menyambung kembali…</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="430" />
        <source>End the run?</source>
        <translation>Akhiri run?</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="432" />
        <source>End this run for every venue and stop the studio engine? Recordings and the journal are closed and the venues are told the ceremony has ended.</source>
        <translation>Akhiri run ini untuk semua lokasi dan hentikan mesin studio? Rekaman dan jurnal ditutup dan lokasi diberi tahu bahwa upacara telah berakhir.</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="443" />
        <location filename="../console/window.py" line="446" />
        <source>Could not stop the engine: </source>
        <translation>Mesin tidak dapat dihentikan: </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="451" />
        <source>nobody</source>
        <translation>tidak ada</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="452" />
        <source>WATCHING — {0} has control</source>
        <translation>MENONTON — kendali dipegang {0}</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="492" />
        <source>Loss %</source>
        <translation>Hilang %</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="720" />
        <source>Recording {0}: {1} s, {2} MB ({5} kbit/s), {3} venue files; {4} min of disk left</source>
        <translation>Merekam {0}: {1} dtk, {2} MB ({5} kbit/dtk), {3} berkas lokasi; sisa disk {4} menit</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="939" />
        <source>Refused: </source>
        <translation>Ditolak: </translation>
    </message>
</context>
<context>
    <name>DevicesPage</name>
    <message>
        <location filename="../venue/devices.py" line="116" />
        <source>Camera</source>
        <translation>Kamera</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="117" />
        <source>Microphone</source>
        <translation>Mikrofon</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="118" />
        <source>Speaker (siren and program)</source>
        <translation>Pengeras suara (sirene dan program)</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="119" />
        <source>Play a test tone</source>
        <translation>Putar nada uji</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="129" />
        <source>Test pattern (no camera)</source>
        <translation>Pola uji (tanpa kamera)</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="133" />
        <source>No camera found: a test pattern will be sent.</source>
        <translation>Kamera tidak ditemukan: pola uji yang akan dikirim.</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="134" />
        <source>Synthetic voice (no microphone)</source>
        <translation>Suara sintetis (tanpa mikrofon)</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="135" />
        <source>System default</source>
        <translation>Bawaan sistem</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="142" />
        <source>No sound devices can be used: PortAudio is missing. Install the libportaudio2 package.</source>
        <translation>Perangkat suara tidak dapat dipakai: PortAudio tidak ada. Pasang paket libportaudio2.</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="154" />
        <source>No microphone found: a synthetic voice will be sent.</source>
        <translation>Mikrofon tidak ditemukan: suara sintetis yang akan dikirim.</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="158" />
        <source>No speaker found: the program's sound and the siren will not be heard here.</source>
        <translation>Pengeras suara tidak ditemukan: suara program dan sirene tidak akan terdengar di sini.</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="169" />
        <source>The device chosen last time is not here: {0}</source>
        <translation>Perangkat yang dipilih sebelumnya tidak ada: {0}</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="218" />
        <source>The camera could not be opened: check it is plugged in and not used by another program.</source>
        <translation>Kamera tidak dapat dibuka: pastikan kamera tersambung dan tidak dipakai program lain.</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="235" />
        <source>The microphone could not be opened: check it is plugged in.</source>
        <translation>Mikrofon tidak dapat dibuka: pastikan mikrofon tersambung.</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="253" />
        <source>Measure the hall's sound delay</source>
        <translation>Ukur jeda suara aula</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="267" />
        <source>Hall delay: not measured; the siren starts by the computer's own timing.</source>
        <translation>Jeda aula: belum diukur; sirene mulai menurut waktu komputer sendiri.</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="269" />
        <source>Hall delay: {0:.1f} ms; the siren starts that much earlier.</source>
        <translation>Jeda aula: {0:.1f} md; sirene dimulai lebih awal sebanyak itu.</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="281" />
        <source>Measuring: keep the hall quiet for ten seconds...</source>
        <translation>Mengukur: jaga aula tetap tenang selama sepuluh detik...</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="311" />
        <source>Hall delay not measured: the speaker could not be opened.</source>
        <translation>Jeda aula tidak terukur: pengeras suara tidak dapat dibuka.</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="313" />
        <source>Hall delay not measured: the microphone could not be opened.</source>
        <translation>Jeda aula tidak terukur: mikrofon tidak dapat dibuka.</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="315" />
        <source>Hall delay not measured: the speaker played nothing.</source>
        <translation>Jeda aula tidak terukur: pengeras suara tidak memutar apa pun.</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="318" />
        <source>Hall delay not measured: the test sound was not heard. Is the speaker on, loud enough, and the microphone in the hall?</source>
        <translation>Jeda aula tidak terukur: suara uji tidak terdengar. Apakah pengeras suara menyala, cukup keras, dan mikrofon berada di aula?</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="321" />
        <source>Hall delay not measured: the sound system could not be used.</source>
        <translation>Jeda aula tidak terukur: sistem suara tidak dapat digunakan.</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="331" />
        <source>No sound: the speaker could not be used. Check it is plugged in and on.</source>
        <translation>Tidak ada suara: pengeras suara tidak dapat dipakai. Pastikan tersambung dan menyala.</translation>
    </message>
</context>
<context>
    <name>HelpMenu</name>
    <message>
        <location filename="../widgets/help_menu.py" line="94" />
        <source>Help</source>
        <translation>Bantuan</translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="95" />
        <source>Save diagnostics…</source>
        <translation>Simpan diagnostik…</translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="96" />
        <location filename="../widgets/help_menu.py" line="165" />
        <source>About</source>
        <translation>Tentang</translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="116" />
        <source>Save diagnostics</source>
        <translation>Simpan diagnostik</translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="148" />
        <source>Could not save the diagnostics: </source>
        <translation>Diagnostik tidak dapat disimpan: </translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="153" />
        <source>Diagnostics saved to:</source>
        <translation>Diagnostik disimpan di:</translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="155" />
        <source>Send this file to the help desk. It holds no invite and no keys.</source>
        <translation>Kirim berkas ini ke meja bantuan. Berkas ini tidak memuat undangan maupun kunci.</translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="160" />
        <source>Ceremony {app}
Version {version}
Build {build}</source>
        <translation>Ceremony {app}
Versi {version}
Build {build}</translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="170" />
        <source>Diagnostics</source>
        <translation>Diagnostik</translation>
    </message>
</context>
<context>
    <name>JoinPage</name>
    <message>
        <location filename="../venue/window.py" line="85" />
        <source>Join the ceremony</source>
        <translation>Bergabung ke acara</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="86" />
        <source>Paste the invite you received from the studio here</source>
        <translation>Tempel undangan dari studio di sini</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="87" />
        <source>Open invite file…</source>
        <translation>Buka berkas undangan…</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="88" />
        <source>Camera, microphone and speaker…</source>
        <translation>Kamera, mikrofon, dan pengeras suara…</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="89" />
        <source>Join</source>
        <translation>Bergabung</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="92" />
        <source>Invite file</source>
        <translation>Berkas undangan</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="110" />
        <source>This invite cannot be read: it is damaged or was not copied whole. Ask the studio to send it again.</source>
        <translation>Undangan ini tidak dapat dibaca: rusak atau tidak tersalin utuh. Mintalah studio mengirimnya lagi.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="121" />
        <source>Studio: {0}
Venue: {1}
Ceremony: {2}
Studio certificate: {3}…
Valid until: {4}</source>
        <translation>Studio: {0}
Lokasi: {1}
Acara: {2}
Sertifikat studio: {3}…
Berlaku sampai: {4}</translation>
    </message>
</context>
<context>
    <name>LivePage</name>
    <message>
        <location filename="../venue/window.py" line="189" />
        <source>Crew contact name and phone</source>
        <translation>Nama dan nomor telepon kru</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="191" />
        <source>Program full screen on this monitor (F11)</source>
        <translation>Program layar penuh di monitor ini (F11)</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="192" />
        <source>We are ready (Ctrl+R)</source>
        <translation>Kami siap (Ctrl+R)</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="193" />
        <source>Join again</source>
        <translation>Bergabung lagi</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="190" />
        <source>Message to the studio (Enter)</source>
        <translation>Pesan ke studio (Enter)</translation>
    </message>
</context>
<context>
    <name>Multiviewer</name>
    <message>
        <location filename="../console/multiviewer.py" line="144" />
        <source>Page {0} of {1}</source>
        <translation>Halaman {0} dari {1}</translation>
    </message>
    <message>
        <location filename="../console/multiviewer.py" line="145" />
        <source>Previous page (Ctrl+PgUp)</source>
        <translation>Halaman sebelumnya (Ctrl+PgUp)</translation>
    </message>
    <message>
        <location filename="../console/multiviewer.py" line="146" />
        <source>Next page (Ctrl+PgDown)</source>
        <translation>Halaman berikutnya (Ctrl+PgDown)</translation>
    </message>
    <message>
        <location filename="../console/multiviewer.py" line="148" />
        <source>{0} venues: {1} well · {2} with problems · {3} lost · {4} waiting</source>
        <translation>{0} lokasi: {1} baik · {2} bermasalah · {3} terputus · {4} menunggu</translation>
    </message>
</context>
<context>
    <name>ProgramView</name>
    <message>
        <location filename="../venue/program_view.py" line="196" />
        <location filename="../venue/program_view.py" line="219" />
        <source>DIRESMIKAN</source>
        <translation>DIRESMIKAN</translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="240" />
        <source>Thank you</source>
        <translation>Terima kasih</translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="252" />
        <source>The ceremony has ended</source>
        <translation>Acara telah selesai</translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="256" />
        <source>ON AIR</source>
        <translation>SIARAN LANGSUNG</translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="258" />
        <source>PREVIEW</source>
        <translation>SIAGA BERIKUTNYA</translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="259" />
        <source>STANDBY</source>
        <translation>SIAGA</translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="266" />
        <source>Reconnecting to the studio… the picture is not live</source>
        <translation>Menyambung ulang ke studio… gambar tidak langsung</translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="268" />
        <source>Connecting to the studio…</source>
        <translation>Menyambung ke studio…</translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="270" />
        <source>Another computer joined as this venue</source>
        <translation>Komputer lain bergabung sebagai lokasi ini</translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="272" />
        <source>The link to the studio has stopped on this computer</source>
        <translation>Sambungan ke studio di komputer ini berhenti</translation>
    </message>
</context>
<context>
    <name>Question</name>
    <message>
        <location filename="../widgets/question.py" line="20" />
        <source>Yes</source>
        <translation>Ya</translation>
    </message>
    <message>
        <location filename="../widgets/question.py" line="21" />
        <source>No</source>
        <translation>Tidak</translation>
    </message>
    <message>
        <location filename="../widgets/question.py" line="22" />
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <location filename="../widgets/question.py" line="23" />
        <source>Discard</source>
        <translation>Buang</translation>
    </message>
    <message>
        <location filename="../widgets/question.py" line="24" />
        <source>OK</source>
        <translation>OK</translation>
    </message>
</context>
<context>
    <name>RunsheetEditor</name>
    <message>
        <location filename="../console/editor.py" line="120" />
        <source>Run-sheet editor</source>
        <translation>Penyunting susunan acara</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="121" />
        <source>Add</source>
        <translation>Tambah</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="122" />
        <source>Duplicate</source>
        <translation>Gandakan</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="123" />
        <source>Delete</source>
        <translation>Hapus</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="124" />
        <source>Undo</source>
        <translation>Urungkan</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="125" />
        <source>Redo</source>
        <translation>Ulangi</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="126" />
        <source>Open / import…</source>
        <translation>Buka / impor…</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="127" />
        <source>Save</source>
        <translation>Simpan</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="128" />
        <source>Save as / export…</source>
        <translation>Simpan sebagai / ekspor…</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="187" />
        <source>run-sheet</source>
        <translation>susunan acara</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="218" />
        <source>Valid: {0} items</source>
        <translation>Sah: {0} acara</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="242" />
        <source>New item</source>
        <translation>Acara baru</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="295" />
        <source>Could not save {0}: {1}</source>
        <translation>Tidak dapat menyimpan {0}: {1}</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="303" />
        <source>Saved {0}</source>
        <translation>Tersimpan {0}</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="324" />
        <source>Open run-sheet</source>
        <translation>Buka susunan acara</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="331" />
        <source>Save run-sheet</source>
        <translation>Simpan susunan acara</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="343" />
        <source>Unsaved changes</source>
        <translation>Perubahan belum disimpan</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="344" />
        <source>The run-sheet has unsaved changes. Discard them?</source>
        <translation>Susunan acara memiliki perubahan yang belum disimpan. Buang perubahan itu?</translation>
    </message>
</context>
<context>
    <name>VenueWindow</name>
    <message>
        <location filename="../venue/window.py" line="223" />
        <source>Done</source>
        <translation>Selesai</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="233" />
        <source>Venue</source>
        <translation>Lokasi</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="310" />
        <source>Program</source>
        <translation>Program</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="417" />
        <source>us: </source>
        <translation>kami: </translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="368" />
        <source>Another computer joined as this venue; this one has stopped.</source>
        <translation>Komputer lain bergabung sebagai lokasi ini; komputer ini berhenti.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="374" />
        <source>The link to the studio has stopped on this computer: the hall will not hear the siren and the studio does not see this venue. Press Join again.</source>
        <translation>Sambungan ke studio di komputer ini berhenti: sirene tidak akan berbunyi di aula dan studio tidak melihat lokasi ini. Tekan Bergabung lagi.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="381" />
        <location filename="../venue/window.py" line="391" />
        <source>The ceremony has ended</source>
        <translation>Acara telah selesai</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="384" />
        <source>The studio has closed the link: nothing more to do here. Join again only if the studio starts another run.</source>
        <translation>Studio telah menutup sambungan: tidak ada lagi yang perlu dilakukan di sini. Bergabung lagi hanya jika studio memulai putaran berikutnya.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="395" />
        <source>Now: </source>
        <translation>Sekarang: </translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="398" />
        <source>Next: </source>
        <translation>Berikutnya: </translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="402" />
        <source>clock</source>
        <translation>jam</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="412" />
        <source>Trying again in {0} s.</source>
        <translation>Mencoba lagi dalam {0} dtk.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="417" />
        <source>studio: </source>
        <translation>studio: </translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="424" />
        <source>connecting</source>
        <translation>menyambung</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="425" />
        <source>connected</source>
        <translation>tersambung</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="426" />
        <source>reconnecting</source>
        <translation>menyambung ulang</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="427" />
        <source>refused</source>
        <translation>ditolak</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="428" />
        <source>replaced</source>
        <translation>digantikan</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="429" />
        <source>ceremony ended</source>
        <translation>acara selesai</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="430" />
        <source>stopped</source>
        <translation>berhenti</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="438" />
        <source>The studio cannot be reached. Check the network cable or Wi-Fi, and ask the studio whether its app is running.</source>
        <translation>Studio tidak dapat dihubungi. Periksa kabel jaringan atau Wi-Fi, dan tanyakan ke studio apakah aplikasinya berjalan.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="442" />
        <source>The studio did not answer. It may be busy or restarting.</source>
        <translation>Studio tidak menjawab. Mungkin sedang sibuk atau dimulai ulang.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="445" />
        <source>The studio closed the connection while we were joining.</source>
        <translation>Studio menutup sambungan saat kami bergabung.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="448" />
        <source>The studio's answer could not be read. Update the app or call the studio.</source>
        <translation>Jawaban studio tidak dapat dibaca. Perbarui aplikasi atau hubungi studio.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="451" />
        <source>Picture and sound could not be connected: a firewall may be blocking UDP. Call the studio's technician.</source>
        <translation>Gambar dan suara tidak dapat tersambung: firewall mungkin memblokir UDP. Hubungi teknisi studio.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="454" />
        <source>Nothing heard from the studio for a few seconds.</source>
        <translation>Tidak ada kabar dari studio selama beberapa detik.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="456" />
        <source>The studio closed the connection (it may be restarting).</source>
        <translation>Studio menutup sambungan (mungkin sedang dimulai ulang).</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="458" />
        <source>A fault in this app; the log file has the details.</source>
        <translation>Terjadi kesalahan di aplikasi ini; rinciannya ada di berkas log.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="466" />
        <source>The invite is not valid for this studio. Ask the studio for a new invite.</source>
        <translation>Undangan tidak berlaku untuk studio ini. Mintalah undangan baru ke studio.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="469" />
        <source>The invite has expired. Ask the studio for a new invite.</source>
        <translation>Undangan sudah kedaluwarsa. Mintalah undangan baru ke studio.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="472" />
        <source>This invite belongs to another venue. Check you opened your own invite.</source>
        <translation>Undangan ini milik lokasi lain. Pastikan Anda membuka undangan lokasi Anda.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="475" />
        <source>This venue is not in today's run-sheet. Call the studio.</source>
        <translation>Lokasi ini tidak ada dalam susunan acara hari ini. Hubungi studio.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="478" />
        <source>The invite is for another ceremony. Ask the studio for today's invite.</source>
        <translation>Undangan ini untuk acara lain. Mintalah undangan acara hari ini ke studio.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="481" />
        <source>The studio could not read our request. Update the app or call the studio.</source>
        <translation>Studio tidak dapat membaca permintaan kami. Perbarui aplikasi atau hubungi studio.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="484" />
        <source>The computer at that address is not the studio in the invite. Check the address, or ask for a new invite if the studio computer was replaced.</source>
        <translation>Komputer di alamat itu bukan studio dalam undangan. Periksa alamatnya, atau mintalah undangan baru jika komputer studio diganti.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="489" />
        <source>The studio refused to let us join.</source>
        <translation>Studio menolak kami bergabung.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="498" />
        <source>No sound here: this computer's speaker cannot play the program and the siren. Check the speaker and its cable: the app opens it again by itself once it works.</source>
        <translation>Tidak ada suara di sini: pengeras suara komputer ini tidak dapat memutar program dan sirene. Periksa pengeras suara dan kabelnya: aplikasi akan membukanya lagi dengan sendirinya begitu berfungsi.</translation>
    </message>
</context>
<context>
    <name>Words</name>
    <message>
        <location filename="../widgets/words.py" line="20" />
        <source>Invited</source>
        <translation>Diundang</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="22" />
        <source>Connecting</source>
        <translation>Menyambung</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="24" />
        <source>Joined</source>
        <translation>Tersambung</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="26" />
        <source>Lost</source>
        <translation>Terputus</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="27" />
        <source>Refused</source>
        <translation>Ditolak</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="35" />
        <source>armed</source>
        <translation>siap</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="37" />
        <source>missed</source>
        <translation>terlewat</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="39" />
        <source>no clock</source>
        <translation>jam belum sinkron</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="40" />
        <source>aborted</source>
        <translation>dibatalkan</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="41" />
        <source>fired</source>
        <translation>terlaksana</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="49" />
        <source>pressed twice</source>
        <translation>tertekan dua kali</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="50" />
        <source>not running</source>
        <translation>acara belum berjalan</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="51" />
        <source>already ended</source>
        <translation>acara sudah selesai</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="52" />
        <source>nothing to undo</source>
        <translation>tidak ada yang bisa dibatalkan</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="53" />
        <source>no previous item</source>
        <translation>tidak ada acara sebelumnya</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="54" />
        <source>no such item</source>
        <translation>acara tidak ada</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="55" />
        <source>item already done</source>
        <translation>acara sudah lewat</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="56" />
        <source>already so</source>
        <translation>sudah demikian</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="57" />
        <source>unknown venue</source>
        <translation>lokasi tidak dikenal</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="58" />
        <source>invalid value</source>
        <translation>nilai tidak sah</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="59" />
        <source>countdown</source>
        <translation>hitung mundur</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="60" />
        <source>recording</source>
        <translation>rekaman</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="61" />
        <source>another console is in control</source>
        <translation>konsol lain sedang memegang kendali</translation>
    </message>
    <message>
        <location filename="../widgets/words.py" line="64" />
        <source>run-sheet</source>
        <translation>susunan acara</translation>
    </message>
</context>
</TS>