"""The doctor's verdict and what it tells the hall's IT, from the findings alone."""

from __future__ import annotations

from ceremony.doctor import Check, Findings, report_lines

OK, FAILED = Check.OK, Check.FAILED


def reached(**checks: Check) -> Findings:
    f = Findings(studio="studio.example:8443", turn_server="turn.example:3478")
    f.signaling = f.certificate = f.invite = OK
    for name, value in checks.items():
        setattr(f, name, value)
    return f


def test_open_network_is_ready_and_asks_nothing() -> None:
    f = reached(udp=OK, turn_udp=OK, turn_tcp=OK)
    assert f.verdict() == "ready"
    text = "\n".join(report_lines(f))
    assert "SIAP" in text and "bagian IT" not in text


def test_udp_blocked_but_turn_tcp_works_is_relay_and_asks_for_udp() -> None:
    f = reached(udp=FAILED, turn_udp=FAILED, turn_tcp=OK)
    assert f.verdict() == "relay"
    text = "\n".join(report_lines(f))
    assert "lewat relay" in text
    assert "UDP keluar" in text and "turn.example port 3478" in text
    assert "TCP ke turn.example" not in text  # TCP works: not asked for


def test_nothing_works_asks_for_the_studio_port_and_the_relay() -> None:
    f = Findings(studio="studio.example:8443", signaling=FAILED)
    assert f.verdict() == "blocked"
    text = "\n".join(report_lines(f))
    assert "BELUM BISA" in text
    assert "TCP ke studio.example port 8443" in text
    assert "inbound" in text


def test_a_refused_invite_blocks_and_says_to_ask_for_a_new_one() -> None:
    f = reached(invite=FAILED)
    f.invite_detail = "the invite has expired"
    assert f.verdict() == "blocked"
    assert "Minta undangan baru ke studio." in report_lines(f)


def test_a_wrong_certificate_is_named() -> None:
    f = Findings(studio="s:8443", signaling=OK, certificate=FAILED)
    assert f.verdict() == "blocked"
    assert any("bukan studio dalam undangan" in line for line in report_lines(f))


def test_without_a_relay_udp_is_untested_not_blocked() -> None:
    f = reached()
    f.turn_server = ""
    assert f.verdict() == "untested"
