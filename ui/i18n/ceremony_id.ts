<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>ConsoleWindow</name>
    <message>
        <location filename="../console/window.py" line="109" />
        <source>Engine failed: </source>
        <translation>Mesin gagal: </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="355" />
        <source>Studio console</source>
        <translation>Konsol studio</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="360" />
        <source>Planned</source>
        <translation>Rencana</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="361" />
        <source>Item</source>
        <translation>Acara</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="362" />
        <source>Speaker</source>
        <translation>Pembicara</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="363" />
        <source>From</source>
        <translation>Dari</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="364" />
        <source>Length</source>
        <translation>Durasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="365" />
        <source>Actual</source>
        <translation>Aktual</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="366" />
        <source>Over/under</source>
        <translation>Lebih/kurang</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="371" />
        <source>Venue</source>
        <translation>Lokasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="372" />
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="373" />
        <source>RTT ms</source>
        <translation>RTT ms</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="375" />
        <source>Video fps</source>
        <translation>Video fps</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="376" />
        <source>Return fps</source>
        <translation>Program fps</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="377" />
        <source>Latency ms</source>
        <translation>Latensi ms</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="378" />
        <location filename="../console/window.py" line="641" />
        <source>Ready</source>
        <translation>Siap</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="379" />
        <location filename="../console/window.py" line="408" />
        <source>Countdown</source>
        <translation>Hitung mundur</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="386" />
        <source>Packet loss in: the venue's camera reaching the studio; out: the program reaching the venue</source>
        <translation>Paket hilang masuk: kamera lokasi ke studio; keluar: program ke lokasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="389" />
        <source>GO  (Space)</source>
        <translation>LANJUT  (Spasi)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="390" />
        <location filename="../console/window.py" line="644" />
        <source>HOLD (H)</source>
        <translation>TAHAN (H)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="391" />
        <source>BACK (B)</source>
        <translation>KEMBALI (B)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="392" />
        <source>SKIP next (S)</source>
        <translation>LEWATI berikut (S)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="393" />
        <source>Undo GO (Ctrl+Z)</source>
        <translation>Batalkan LANJUT (Ctrl+Z)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="394" />
        <source>+30 s</source>
        <translation>+30 dtk</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="395" />
        <source>−30 s</source>
        <translation>−30 dtk</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="396" />
        <source>Jump to selected</source>
        <translation>Lompat ke pilihan</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="397" />
        <source>TAKE venue</source>
        <translation>TAYANGKAN lokasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="398" />
        <source>Lead time</source>
        <translation>Waktu tunggu</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="399" />
        <source>ARM countdown</source>
        <translation>SIAPKAN hitung mundur</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="400" />
        <source>ABORT</source>
        <translation>BATALKAN</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="401" />
        <source>Send cue</source>
        <translation>Kirim aba-aba</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="402" />
        <source>Chat</source>
        <translation>Obrolan</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="403" />
        <source>Cue or message for the crews</source>
        <translation>Aba-aba atau pesan untuk kru</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="405" />
        <source>All venues</source>
        <translation>Semua lokasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="409" />
        <source>Messages</source>
        <translation>Pesan</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="410" />
        <source>Log</source>
        <translation>Catatan</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="411" />
        <source>Protocol</source>
        <translation>Protokol</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="412" />
        <source>Start recording</source>
        <translation>Mulai merekam</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="413" />
        <source>Stop recording</source>
        <translation>Hentikan rekaman</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="414" />
        <source>Marker</source>
        <translation>Penanda</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="415" />
        <source>Note for the record (Enter)</source>
        <translation>Catatan untuk risalah (Enter)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="416" />
        <source>Language</source>
        <translation>Bahasa</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="417" />
        <source>Run-sheet</source>
        <translation>Susunan acara</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="418" />
        <source>Edit…</source>
        <translation>Sunting…</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="443" />
        <source>Saved, not used now: </source>
        <translation>Tersimpan, belum dipakai sekarang: </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="492" />
        <source>Studio</source>
        <translation>Studio</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="511" />
        <source>Preview: </source>
        <translation>Pratinjau: </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="515" />
        <source>Click a venue tile first, then TAKE.</source>
        <translation>Klik kotak lokasi dahulu, lalu TAYANGKAN.</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="528" />
        <source>Cannot arm: </source>
        <translation>Tidak dapat disiapkan: </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="534" />
        <source>marker</source>
        <translation>penanda</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="548" />
        <source>Not recording.</source>
        <translation>Tidak merekam.</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="560" />
        <source>RECORDING STOPPED: </source>
        <translation>REKAMAN BERHENTI: </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="576" />
        <source>Choose one venue to chat with.</source>
        <translation>Pilih satu lokasi untuk diajak mengobrol.</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="588" />
        <source>Now </source>
        <translation>Sekarang </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="588" />
        <source>Projected end </source>
        <translation>Perkiraan selesai </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="638" />
        <source>HOLD · </source>
        <translation>DITAHAN · </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="641" />
        <source>Ended</source>
        <translation>Selesai</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="644" />
        <source>RESUME (H)</source>
        <translation>LANJUTKAN (H)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="652" />
        <source>{0:.0f} s ago</source>
        <translation>{0:.0f} dtk lalu</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="656" />
        <source>no sound</source>
        <translation>tanpa suara</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="662" />
        <source>yes</source>
        <translation>ya</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="680" />
        <source>clock ±{0:.0f} ms</source>
        <translation>jam ±{0:.0f} ms</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="682" />
        <source>no sound at the venue</source>
        <translation>tanpa suara di lokasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="702" />
        <location filename="../console/window.py" line="707" />
        <source>PREVIEW</source>
        <translation>PRATINJAU</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="734" />
        <source>T−{0:.1f} s · {1}/{2} venues armed</source>
        <translation>T−{0:.1f} dtk · {1}/{2} lokasi siap</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="737" />
        <source>Zero passed</source>
        <translation>Nol terlewati</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="607" />
        <source>MANUAL OVERRIDE</source>
        <translation>KENDALI MANUAL</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="374" />
        <source>Loss %</source>
        <translation>Hilang %</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="550" />
        <source>Recording {0}: {1} s, {2} MB ({5} kbit/s), {3} venue files; {4} min of disk left</source>
        <translation>Merekam {0}: {1} dtk, {2} MB ({5} kbit/dtk), {3} berkas lokasi; sisa disk {4} menit</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="764" />
        <source>Refused: </source>
        <translation>Ditolak: </translation>
    </message>
