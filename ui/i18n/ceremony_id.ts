<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="id_ID">
<context>
    <name>ConsoleWindow</name>
    <message>
        <location filename="../console/window.py" line="88"/>
        <source>Engine failed: </source>
        <translation>Mesin gagal: </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="288"/>
        <source>Studio console</source>
        <translation>Konsol studio</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="293"/>
        <source>Planned</source>
        <translation>Rencana</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="294"/>
        <source>Item</source>
        <translation>Acara</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="295"/>
        <source>Speaker</source>
        <translation>Pembicara</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="296"/>
        <source>From</source>
        <translation>Dari</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="297"/>
        <source>Length</source>
        <translation>Durasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="298"/>
        <source>Actual</source>
        <translation>Aktual</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="299"/>
        <source>Over/under</source>
        <translation>Lebih/kurang</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="304"/>
        <source>Venue</source>
        <translation>Lokasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="305"/>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="306"/>
        <source>RTT ms</source>
        <translation>RTT ms</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="307"/>
        <source>Video fps</source>
        <translation>Video fps</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="308"/>
        <source>Return fps</source>
        <translation>Program fps</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="309"/>
        <source>Latency ms</source>
        <translation>Latensi ms</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="310"/>
        <location filename="../console/window.py" line="485"/>
        <source>Ready</source>
        <translation>Siap</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="311"/>
        <location filename="../console/window.py" line="333"/>
        <source>Countdown</source>
        <translation>Hitung mundur</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="314"/>
        <source>GO  (Space)</source>
        <translation>LANJUT  (Spasi)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="315"/>
        <location filename="../console/window.py" line="488"/>
        <source>HOLD (H)</source>
        <translation>TAHAN (H)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="316"/>
        <source>BACK (B)</source>
        <translation>KEMBALI (B)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="317"/>
        <source>SKIP next (S)</source>
        <translation>LEWATI berikut (S)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="318"/>
        <source>Undo GO (Ctrl+Z)</source>
        <translation>Batalkan LANJUT (Ctrl+Z)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="319"/>
        <source>+30 s</source>
        <translation>+30 dtk</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="320"/>
        <source>−30 s</source>
        <translation>−30 dtk</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="321"/>
        <source>Jump to selected</source>
        <translation>Lompat ke pilihan</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="322"/>
        <source>TAKE venue</source>
        <translation>TAYANGKAN lokasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="323"/>
        <source>Lead time</source>
        <translation>Waktu tunggu</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="324"/>
        <source>ARM countdown</source>
        <translation>SIAPKAN hitung mundur</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="325"/>
        <source>ABORT</source>
        <translation>BATALKAN</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="326"/>
        <source>Send cue</source>
        <translation>Kirim aba-aba</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="327"/>
        <source>Chat</source>
        <translation>Obrolan</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="328"/>
        <source>Cue or message for the crews</source>
        <translation>Aba-aba atau pesan untuk kru</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="330"/>
        <source>All venues</source>
        <translation>Semua lokasi</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="334"/>
        <source>Messages</source>
        <translation>Pesan</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="335"/>
        <source>Log</source>
        <translation>Catatan</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="336"/>
        <source>Language</source>
        <translation>Bahasa</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="365"/>
        <source>Studio</source>
        <translation>Studio</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="384"/>
        <source>Preview: </source>
        <translation>Pratinjau: </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="388"/>
        <source>Click a venue tile first, then TAKE.</source>
        <translation>Klik kotak lokasi dahulu, lalu TAYANGKAN.</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="404"/>
        <source>Cannot arm: </source>
        <translation>Tidak dapat disiapkan: </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="423"/>
        <source>Choose one venue to chat with.</source>
        <translation>Pilih satu lokasi untuk diajak mengobrol.</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="435"/>
        <source>Now </source>
        <translation>Sekarang </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="435"/>
        <source>Projected end </source>
        <translation>Perkiraan selesai </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="482"/>
        <source>HOLD · </source>
        <translation>DITAHAN · </translation>
    </message>
    <message>
        <location filename="../console/window.py" line="485"/>
        <source>Ended</source>
        <translation>Selesai</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="488"/>
        <source>RESUME (H)</source>
        <translation>LANJUTKAN (H)</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="498"/>
        <source>yes</source>
        <translation>ya</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="513"/>
        <source>clock ±{0:.0f} ms</source>
        <translation>jam ±{0:.0f} ms</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="539"/>
        <source>T−{0:.1f} s · {1}/{2} venues armed</source>
        <translation>T−{0:.1f} dtk · {1}/{2} lokasi siap</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="542"/>
        <source>Zero passed</source>
        <translation>Nol terlewati</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="549"/>
        <source>MANUAL OVERRIDE</source>
        <translation>KENDALI MANUAL</translation>
    </message>
    <message>
        <location filename="../console/window.py" line="558"/>
        <source>Refused: </source>
        <translation>Ditolak: </translation>
    </message>
</context>
<context>
    <name>JoinPage</name>
    <message>
        <location filename="../venue/window.py" line="66"/>
        <source>Join the ceremony</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="67"/>
        <source>Paste the invite you received from the studio here</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="68"/>
        <source>Open invite file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="69"/>
        <source>Join</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="72"/>
        <source>Invite file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="94"/>
        <source>Studio: {0}
Venue: {1}
Ceremony: {2}
Studio certificate: {3}…
Valid until: {4}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LivePage</name>
    <message>
        <location filename="../venue/window.py" line="148"/>
        <source>Crew contact name and phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="149"/>
        <source>We are ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="150"/>
        <source>Message to the studio (Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="151"/>
        <source>Program full screen on this monitor</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProgramView</name>
    <message>
        <location filename="../venue/program_view.py" line="139"/>
        <source>DIRESMIKAN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="156"/>
        <source>Reconnecting to the studio… the picture is not live</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="158"/>
        <source>Connecting to the studio…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../venue/program_view.py" line="160"/>
        <source>Another computer joined as this venue</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>VenueWindow</name>
    <message>
        <location filename="../venue/window.py" line="189"/>
        <source>Venue</source>
        <translation type="unfinished">Lokasi</translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="224"/>
        <source>Program</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="240"/>
        <source>us: </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="272"/>
        <source>Another computer joined as this venue; this one has stopped.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="279"/>
        <source>Now: </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../venue/window.py" line="282"/>
        <source>Next: </source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
