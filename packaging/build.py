"""`make package`: freeze the apps with PyInstaller and make the Linux artifacts.

    python packaging/build.py [--out dist] [--skip-freeze]

Writes into OUT:
  ceremony-<version>-linux-<arch>.tar.gz   the one-folder app + desktop entries, icons and
                                           install-user.sh (no root needed)
  ceremony_<version>_<debarch>.deb         /opt/ceremony, /usr/bin links, desktop entries with
                                           the ceremony:// handler, hicolor icons, AppStream,
                                           the udev rule for /dev/cpu_dma_latency
  ceremony/                                the frozen folder itself (what the smoke test runs)

The .deb is assembled in a staging tree and built with Debian's own dpkg-deb. Windows and macOS
use the same spec on their own runners (packaging/windows, packaging/macos, .github/workflows).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
GENERATED = ROOT / "build" / "packaging"
WORK = ROOT / "build" / "pyinstaller"
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# The udev rule that lets the logged-in crew keep the CPUs awake before zero (media/cpu_awake.py).
CPU_AWAKE_RULE = "70-ceremony-cpu-awake.rules"
DEB_DEPENDS = (
    # What the frozen folder takes from the system rather than bundling (PyInstaller leaves out
    # the graphics stack and libc), plus PortAudio, which sounddevice loads at run time.
    "libc6 (>= 2.36)",
    "libportaudio2",
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libxcb-cursor0",
    "libdbus-1-3",
)


def version() -> str:
    return metadata.version("ceremony")


def build_id() -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short=10", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", ""
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    return f"{commit}{'+changes' if dirty else ''} {stamp} {sys.platform}-{platform.machine()}"


def generate() -> None:
    """The files the spec picks up: BUILD (shown by About) and the icons."""
    GENERATED.mkdir(parents=True, exist_ok=True)
    (GENERATED / "BUILD").write_text(build_id() + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, str(PACKAGING / "icons" / "make_icons.py"), str(GENERATED / "icons")],
        check=True,
    )


def freeze(out: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(out),
            "--workpath",
            str(WORK),
            str(PACKAGING / "ceremony.spec"),
        ],
        check=True,
        cwd=ROOT,
    )
    return out / "ceremony"


def desktop_entries(target: Path, exec_dir: str) -> list[Path]:
    """The two .desktop files with Exec pointing into `exec_dir`."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ("ceremony-venue.desktop", "ceremony-studio.desktop"):
        text = (PACKAGING / "linux" / name).read_text(encoding="utf-8")
        path = target / name
        path.write_text(text.replace("@BINDIR@", exec_dir), encoding="utf-8")
        written.append(path)
    return written


def hicolor(target: Path) -> None:
    for size in HICOLOR_SIZES:
        folder = target / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(GENERATED / "icons" / f"ceremony-{size}.png", folder / "ceremony.png")
    scalable = target / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    shutil.copy(PACKAGING / "icons" / "ceremony.svg", scalable / "ceremony.svg")


def make_tarball(app: Path, out: Path, ver: str) -> Path:
    name = f"ceremony-{ver}"
    stage = WORK / "tar" / name
    shutil.rmtree(stage.parent, ignore_errors=True)
    stage.mkdir(parents=True)
    shutil.copytree(app, stage / "app", symlinks=True)
    desktop_entries(stage / "share" / "applications", "@APPDIR@")
    hicolor(stage / "share" / "icons" / "hicolor")
    shutil.copy(PACKAGING / "linux" / "install-user.sh", stage / "install-user.sh")
    (stage / "share" / "udev").mkdir(parents=True)
    shutil.copy(PACKAGING / "linux" / CPU_AWAKE_RULE, stage / "share" / "udev" / CPU_AWAKE_RULE)
    (stage / "install-user.sh").chmod(0o755)
    tarball = out / f"{name}-linux-{platform.machine()}.tar.gz"
    with tarfile.open(tarball, "w:gz", compresslevel=6) as tar:
        tar.add(stage, arcname=name)
    return tarball


def deb_arch() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()


def installed_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def make_deb(app: Path, out: Path, ver: str) -> Path:
    root = WORK / "deb" / "root"
    shutil.rmtree(root.parent, ignore_errors=True)
    opt = root / "opt" / "ceremony"
    shutil.copytree(app, opt, symlinks=True)
    bindir = root / "usr" / "bin"
    bindir.mkdir(parents=True)
    for exe in ("ceremony", "ceremony-venue", "ceremony-studio"):
        (bindir / exe).symlink_to(f"/opt/ceremony/{exe}")
    share = root / "usr" / "share"
    desktop_entries(share / "applications", "/opt/ceremony")
    hicolor(share / "icons" / "hicolor")
    metainfo = share / "metainfo"
    metainfo.mkdir(parents=True)
    meta_text = (PACKAGING / "linux" / "id.ceremony.venue.metainfo.xml").read_text("utf-8")
    meta_text = meta_text.replace("@VERSION@", ver).replace("@DATE@", time.strftime("%Y-%m-%d"))
    (metainfo / "id.ceremony.venue.metainfo.xml").write_text(meta_text, encoding="utf-8")
    doc = share / "doc" / "ceremony"
    doc.mkdir(parents=True)
    shutil.copy(PACKAGING / "linux" / "copyright", doc / "copyright")
    rules = root / "usr" / "lib" / "udev" / "rules.d"
    rules.mkdir(parents=True)
    shutil.copy(PACKAGING / "linux" / CPU_AWAKE_RULE, rules / CPU_AWAKE_RULE)
    control_dir = root / "DEBIAN"
    control_dir.mkdir()
    for script in ("postinst", "postrm"):  # apply the udev rule now, forget it on removal
        shutil.copy(PACKAGING / "linux" / script, control_dir / script)
        (control_dir / script).chmod(0o755)
    arch = deb_arch()
    control = (PACKAGING / "linux" / "control").read_text(encoding="utf-8")
    control = (
        control.replace("@VERSION@", ver)
        .replace("@ARCH@", arch)
        .replace("@DEPENDS@", ", ".join(DEB_DEPENDS))
        .replace("@SIZE@", str(installed_bytes(root) // 1024))
    )
    (control_dir / "control").write_text(control, encoding="utf-8")
    deb = out / f"ceremony_{ver}_{arch}.deb"
    # gzip: xz (even at level 1) took over three minutes on two shared cores for ~0.5 GB.
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", str(root), str(deb)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return deb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument(
        "--skip-freeze", action="store_true", help="reuse OUT/ceremony (installers only)"
    )
    parser.add_argument(
        "--freeze-only",
        action="store_true",
        help="only the frozen folder (Windows and macOS runners: their installers come after)",
    )
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    ver = version()
    started = time.monotonic()
    generate()
    app = out / "ceremony" if args.skip_freeze else freeze(out)
    frozen_s = time.monotonic() - started
    if args.freeze_only:
        print(f"frozen app: {app} ({frozen_s:.0f} s)")
        return 0
    tarball = make_tarball(app, out, ver)
    deb = make_deb(app, out, ver)
    size_mb = installed_bytes(app) / 1e6
    print(f"frozen app: {app} ({size_mb:.0f} MB, {frozen_s:.0f} s)")
    print(f"tarball:    {tarball} ({tarball.stat().st_size / 1e6:.0f} MB)")
    print(f"deb:        {deb} ({deb.stat().st_size / 1e6:.0f} MB)")
    print(f"total {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    os.umask(0o022)  # installed files readable by every user whatever the builder's umask
    sys.exit(main())
