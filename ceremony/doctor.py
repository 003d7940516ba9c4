"""What `ceremony doctor` found at a venue, and what to tell the crew and the hall's IT.

Pure: the network checks (media/netcheck.py) fill in a `Findings`; this module turns it into a
verdict and Indonesian sentences, the language of the crews and the halls' IT departments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Check(StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"  # could not be tried (an earlier check failed, or nothing to try)


@dataclass
class Findings:
    studio: str  # host:port tried first
    signaling: Check = Check.SKIPPED  # TCP + TLS to the studio's signaling port
    certificate: Check = Check.SKIPPED  # the studio's certificate is the invite's
    invite: Check = Check.SKIPPED  # the studio accepts this invite
    invite_detail: str = ""
    turn_server: str = ""  # host:port of the studio's TURN server ("" none offered)
    udp: Check = Check.SKIPPED  # a STUN answer over UDP from the TURN server
    turn_udp: Check = Check.SKIPPED  # a TURN allocation over UDP
    turn_tcp: Check = Check.SKIPPED  # a TURN allocation over TCP (or TLS)
    notes: list[str] = field(default_factory=list)

    def verdict(self) -> str:
        """ "ready" (direct media likely), "relay" (only through TURN), "untested" (the studio
        is reachable but offers no TURN server to test UDP against), "blocked"."""
        if self.signaling is not Check.OK or self.invite is not Check.OK:
            return "blocked"
        if not self.turn_server:
            return "untested"
        if self.udp is Check.OK:
            return "ready"
        if Check.OK in (self.turn_udp, self.turn_tcp):
            return "relay"
        return "blocked"


def report_lines(f: Findings) -> list[str]:
    """The doctor's report, one line per check, then what to do, in Indonesian."""
    mark = {Check.OK: "[OK]   ", Check.FAILED: "[GAGAL]", Check.SKIPPED: "[-]    "}
    host = f.studio.rpartition(":")[0] or f.studio
    port = f.studio.rpartition(":")[2]
    lines = [
        f"{mark[f.signaling]} Server studio {f.studio} dapat dijangkau (TCP {port})",
        f"{mark[f.certificate]} Sertifikat studio cocok dengan undangan",
        f"{mark[f.invite]} Undangan diterima studio"
        + (f": {f.invite_detail}" if f.invite_detail else ""),
    ]
    if f.turn_server:
        turn_port = f.turn_server.rpartition(":")[2]
        lines += [
            f"{mark[f.udp]} UDP keluar (ke server relay {f.turn_server})",
            f"{mark[f.turn_udp]} Relay TURN lewat UDP {turn_port}",
            f"{mark[f.turn_tcp]} Relay TURN lewat TCP {turn_port}",
        ]
    else:
        lines.append("[-]     Studio tidak menyediakan server relay (TURN)")
    lines += [f"        {note}" for note in f.notes]
    lines.append("")
    verdict = f.verdict()
    if verdict == "ready":
        lines.append("Hasil: SIAP. Jaringan ini dapat tersambung langsung ke studio.")
    elif verdict == "relay":
        lines.append(
            "Hasil: BISA, lewat relay. Video akan lewat server relay (sedikit lebih lambat); "
            "lebih baik minta IT membuka UDP keluar."
        )
    elif verdict == "untested":
        lines.append(
            "Hasil: studio dapat dijangkau; UDP tidak dapat diuji karena studio tidak "
            "menyediakan relay. Jika video tidak muncul saat uji coba, minta IT membuka UDP keluar."
        )
    else:
        lines.append("Hasil: BELUM BISA tersambung dari jaringan ini.")
    ask = it_requests(f, host, port)
    if ask:
        lines.append("Mohon sampaikan ke bagian IT gedung:")
        lines += [f"  - {item}" for item in ask]
    if f.certificate is Check.FAILED:
        lines.append(
            "Server di alamat itu bukan studio dalam undangan: periksa alamatnya, atau minta "
            "undangan baru jika komputer studio dipasang ulang."
        )
    if f.invite is Check.FAILED and f.signaling is Check.OK and f.certificate is Check.OK:
        lines.append("Minta undangan baru ke studio.")
    return lines


def it_requests(f: Findings, host: str, port: str) -> list[str]:
    """What the hall's IT must open (outbound only; nothing inbound is ever needed)."""
    ask = []
    if f.signaling is Check.FAILED:
        ask.append(f"izinkan koneksi keluar TCP ke {host} port {port} (server studio)")
    if f.turn_server:
        turn_host, _, turn_port = f.turn_server.rpartition(":")
        if f.udp is not Check.OK:
            ask.append(
                "izinkan UDP keluar ke alamat mana pun (untuk video langsung), atau minimal "
                f"UDP ke {turn_host} port {turn_port}"
            )
        if f.turn_udp is not Check.OK and f.turn_tcp is not Check.OK:
            ask.append(f"izinkan koneksi keluar TCP ke {turn_host} port {turn_port} (relay)")
    if ask:
        ask.append("tidak perlu membuka port masuk (inbound)")
    return ask


__all__ = ["Check", "Findings", "it_requests", "report_lines"]