</context>
<context>
    <name>DevicesPage</name>
    <message>
        <location filename="../venue/devices.py" line="76" />
        <source>Camera</source>
        <translation>Kamera</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="77" />
        <source>Microphone</source>
        <translation>Mikrofon</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="78" />
        <source>Speaker (siren and program)</source>
        <translation>Pengeras suara (sirene dan program)</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="79" />
        <source>Play a test tone</source>
        <translation>Putar nada uji</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="89" />
        <source>Test pattern (no camera)</source>
        <translation>Pola uji (tanpa kamera)</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="93" />
        <source>No camera found: a test pattern will be sent.</source>
        <translation>Kamera tidak ditemukan: pola uji yang akan dikirim.</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="94" />
        <source>Synthetic voice (no microphone)</source>
        <translation>Suara sintetis (tanpa mikrofon)</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="95" />
        <source>System default</source>
        <translation>Bawaan sistem</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="108" />
        <source>No microphone found: a synthetic voice will be sent.</source>
        <translation>Mikrofon tidak ditemukan: suara sintetis yang akan dikirim.</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="112" />
        <source>No speaker found: the program's sound and the siren will not be heard here.</source>
        <translation>Pengeras suara tidak ditemukan: suara program dan sirene tidak akan terdengar di sini.</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="123" />
        <source>The device chosen last time is not here: {0}</source>
        <translation>Perangkat yang dipilih sebelumnya tidak ada: {0}</translation>
    </message>
    <message>
        <location filename="../venue/devices.py" line="201" />
        <source>No sound: {0}</source>
        <translation>Tidak ada suara: {0}</translation>
    </message>
