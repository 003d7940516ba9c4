"""A test network made of real kernel parts: network namespaces, veth pairs, nft NAT and
filtering, tc htb shaping. Tests and `ceremony bench network` build one, run the studio and the
venues inside it with `ip netns exec`, and tear it down again.

    public side  (198.18.0.0/24, one Ethernet segment: a bridge in namespace <p>-wan)
      ├── <p>-st     the studio LAN: the studio (and coturn) on 198.18.0.1
      ├── <p>-r0     NAT router of venue LAN 0: wan 198.18.0.10, lan 10.1.0.1, nft masquerade
      │     └── <p>-l0   venue LAN 0: 10.1.0.2, default route via the router
      └── <p>-r1 …

Each venue LAN can drop all outbound UDP (a firewall that lets only TCP out), shape what the
venues download (tc htb on the router's LAN side) or lose a share of the packets both ways (nft
`numgen random`). Delay and asymmetry are not here: netem does not exist on this machine, so they
stay in the in-process shim (media/netsim.py).

Nothing leaves the namespaces: the root namespace gets no interface and no route, and the
addresses are benchmark (198.18/15) and private ranges that exist only inside the lab. Needs root.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import logging
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from launcher.processes import stop_process

log = logging.getLogger(__name__)

PUBLIC_NET = "198.18.0"
STUDIO_IP = f"{PUBLIC_NET}.1"
NEEDED_TOOLS = ("ip", "nft", "tc")
TURN_PORT = 3478
# A shaped link's queue holds this much time at its rate (a bfifo under the htb class), as an
# access link's buffer does; the veth's default 1,000 packets would be ~6 s at 1.5 Mbit/s, so a
# link carrying too much would mostly delay, not lose, and its venue would never see the loss
# that tells the studio to move it down.
SHAPED_QUEUE_S = 0.15
CLONE_NEWNET = 0x40000000
# Several people (or sessions) building labs on one machine each set their own, so no two labs'
# namespace names can ever be the same.
PREFIX_ENV = "CEREMONY_NETLAB_PREFIX"


class NetLabError(RuntimeError):
    """A namespace, link or rule could not be made; the message has the failing command."""


@dataclass(frozen=True)
class LanSpec:
    """One venue LAN behind its own NAT router."""

    name: str
    udp_blocked: bool = False  # the router's firewall drops every outbound UDP packet
    down_kbit: int | None = None  # what the venues can download, kbit/s (tc htb)
    loss_pct: int = 0  # packets lost at random, each way (nft numgen)


@dataclass(frozen=True)
class Lan:
    spec: LanSpec
    namespace: str  # the venues run here
    router: str
    address: str  # the venues' address on the LAN
    public_ip: str  # the router's address on the public side (what the studio sees)
    subnet: str  # "10.K.0": the router is .1, the venues start at .2


def lab_prefix(default: str) -> str:
    """A fresh namespace prefix: $CEREMONY_NETLAB_PREFIX (else `default`) and random hex."""
    return f"{os.environ.get(PREFIX_ENV) or default}{secrets.token_hex(3)}"


def unavailable() -> str | None:
    """Why a lab cannot be built here (None: it can)."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    missing = [tool for tool in NEEDED_TOOLS if shutil.which(tool) is None]
    if missing:
        return f"missing tools: {', '.join(missing)} (Debian: iproute2, nftables)"
    probe = f"{lab_prefix('c')}-probe"
    made = subprocess.run(
        ["ip", "netns", "add", probe], check=False, capture_output=True, text=True
    )
    if made.returncode != 0:
        return f"cannot create a network namespace: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], check=False, capture_output=True)
    return None


