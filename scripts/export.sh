#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make export: build/linux -> patches/base, patches/series and the mirror.
. "$(dirname "$0")/common.sh"

[ -d "$LINUX/.git" ] || die "no build/linux: run make tree first"
cd "$LINUX"
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	die "build/linux has uncommitted changes: commit them first"
git rev-parse -q --verify series >/dev/null || die "no branch series in build/linux"

fp() {
	git format-patch -q --no-signature --zero-commit --numbered "$@"
}

rm -f "$TOP"/patches/base/*.patch
if [ "$(git rev-list --count upstream..base)" -gt 0 ]; then
	fp -o "$TOP/patches/base" upstream..base
fi

# The cover letter is written in patches/cover-letter.txt (first paragraph
# is the subject); git adds the shortlog and diffstat.  Its date is the
# tip's author date, so re-exporting unchanged work changes nothing.
rm -f "$TOP"/patches/series/*.patch
n=$(git rev-list --count base..series)
git checkout -q series
git config branch.series.description "$(cat "$TOP/patches/cover-letter.txt")"
fp --cover-letter --cover-from-description=subject \
	-o "$TOP/patches/series" base..series
date=$(git log -1 --format=%aD series)
sed -i "s/^Date: .*/Date: $date/" "$TOP/patches/series/0000-cover-letter.patch"

# The mirror: the final version of every file the series adds or changes.
(cd "$TOP" && git ls-files -z -- $MIRROR_DIRS |
	grep -zvxF "$(printf '%s\n' $MIRROR_LINKS)" | xargs -0 rm -f)
for f in $(git diff --name-only base series); do
	mkdir -p "$TOP/$(dirname "$f")"
	git show "series:$f" > "$TOP/$f"
done
make_test_branches
echo "$(patches_stamp) $(git rev-parse series)" > "$LINUX/.git/pcpu-stamp"
log "exported $(ls "$TOP"/patches/base/*.patch 2>/dev/null | wc -l) base and $n series patches"