</context>
<context>
    <name>HelpMenu</name>
    <message>
        <location filename="../widgets/help_menu.py" line="0" />
        <source>Help</source>
        <translation>Bantuan</translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="0" />
        <source>Save diagnostics…</source>
        <translation>Simpan diagnostik…</translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="0" />
        <source>About</source>
        <translation>Tentang</translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="0" />
        <source>Save diagnostics</source>
        <translation>Simpan diagnostik</translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="0" />
        <source>Could not save the diagnostics: </source>
        <translation>Diagnostik tidak dapat disimpan: </translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="0" />
        <source>Diagnostics saved to:</source>
        <translation>Diagnostik disimpan di:</translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="0" />
        <source>Send this file to the help desk. It holds no invite and no keys.</source>
        <translation>Kirim berkas ini ke meja bantuan. Berkas ini tidak memuat undangan maupun kunci.</translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="0" />
        <source>Ceremony {app}
Version {version}
Build {build}</source>
        <translation>Ceremony {app}
Versi {version}
Build {build}</translation>
    </message>
    <message>
        <location filename="../widgets/help_menu.py" line="0" />
        <source>Diagnostics</source>
        <translation>Diagnostik</translation>
    </message>
</context>
<context>
    <name>JoinPage</name>
    <message>
        <location filename="../venue/window.py" line="77" />
        <source>Join the ceremony</source>
        <translation>Bergabung ke acara</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="78" />
        <source>Paste the invite you received from the studio here</source>
        <translation>Tempel undangan dari studio di sini</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="79" />
        <source>Open invite file…</source>
        <translation>Buka berkas undangan…</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="80" />
        <source>Camera, microphone and speaker…</source>
        <translation>Kamera, mikrofon, dan pengeras suara…</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="81" />
        <source>Join</source>
        <translation>Bergabung</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="84" />
        <source>Invite file</source>
        <translation>Berkas undangan</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="106" />
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
        <location filename="../venue/window.py" line="164" />
        <source>Crew contact name and phone</source>
        <translation>Nama dan nomor telepon kru</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="166" />
        <source>Program full screen on this monitor (F11)</source>
        <translation>Program layar penuh di monitor ini (F11)</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="167" />
        <source>We are ready (Ctrl+R)</source>
        <translation>Kami siap (Ctrl+R)</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="165" />
        <source>Message to the studio (Enter)</source>
        <translation>Pesan ke studio (Enter)</translation>
    </message>
</context>
<context>
    <name>ProgramView</name>
    <message>
        <location filename="../venue/program_view.py" line="133" />
        <source>DIRESMIKAN</source>
        <translation>DIRESMIKAN</translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="150" />
        <source>ON AIR</source>
        <translation>SIARAN LANGSUNG</translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="152" />
        <source>PREVIEW</source>
        <translation>SIAGA BERIKUTNYA</translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="153" />
        <source>STANDBY</source>
        <translation>SIAGA</translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="158" />
        <source>Reconnecting to the studio… the picture is not live</source>
        <translation>Menyambung ulang ke studio… gambar tidak langsung</translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="160" />
        <source>Connecting to the studio…</source>
        <translation>Menyambung ke studio…</translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="162" />
        <source>Another computer joined as this venue</source>
        <translation>Komputer lain bergabung sebagai lokasi ini</translation>
    </message>
