#!/bin/sh
# Install the venue and studio apps from this unpacked folder for the current user (no root):
# desktop entries (the venue app opens ceremony:// invite links) and icons under
# ${XDG_DATA_HOME:-~/.local/share}. Run it again after moving the folder.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
mkdir -p "$data/applications" "$data/icons"
for entry in "$here"/share/applications/*.desktop; do
    sed "s#@APPDIR@#$here/app#g" "$entry" > "$data/applications/$(basename "$entry")"
done
cp -R "$here/share/icons/hicolor" "$data/icons/"
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database "$data/applications"
fi
if command -v xdg-mime >/dev/null 2>&1; then
    xdg-mime default ceremony-venue.desktop x-scheme-handler/ceremony
fi
echo "Installed: $data/applications/ceremony-venue.desktop (opens ceremony:// links) and ceremony-studio.desktop"
rule="$here/share/udev/70-ceremony-cpu-awake.rules"
if [ -f "$rule" ] && [ ! -e /etc/udev/rules.d/70-ceremony-cpu-awake.rules ] \
    && [ ! -e /usr/lib/udev/rules.d/70-ceremony-cpu-awake.rules ]; then
    echo "Optional, needs root once: let the logged-in user keep the CPUs awake just before a"
    echo "countdown's zero (the .deb does this itself):"
    echo "  sudo cp '$rule' /etc/udev/rules.d/ && sudo udevadm control --reload-rules &&"
    echo "  sudo udevadm trigger --action=change --subsystem-match=misc --sysname-match=cpu_dma_latency"
fi
