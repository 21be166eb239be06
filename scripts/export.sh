#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make export: build/linux -> patches/base, patches/series,
# patches/mainline and the mirror.
. "$(dirname "$0")/common.sh"

[ -d "$LINUX/.git" ] || die "no build/linux: run make tree first"
cd "$LINUX"
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	die "build/linux has uncommitted changes: commit them first"
git rev-parse -q --verify series >/dev/null || die "no branch series in build/linux"
git rev-parse -q --verify mainline >/dev/null || die "no branch mainline in build/linux"
# Both paths end in the same files.
git diff --quiet series mainline ||
	die "branches series and mainline end in different trees: $(git diff --name-only series mainline | xargs)"

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
# format-patch takes the description of the range's branch: no checkout
git config branch.series.description "$(cat "$TOP/patches/cover-letter.txt")"
fp --cover-letter --cover-from-description=subject \
	-o "$TOP/patches/series" base..series
date=$(git log -1 --format=%aD series)
sed -i "s/^Date: .*/Date: $date/" "$TOP/patches/series/0000-cover-letter.patch"

# The mainline path, against upstream itself; its cover letter is
# patches/mainline-cover-letter.txt, with git's base-commit: line.
rm -f "$TOP"/patches/mainline/*.patch
m=$(git rev-list --count upstream..mainline)
git config branch.mainline.description "$(cat "$TOP/patches/mainline-cover-letter.txt")"
fp --cover-letter --cover-from-description=subject --base=upstream \
	-o "$TOP/patches/mainline" upstream..mainline
date=$(git log -1 --format=%aD mainline)
sed -i "s/^Date: .*/Date: $date/" "$TOP/patches/mainline/0000-cover-letter.patch"

# The mirror: the final version of every file the series adds or changes.
(cd "$TOP" && git ls-files -z -- $MIRROR_DIRS |
	grep -zvxF "$(printf '%s\n' $MIRROR_LINKS)" | xargs -0 rm -f)
for f in $(git diff --name-only base series); do
	mkdir -p "$TOP/$(dirname "$f")"
	git show "series:$f" > "$TOP/$f"
done
make_test_branches
echo "$(patches_stamp) $(git rev-parse series) $(git rev-parse mainline)" > "$LINUX/.git/pcpu-stamp"
log "exported $(ls "$TOP"/patches/base/*.patch 2>/dev/null | wc -l) base, $n series and $m mainline patches"