</context>
<context>
    <name>RunsheetEditor</name>
    <message>
        <location filename="../console/editor.py" line="118" />
        <source>Run-sheet editor</source>
        <translation>Penyunting susunan acara</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="119" />
        <source>Add</source>
        <translation>Tambah</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="120" />
        <source>Duplicate</source>
        <translation>Gandakan</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="121" />
        <source>Delete</source>
        <translation>Hapus</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="122" />
        <source>Undo</source>
        <translation>Urungkan</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="123" />
        <source>Redo</source>
        <translation>Ulangi</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="124" />
        <source>Open / import…</source>
        <translation>Buka / impor…</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="125" />
        <source>Save</source>
        <translation>Simpan</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="126" />
        <source>Save as / export…</source>
        <translation>Simpan sebagai / ekspor…</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="185" />
        <source>run-sheet</source>
        <translation>susunan acara</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="216" />
        <source>Valid: {0} items</source>
        <translation>Sah: {0} acara</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="240" />
        <source>New item</source>
        <translation>Acara baru</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="294" />
        <source>Could not save {0}: {1}</source>
        <translation>Tidak dapat menyimpan {0}: {1}</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="299" />
        <source>Saved {0}</source>
        <translation>Tersimpan {0}</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="320" />
        <source>Open run-sheet</source>
        <translation>Buka susunan acara</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="327" />
        <source>Save run-sheet</source>
        <translation>Simpan susunan acara</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="339" />
        <source>Unsaved changes</source>
        <translation>Perubahan belum disimpan</translation>
    </message>
    <message>
        <location filename="../console/editor.py" line="340" />
        <source>The run-sheet has unsaved changes. Discard them?</source>
        <translation>Susunan acara memiliki perubahan yang belum disimpan. Buang perubahan itu?</translation>
    </message>
</context>
<context>
    <name>VenueWindow</name>
    <message>
        <location filename="../venue/window.py" line="196" />
        <source>Done</source>
        <translation>Selesai</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="205" />
        <source>Venue</source>
        <translation>Lokasi</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="260" />
        <source>Program</source>
        <translation>Program</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="333" />
        <source>us: </source>
        <translation>kami: </translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="309" />
        <source>Another computer joined as this venue; this one has stopped.</source>
        <translation>Komputer lain bergabung sebagai lokasi ini; komputer ini berhenti.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="316" />
        <source>Now: </source>
        <translation>Sekarang: </translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="319" />
        <source>Next: </source>
        <translation>Berikutnya: </translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="322" />
        <source>clock</source>
        <translation>jam</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="333" />
        <source>studio: </source>
        <translation>studio: </translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="340" />
        <source>connecting</source>
        <translation>menyambung</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="341" />
        <source>connected</source>
        <translation>tersambung</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="342" />
        <source>reconnecting</source>
        <translation>menyambung ulang</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="343" />
        <source>refused</source>
        <translation>ditolak</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="344" />
        <source>replaced</source>
        <translation>digantikan</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="345" />
        <source>stopped</source>
        <translation>berhenti</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="353" />
        <source>The invite is not valid for this studio. Ask the studio for a new invite.</source>
        <translation>Undangan tidak berlaku untuk studio ini. Mintalah undangan baru ke studio.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="355" />
        <source>The invite has expired. Ask the studio for a new invite.</source>
        <translation>Undangan sudah kedaluwarsa. Mintalah undangan baru ke studio.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="357" />
        <source>This invite belongs to another venue. Check you opened your own invite.</source>
        <translation>Undangan ini milik lokasi lain. Pastikan Anda membuka undangan lokasi Anda.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="359" />
        <source>This venue is not in today's run-sheet. Call the studio.</source>
        <translation>Lokasi ini tidak ada dalam susunan acara hari ini. Hubungi studio.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="361" />
        <source>The invite is for another ceremony. Ask the studio for today's invite.</source>
        <translation>Undangan ini untuk acara lain. Mintalah undangan acara hari ini ke studio.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="364" />
        <source>The studio could not read our request. Update the app or call the studio.</source>
        <translation>Studio tidak dapat membaca permintaan kami. Perbarui aplikasi atau hubungi studio.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="367" />
        <source>The computer at that address is not the studio in the invite. Check the address, or ask for a new invite if the studio computer was replaced.</source>
        <translation>Komputer di alamat itu bukan studio dalam undangan. Periksa alamatnya, atau mintalah undangan baru jika komputer studio diganti.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="371" />
        <source>The studio refused to let us join.</source>
        <translation>Studio menolak kami bergabung.</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="377" />
        <source>No sound here: </source>
        <translation>Tidak ada suara di sini: </translation>
    </message>
</context>
</TS>