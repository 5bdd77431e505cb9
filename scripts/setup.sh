#!/bin/sh
# Install what lsm-matrix needs on a Debian machine (run as root). Idempotent
# and quick when everything is already there, so `npm test` and
# `npm run matrix` call it every time.
set -eu
cd "$(dirname "$0")/.."

PACKAGES="qemu-system-x86 qemu-utils mmdebstrap busybox-static cpio e2fsprogs kmod dpkg
  openssh-client xz-utils zstd file gcc libc6-dev libseccomp-dev chromium
  make flex bison bc libelf-dev libssl-dev ccache patch"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# The kernels come from the apt index: it must know Debian's kernel packages.
if [ -n "$missing" ] || ! apt-cache pkgnames linux-image-6.1 2>/dev/null | grep -q .; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: need root to install:$missing (or run apt-get update)" >&2
    exit 2
  fi
  echo "setup: apt-get update; installing:${missing:- (nothing, index only)}" >&2
  apt-get update -q >&2
  # shellcheck disable=SC2086
  [ -z "$missing" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2
fi

if [ ! -d node_modules/@vitest/runner ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi
