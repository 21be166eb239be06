#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-series: apply patches/base and patches/series to a fresh copy of
# the files they touch, compare the result with the mirror, and run
# checkpatch --strict on every patch.  No kernel build.
. "$(dirname "$0")/common.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pcpu-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

base=$(base_patches)
series=$(series_patches)
[ -n "$series" ] || die "patches/series has no patches"
files=$(patch_files $base $series)
deps="scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch
      scripts/spdxcheck.py scripts/spdxexclude LICENSES
      COPYING CREDITS Kbuild MAINTAINERS Makefile README"

# A fresh upstream copy of just those files: from build/linux's objects when
# they are there, else from the package's tarball.
src=$tmp/linux
mkdir -p "$src"
if git -C "$LINUX" rev-parse -q --verify upstream >/dev/null 2>&1; then
	have=$(git -C "$LINUX" ls-tree -r --name-only upstream -- $files $deps)
	git -C "$LINUX" archive upstream -- $have | tar -x -C "$src"
else
	[ -f "$TARBALL" ] || die "$TARBALL missing: apt-get install $PKG"
	tar -xJf "$TARBALL" -C "$src" --strip-components=1 \
		$(printf "$PKG/%s\n" $files $deps) 2>/dev/null || true
fi
# checkpatch only checks that these exist to recognise a kernel tree
(cd "$src" && mkdir -p Documentation arch include drivers fs init ipc kernel lib scripts)

cd "$src"
git init -q -b check
git add -A -f .
git commit -q -m upstream
# Apply with the README's own recipe ("Applying the series to your own
# tree"), /path/to being this repository, so that it cannot drift.
recipe=$(sed -n '/^## Applying the series/,/^## [^A]/p' "$TOP/README.md" |
	sed -n 's|^    \(git am .*\)$|\1|p' | sed "s|/path/to|$TOP|g")
[ -n "$recipe" ] || die "README has no git am recipe under 'Applying the series'"
want=$(echo $base $series | wc -w)
if (set -e; eval "$recipe") >/dev/null 2>&1 &&
   [ "$(git rev-list --count HEAD)" = $((want + 1)) ]; then
	ok "README's recipe applies all $want patches"
else
	bad "README's recipe applies all $want patches ($(($(git rev-list --count HEAD) - 1)) applied)"
	git am --abort >/dev/null 2>&1 || true
fi

# Mirror: every file the series adds or changes, byte for byte, and no
# file in the mirror that the series does not touch.
touched=$(git diff --name-only "HEAD~$(echo $series | wc -w)" HEAD 2>/dev/null || true)
mdiff=0
for f in $touched; do
	if [ ! -f "$TOP/$f" ]; then
		echo "  missing from the mirror: $f"; mdiff=1
	elif ! cmp -s "$f" "$TOP/$f"; then
		echo "  differs from the series: $f"; mdiff=1
	fi
done
for f in $(cd "$TOP" && git ls-files -- $MIRROR_DIRS); do
	case " $MIRROR_LINKS " in *" $f "*)
		[ -e "$TOP/$f" ] || { echo "  broken link in the mirror: $f"; mdiff=1; }
		continue ;;
	esac
	echo "$touched" | grep -qxF "$f" || { echo "  in the mirror, not in the series: $f"; mdiff=1; }
done
[ $mdiff = 0 ] && ok "mirror matches the series ($(echo $touched | wc -w) files)" ||
	bad "mirror matches the series (make export)"

# the exported cover letter says what patches/cover-letter.txt says
if python3 - "$TOP/patches" <<'PY'
import sys
text = open(sys.argv[1] + '/cover-letter.txt').read()
body = text.split('\n\n', 1)[1].strip()
sys.exit(body not in open(sys.argv[1] + '/series/0000-cover-letter.patch').read())
PY
then
	ok "the cover letter is patches/cover-letter.txt"
else
	bad "the cover letter is patches/cover-letter.txt (make export)"
fi

for p in $base $series; do
	# Debian's python3 first: spdxcheck.py needs its python3-ply and python3-git
	out=$(PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict --quiet --no-summary \
		"$p" 2>&1) || true
	if [ -z "$out" ]; then
		ok "checkpatch --strict: ${p#"$TOP"/}"
	else
		bad "checkpatch --strict: ${p#"$TOP"/}"
		echo "$out" | quote 40
	fi
done
summary check-series
