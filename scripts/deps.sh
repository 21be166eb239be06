#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the tooling needs (as root); quick when present.
. "$(dirname "$0")/common.sh"

pkgs="linux-source-6.12 qemu-system-x86 gcc make flex bison bc libelf-dev
      libssl-dev ccache cpio python3 python3-ply python3-git git perl xz-utils
      kmod rsync gnuplot-nox busybox-static socat"
missing=$(for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
[ -n "$missing" ] || exit 0
log "installing: $(echo $missing)"
[ "$(id -u)" = 0 ] || die "need root to apt-get install: $(echo $missing)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
