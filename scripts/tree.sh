#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make tree: build/linux as a git repo with tags upstream and base and the
# branches series (base + patches/series) and mainline (upstream +
# patches/mainline).  Idempotent; keeps unexported work in build/linux unless
# FORCE=1.
. "$(dirname "$0")/common.sh"

[ -f "$TARBALL" ] || die "$TARBALL missing: apt-get install $PKG"

stamp=$(patches_stamp)
stampfile=$LINUX/.git/pcpu-stamp

if [ -d "$LINUX/.git" ] && git -C "$LINUX" rev-parse -q --verify upstream >/dev/null; then
	if [ -f "$stampfile" ] && [ "$(cut -d' ' -f1 "$stampfile")" = "$stamp" ]; then
		log "build/linux is up to date with patches/"
		exit 0
	fi
	# patches/ changed: rebuild base, series and mainline, unless series
	# or mainline holds work that was never exported.
	if [ -f "$stampfile" ] && [ "${FORCE:-0}" != 1 ]; then
		field=2
		for b in series mainline; do
			made=$(cut -d' ' -f$field "$stampfile")
			now=$(git -C "$LINUX" rev-parse -q --verify $b || true)
			if [ -n "$now" ] && [ -n "$made" ] && [ "$now" != "$made" ]; then
				die "build/linux branch $b has commits not in patches/ (make export first, or FORCE=1 make tree)"
			fi
			field=3
		done
	fi
else
	log "importing $PKG $(pkg_version) into build/linux"
	rm -rf "$LINUX"
	mkdir -p "$LINUX"
	tar -C "$LINUX" --strip-components=1 -xJf "$TARBALL"
	cd "$LINUX"
	git init -q -b upstream-import
	git config core.autocrlf false
	git config gc.auto 0
	git config user.name "$GIT_AUTHOR_NAME"
	git config user.email "$GIT_AUTHOR_EMAIL"
	git add -A -f .
	GIT_AUTHOR_DATE='2024-11-17 00:00:00 +0000' \
	GIT_COMMITTER_DATE='2024-11-17 00:00:00 +0000' \
		git commit -q -m "Linux $(sed -n 's/^SUBLEVEL = //p' Makefile | sed 's/^/6.12./') from Debian $PKG $(pkg_version)"
	git tag -f upstream >/dev/null
fi

cd "$LINUX"
git reset -q --hard
git checkout -q --detach upstream
log "applying patches/base"
git_am $(base_patches)
git tag -f base >/dev/null
log "applying patches/series"
git_am $(series_patches)
git checkout -q -B series
git checkout -q --detach upstream
log "applying patches/mainline"
git_am $(mainline_patches)
git branch -f mainline >/dev/null
git checkout -q series

make_test_branches
echo "$stamp $(git rev-parse series) $(git rev-parse mainline)" > "$stampfile"
log "build/linux: upstream $(git rev-parse --short upstream), base $(git rev-parse --short base), series $(git rev-parse --short series) ($(git rev-list --count base..series) patches), mainline $(git rev-parse --short mainline) ($(git rev-list --count upstream..mainline) patches)"