@dataclass
class NetLab:
    """Build with `create()` (or `with NetLab(...) as lab:`); `close()` removes everything."""

    lans_wanted: Sequence[LanSpec]
    prefix: str = field(default_factory=lambda: lab_prefix("c"))
    lans: dict[str, Lan] = field(default_factory=dict)
    _namespaces: list[str] = field(default_factory=list)

    @property
    def studio_ns(self) -> str:
        return f"{self.prefix}-st"

    @property
    def studio_ip(self) -> str:
        return STUDIO_IP

    def __enter__(self) -> NetLab:
        self.create()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def create(self) -> None:
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Delete every namespace this lab made (their links and rules go with them)."""
        for ns in reversed(self._namespaces):
            done = subprocess.run(
                ["ip", "netns", "del", ns], check=False, capture_output=True, text=True
            )
            if done.returncode != 0:
                log.warning("could not delete namespace %s: %s", ns, done.stderr.strip())
        self._namespaces.clear()

    def exec_argv(self, namespace: str, argv: Sequence[str]) -> list[str]:
        """The command line that runs `argv` inside `namespace`."""
        return ["ip", "netns", "exec", namespace, *argv]

    @contextlib.contextmanager
    def inside(self, namespace: str) -> Iterator[None]:
        """Run the calling thread inside `namespace` for the block: sockets it makes (and
        threads it starts) are there. Lets a benchmark or test run the studio engine in its own
        process and event loop, and read it directly, while its network is the lab's."""
        own = os.open(f"/proc/self/task/{threading.get_native_id()}/ns/net", os.O_RDONLY)
        target = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
        try:
            _setns(target)
            try:
                yield
            finally:
                _setns(own)
        finally:
            os.close(target)
            os.close(own)

    def renumber(self, name: str, host: int) -> str:
        """Give LAN `name` another address (`subnet.host`) in place of its current one, as a
        hotspot reconnecting or a DHCP renumbering does; returns the new address. The old
        address, and the default route with it, go first: sockets bound to it are dead."""
        lan = self.lans[name]
        new = f"{lan.subnet}.{host}"
        self._run("ip", "-n", lan.namespace, "addr", "flush", "dev", "eth0")
        self._run("ip", "-n", lan.namespace, "addr", "add", f"{new}/24", "dev", "eth0")
        self._run("ip", "-n", lan.namespace, "route", "add", "default", "via", f"{lan.subnet}.1")
        self.lans[name] = dataclasses.replace(lan, address=new)
        return new

    # ---- building ----------------------------------------------------------------------

    def _run(self, *argv: str, stdin: str | None = None) -> None:
        done = subprocess.run(list(argv), input=stdin, check=False, capture_output=True, text=True)
        if done.returncode != 0:
            raise NetLabError(f"{' '.join(argv)}: {done.stderr.strip()}")

    def _netns(self, name: str) -> str:
        ns = f"{self.prefix}-{name}"
        self._run("ip", "netns", "add", ns)
        self._namespaces.append(ns)
        self._run("ip", "-n", ns, "link", "set", "lo", "up")
        return ns

    def _veth(self, ns_a: str, name_a: str, ns_b: str, name_b: str) -> None:
        # Made directly inside the two namespaces: no name ever exists in the root namespace.
        self._run(
            "ip", "link", "add", name_a, "netns", ns_a, "type", "veth",
            "peer", "name", name_b, "netns", ns_b,
        )  # fmt: skip

    def _up(self, ns: str, dev: str, address: str | None = None) -> None:
        if address is not None:
            self._run("ip", "-n", ns, "addr", "add", address, "dev", dev)
        self._run("ip", "-n", ns, "link", "set", dev, "up")

    def _build(self) -> None:
        wan = self._netns("wan")
        self._run("ip", "-n", wan, "link", "add", "br0", "type", "bridge")
        self._up(wan, "br0")
        studio = self._netns("st")
        self._veth(studio, "eth0", wan, "p-st")
        self._up(studio, "eth0", f"{STUDIO_IP}/24")
        self._run("ip", "-n", wan, "link", "set", "p-st", "master", "br0")
        self._up(wan, "p-st")
        for i, spec in enumerate(self.lans_wanted):
            self.lans[spec.name] = self._lan(wan, i, spec)

    def _lan(self, wan: str, i: int, spec: LanSpec) -> Lan:
        router = self._netns(f"r{i}")
        lan = self._netns(f"l{i}")
        public_ip = f"{PUBLIC_NET}.{10 + i}"
        self._veth(router, "wan", wan, f"p-r{i}")
        self._up(router, "wan", f"{public_ip}/24")
        self._run("ip", "-n", wan, "link", "set", f"p-r{i}", "master", "br0")
        self._up(wan, f"p-r{i}")
        self._veth(router, "lan", lan, "eth0")
        self._up(router, "lan", f"10.{i + 1}.0.1/24")
        self._up(lan, "eth0", f"10.{i + 1}.0.2/24")
        self._run("ip", "-n", lan, "route", "add", "default", "via", f"10.{i + 1}.0.1")
        self._run("ip", "netns", "exec", router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
        self._run("ip", "netns", "exec", router, "nft", "-f", "-", stdin=router_rules(spec))
        if spec.down_kbit is not None:
            # htb with only a default class shapes everything leaving the router towards the
            # LAN, i.e. the venues' download; no classifier is needed (none exist here).
            tc = ("ip", "netns", "exec", router, "tc")
            self._run(
                *tc, "qdisc", "add", "dev", "lan", "root", "handle", "1:", "htb", "default", "10"
            )
            rate = f"{spec.down_kbit}kbit"
            self._run(
                *tc, "class", "add", "dev", "lan", "parent", "1:", "classid", "1:10",
                "htb", "rate", rate, "ceil", rate,
            )  # fmt: skip
            queue_bytes = max(3000, int(spec.down_kbit * 1000 / 8 * SHAPED_QUEUE_S))
            self._run(
                *tc, "qdisc", "add", "dev", "lan", "parent", "1:10", "handle", "10:",
                "bfifo", "limit", str(queue_bytes),
            )  # fmt: skip
        return Lan(spec, lan, router, f"10.{i + 1}.0.2", public_ip, f"10.{i + 1}.0")


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise NetLabError(f"setns: {os.strerror(ctypes.get_errno())}")


@dataclass
class TurnProcess:
    """coturn, running in the studio's namespace with REST (use-auth-secret) credentials."""

    proc: subprocess.Popen[bytes]
    url: str
    secret: bytes

    def stop(self) -> None:
        stop_process(self.proc)


def start_turn(lab: NetLab, folder: Path, timeout_s: float = 10.0) -> TurnProcess:
    """Start coturn on the studio's public address (UDP and TCP on TURN_PORT, no TLS here) and
    wait until it accepts TCP. The secret goes in a 0600 config file, not on the command line."""
    if shutil.which("turnserver") is None:
        raise NetLabError("turnserver not found (Debian: apt-get install coturn)")
    folder.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(16).encode()
    conf = folder / "turnserver.conf"
    fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(
            f"listening-ip={lab.studio_ip}\nrelay-ip={lab.studio_ip}\n"
            f"listening-port={TURN_PORT}\nrealm=ceremony\nuse-auth-secret\n"
            f"static-auth-secret={secret.decode()}\nno-tls\nno-dtls\nno-cli\n"
            "fingerprint\nno-multicast-peers\nsimple-log\n"
            f"log-file={folder / 'turnserver.log'}\npidfile={folder / 'turnserver.pid'}\n"
            "min-port=49152\nmax-port=65535\n"
        )
    log_file = open(folder / "turnserver.out", "wb")  # noqa: SIM115 - owned by the child
    proc = subprocess.Popen(
        lab.exec_argv(lab.studio_ns, ["turnserver", "-c", str(conf), "-n"]),
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    log_file.close()
    turn = TurnProcess(proc, f"turn:{lab.studio_ip}:{TURN_PORT}", secret)
    deadline = time.monotonic() + timeout_s
    with lab.inside(lab.studio_ns):
        while True:
            try:
                socket.create_connection((lab.studio_ip, TURN_PORT), timeout=0.5).close()
                return turn
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    turn.stop()
                    raise NetLabError(f"coturn did not start; see {folder}") from None
                time.sleep(0.05)  # polling a port that has no readiness signal


def router_rules(spec: LanSpec) -> str:
    """The NAT router's nft ruleset: masquerade out of `wan`, plus the LAN's firewall/loss."""
    forward = []
    if spec.udp_blocked:
        forward.append('iifname "lan" meta l4proto udp drop')
    if spec.loss_pct:
        forward.append(f"numgen random mod 100 < {int(spec.loss_pct)} drop")
    rules = "\n".join(f"    {rule}" for rule in forward)
    return (
        "table inet lab {\n"
        "  chain nat_out {\n"
        "    type nat hook postrouting priority srcnat; policy accept;\n"
        '    oifname "wan" masquerade\n'
        "  }\n"
        "  chain filter_forward {\n"
        "    type filter hook forward priority filter; policy accept;\n"
        f"{rules}\n"
        "  }\n"
        "}\n"
    )


__all__ = [
    "Lan",
    "LanSpec",
    "NetLab",
    "NetLabError",
    "TurnProcess",
    "lab_prefix",
    "router_rules",
    "start_turn",
    "unavailable",
]
