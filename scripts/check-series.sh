#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-series: apply patches/base and patches/series, and separately
# patches/mainline, to fresh copies of the files they touch, compare both
# results with the mirror, and run checkpatch --strict on every patch.  No
# kernel build.
. "$(dirname "$0")/common.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pcpu-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

base=$(base_patches)
series=$(series_patches)
mainline=$(mainline_patches)
[ -n "$series" ] || die "patches/series has no patches"
[ -n "$mainline" ] || die "patches/mainline has no patches"
files=$(patch_files $base $series $mainline)
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
git tag upstream
# Apply with the README's own recipes ("Applying the patches to your own
# tree"), /path/to being this repository, so that they cannot drift: the
# lines that name patches/mainline are the mainline path's, the others
# the series'.
recipes=$(sed -n '/^## Applying the patches/,/^## [^A]/p' "$TOP/README.md" |
	sed -n 's|^    \(git am .*\)$|\1|p' | sed "s|/path/to|$TOP|g")
[ -n "$recipes" ] || die "README has no git am recipes under 'Applying the patches'"

# apply_path NAME RECIPE PATCHES...: the recipe on a fresh upstream copy
# applies every patch and leaves every mirror file as the mirror has it.
apply_path() {
	local name=$1 recipe=$2 want f mdiff=0 touched
	shift 2
	want=$#
	git checkout -q -f -B "$name" upstream
	if (set -e; eval "$recipe") >/dev/null 2>&1 &&
	   [ "$(git rev-list --count upstream..HEAD)" = "$want" ]; then
		ok "README's $name recipe applies all $want patches"
	else
		bad "README's $name recipe applies all $want patches ($(git rev-list --count upstream..HEAD) applied)"
		git am --abort >/dev/null 2>&1 || true
	fi
	# Mirror: every file of the mirror, byte for byte, and every file the
	# path adds or changes in the mirror.
	touched=$(git diff --name-only upstream HEAD)
	for f in $touched; do
		[ -f "$TOP/$f" ] || { echo "  $name: missing from the mirror: $f"; mdiff=1; }
	done
	for f in $(cd "$TOP" && git ls-files -- $MIRROR_DIRS); do
		case " $MIRROR_LINKS " in *" $f "*)
			[ -e "$TOP/$f" ] || { echo "  broken link in the mirror: $f"; mdiff=1; }
			continue ;;
		esac
		if [ ! -f "$f" ]; then
			echo "  $name: in the mirror, not in the tree: $f"; mdiff=1
		elif ! cmp -s "$f" "$TOP/$f"; then
			echo "  $name: differs from the mirror: $f"; mdiff=1
		fi
	done
	[ $mdiff = 0 ] && ok "$name path ends in the mirror ($(cd "$TOP" && git ls-files -- $MIRROR_DIRS | wc -l) files)" ||
		bad "$name path ends in the mirror (make export)"
}
apply_path series "$(echo "$recipes" | grep -v patches/mainline)" $base $series
apply_path mainline "$(echo "$recipes" | grep patches/mainline)" $mainline

# The mirror is what the series adds or changes, no more (the series is
# the source of truth).
touched=$(git diff --name-only "series~$(echo $series | wc -w)" series 2>/dev/null || true)
extra=$(cd "$TOP" && git ls-files -- $MIRROR_DIRS | grep -vxF "$(printf '%s\n' $MIRROR_LINKS)" |
	grep -vxF "$touched" || true)
[ -z "$extra" ] && ok "every mirror file is one the series adds or changes" || {
	bad "every mirror file is one the series adds or changes"
	echo "$extra" | quote 20
}

# the exported cover letters say what their sources say
for c in series/0000-cover-letter.patch:cover-letter.txt \
	 mainline/0000-cover-letter.patch:mainline-cover-letter.txt; do
	if python3 - "$TOP/patches" "${c%%:*}" "${c#*:}" <<'PY'
import sys
text = open(sys.argv[1] + '/' + sys.argv[3]).read()
body = text.split('\n\n', 1)[1].strip()
sys.exit(body not in open(sys.argv[1] + '/' + sys.argv[2]).read())
PY
	then
		ok "patches/${c%%:*} is patches/${c#*:}"
	else
		bad "patches/${c%%:*} is patches/${c#*:} (make export)"
	fi
done

for p in $base $series $mainline; do
	# Debian's python3 first: spdxcheck.py needs its python3-ply and python3-git.
	# The scratch tree has no kernel history, so the commit ids of Fixes:
	# tags (taken from the published history) are unknown to it.
	out=$(PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict --quiet --no-summary \
		--ignore UNKNOWN_COMMIT_ID "$p" 2>&1) || true
	if [ -z "$out" ]; then
		ok "checkpatch --strict: ${p#"$TOP"/}"
	else
		bad "checkpatch --strict: ${p#"$TOP"/}"
		echo "$out" | quote 40
	fi
done
summary check-series
