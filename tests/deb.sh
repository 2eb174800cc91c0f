#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the Debian packages (debian/) and check them: "make deb".
#
#   tests/deb.sh            build if anything changed, check, print TAP lines
#   DEB_FORCE=1 tests/deb.sh   build even if nothing changed
#
# The files git tracks, as they are in the work tree (uncommitted changes
# included, as in a module build; untracked files are not), are copied to
# build/deb/ib-srpt-<version>/ and "dpkg-buildpackage -us -uc -b" runs
# there: build/deb/ then holds ib-srpt-dkms_<v>_all.deb,
# ib-srpt-tools_<v>_<arch>.deb (and its -dbgsym), the .changes and the
# .buildinfo.  Then:
#   - the DKMS package holds exactly the files "make dkms-install" copies
#     (scripts/install.sh: dkms.conf Kbuild Kconfig Makefile *.c *.h) in
#     /usr/src/ib_srpt-<version>/, byte for byte, and its maintainer scripts
#     run dkms for ib_srpt/<version>;
#   - the tools package holds srpi, srpt-stat, srpt-persist-port in
#     /usr/sbin and their manual pages; srpi was compiled with both the
#     dpkg-buildflags and tools/Makefile's own flags;
#   - the manual pages render without a warning, lexgrog parses their NAME,
#     and they mention every option the tools' --help prints;
#   - lintian on the .changes: any E: or W: line fails (they are printed);
#     I: and overridden (O:) tags are printed as comments.
# The version in debian/changelog must be that of the module (ib_srpt.h,
# dkms.conf).  Nothing is rebuilt when the copied files are the same as for
# the last successful build (build/deb/.stamp): the checks run again on the
# packages already there.
#
# Needs dpkg-dev, debhelper, dh-dkms, lintian, libibverbs-dev,
# librdmacm-dev (tests/install-deps.sh).
{
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$top/build/deb
fail=0

ok() { echo "ok - deb: $*"; }
not_ok() { echo "not ok - deb: $*"; fail=1; }
tap() { local st=$1; shift; if [ "$st" = 0 ]; then ok "$@"; else not_ok "$@"; fi; }
indent() { sed 's/^/#   /'; }

for c in dpkg-buildpackage dpkg-parsechangelog dh lintian lexgrog man; do
	command -v "$c" >/dev/null && continue
	not_ok "$c is missing (tests/install-deps.sh installs dpkg-dev, debhelper, dh-dkms, lintian, man-db)"
	exit 1
done

# --- versions -------------------------------------------------------------------
if ! V=$("$top/scripts/install.sh" version 2>&1); then
	not_ok "module version: $V"
	exit 1
fi
DV=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version 2>&1)
[ "${DV%-*}" = "$V" ]
tap $? "debian/changelog version $DV is the module's $V (ib_srpt.h, dkms.conf)" || exit 1
ARCH=$(dpkg --print-architecture)
SRC=$out/ib-srpt-$V
DKMS_DEB=$out/ib-srpt-dkms_${DV}_all.deb
TOOLS_DEB=$out/ib-srpt-tools_${DV}_$ARCH.deb
CHANGES=$out/ib-srpt_${DV}_$ARCH.changes

# --- the files, and whether they changed ----------------------------------------------
files=()
while IFS= read -r -d '' f; do
	# tracked but deleted in the work tree: not part of it
	[ -e "$top/$f" ] || [ -L "$top/$f" ] && files+=("$f")
done < <(git -C "$top" ls-files -z)
[ ${#files[@]} -gt 0 ] || { not_ok "git ls-files lists nothing in $top"; exit 1; }
stamp=$(cd "$top" && printf '%s\0' "${files[@]}" | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)

mkdir -p "$out"
if [ "${DEB_FORCE:-0}" != 1 ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ] &&
	[ -r "$DKMS_DEB" ] && [ -r "$TOOLS_DEB" ] && [ -r "$CHANGES" ] && [ -d "$SRC" ]; then
	ok "packages up to date: built from the same ${#files[@]} files (DEB_FORCE=1 to rebuild)"
else
	rm -f "$out/.stamp" "$out"/*.deb "$out"/*.ddeb "$out"/*.changes "$out"/*.buildinfo
	rm -rf "$SRC"
	mkdir -p "$SRC"
	(cd "$top" && printf '%s\0' "${files[@]}" | tar --null -T - -cf -) | tar -C "$SRC" -xf -
	tap $? "copied the ${#files[@]} tracked files of the work tree to ${SRC#"$top"/}" || exit 1
	t0=$SECONDS
	(cd "$SRC" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1
	st=$?
	if [ "$st" = 0 ]; then
		ok "dpkg-buildpackage -us -uc -b ($((SECONDS - t0))s, log ${out#"$top"/}/build.log)"
	else
		tail -n 30 "$out/build.log" | indent
		not_ok "dpkg-buildpackage -us -uc -b exited $st (log ${out#"$top"/}/build.log)"
		exit 1
	fi
fi
for f in "$DKMS_DEB" "$TOOLS_DEB" "$CHANGES"; do
	[ -r "$f" ] || not_ok "${f#"$top"/} was not made"
done
[ "$fail" = 0 ] || exit 1

# --- ib-srpt-dkms -------------------------------------------------------------------
x=$(mktemp -d "$out/.x.XXXXXX")
trap 'rm -rf "$x"' EXIT
if ! { dpkg-deb -x "$DKMS_DEB" "$x/dkms" && dpkg-deb -e "$DKMS_DEB" "$x/dkms-ctl" &&
	dpkg-deb -x "$TOOLS_DEB" "$x/tools"; }; then
	not_ok "dpkg-deb cannot unpack the packages"
	exit 1
fi
usr_src=usr/src/ib_srpt-$V
# What scripts/install.sh dkms-install copies: dkms.conf Kbuild Kconfig
# Makefile *.c *.h (of the tracked files; ib_srpt.mod.c is generated).
want=$(printf '%s\n' "${files[@]}" | grep -E '^(dkms\.conf|Kbuild|Kconfig|Makefile|[^/]+\.[ch])$' |
	grep -v '\.mod\.c$' | sort)
have=$(cd "$x/dkms/$usr_src" 2>/dev/null && find . -type f -printf '%P\n' | sort)
if [ -n "$have" ] && [ "$have" = "$want" ]; then
	ok "ib-srpt-dkms: /$usr_src holds the $(wc -l <<<"$want") files of make dkms-install"
else
	diff <(echo "$want") <(echo "$have") | indent
	not_ok "ib-srpt-dkms: /$usr_src does not hold the files of make dkms-install (< missing, > extra)"
fi
differ=''
for f in $want; do
	cmp -s "$SRC/$f" "$x/dkms/$usr_src/$f" || differ+=" $f"
done
[ -n "$have" ] && [ -z "$differ" ]
tap $? "ib-srpt-dkms: its sources are the work tree's${differ:+ (differ:$differ)}"
others=$(cd "$x/dkms" && find . -type f ! -path "./$usr_src/*" ! -path './usr/share/doc/ib-srpt-dkms/*' \
	! -path ./usr/share/lintian/overrides/ib-srpt-dkms -printf '/%P\n')
[ -z "$others" ]
tap $? "ib-srpt-dkms: nothing outside /$usr_src but docs and lintian overrides${others:+: $others}"
dep=$(dpkg-deb -f "$DKMS_DEB" Depends)
[[ ,$dep, == *[\ ,]dkms[\ ,\(]* ]]
tap $? "ib-srpt-dkms depends on dkms ($dep)"
# dh_dkms's scripts: postinst runs dkms's common.postinst (add, build and
# install for the running and the newest kernel), prerm "dkms remove --all".
scripts_ok=1
for s in postinst prerm; do
	grep -qx "DKMS_NAME=ib_srpt" "$x/dkms-ctl/$s" 2>/dev/null &&
		grep -qx "DKMS_VERSION=$V" "$x/dkms-ctl/$s" || scripts_ok=0
done
# shellcheck disable=SC2016 # the literal text of the prerm
grep -q 'common.postinst' "$x/dkms-ctl/postinst" 2>/dev/null &&
	grep -q 'dkms remove -m $DKMS_NAME -v $DKMS_VERSION --all' "$x/dkms-ctl/prerm" 2>/dev/null || scripts_ok=0
[ "$scripts_ok" = 1 ]
tap $? "ib-srpt-dkms: postinst (dkms add/build/install) and prerm (dkms remove --all) for ib_srpt/$V"

# --- ib-srpt-tools ----------------------------------------------------------------
tools=(srpi srpt-stat srpt-persist-port)
missing=''
for t in "${tools[@]}"; do
	[ -x "$x/tools/usr/sbin/$t" ] || missing+=" /usr/sbin/$t"
	[ -r "$x/tools/usr/share/man/man8/$t.8.gz" ] || missing+=" $t.8.gz"
done
[ -z "$missing" ]
tap $? "ib-srpt-tools: ${tools[*]} in /usr/sbin, their pages in /usr/share/man/man8${missing:+ (missing:$missing)}"
file -b "$x/tools/usr/sbin/srpi" 2>/dev/null | grep -q '^ELF.*executable'
tap $? "ib-srpt-tools: /usr/sbin/srpi is an ELF executable ($(file -b "$x/tools/usr/sbin/srpi" 2>/dev/null | cut -d, -f1-2))"
# The compiler line of srpi: dpkg-buildflags came through the environment
# (hardening, file-prefix-map), tools/Makefile's flags were kept.
cc=$(grep -E '(^| )-o srpi srpi\.c' "$out/build.log" | tail -n 1)
missing=''
for fl in -std=gnu11 -Werror -I.. -fstack-protector-strong -ffile-prefix-map= -D_FORTIFY_SOURCE= -Wl,-z,relro -Wl,-z,now; do
	[[ " $cc" == *" $fl"* ]] || missing+=" $fl"
done
[ -n "$cc" ] && [ -z "$missing" ]
tap $? "srpi compiled with the dpkg-buildflags and tools/Makefile's flags${missing:+ (missing:$missing)}" ||
	echo "${cc:-(no compiler line for srpi in build.log)}" | indent

# --- manual pages -----------------------------------------------------------------
# help_opts TOOL: the long options its --help prints.
help_opts() {
	case $1 in
	srpi) "$SRC/tools/srpi" --help 2>&1 ;;
	srpt-stat) python3 "$top/tools/srpt-stat" --help 2>&1 ;;
	srpt-persist-port) bash "$top/tools/srpt-persist-port" --help 2>&1 ;;
	esac | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}
for t in "${tools[@]}"; do
	page=$top/tools/man/$t.8
	warn=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
	name=$(lexgrog "$page" 2>&1)
	text=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -E ascii -l "$page" 2>/dev/null)
	undoc=''
	nopt=0
	for o in $(help_opts "$t"); do
		nopt=$((nopt + 1))
		grep -qE -- "$o([^a-z0-9-]|\$)" <<<"$text" || undoc+=" $o"
	done
	if [ -z "$warn" ] && [[ $name == *": \"$t - "* ]] && [ "$nopt" -gt 0 ] && [ -z "$undoc" ]; then
		ok "man page $t(8): renders without warnings, NAME parses, all $nopt options of --help documented"
	else
		[ -n "$warn" ] && echo "$warn" | indent
		not_ok "man page $t(8): warnings ${warn:+yes}${warn:-none}, lexgrog '$name', $nopt options in --help${undoc:+, undocumented:$undoc}"
	fi
done

# --- lintian ------------------------------------------------------------------------
# Tags accepted here, each with its reason, printed as comments (none
# today).  Everything else that is an error or a warning fails.  (Tags that
# are right for good are overridden in debian/*.lintian-overrides instead
# and show as O:.)
LINTIAN_ACCEPTED=""
if [ -r "$out/lintian.txt" ] && [ -r "$out/lintian.rc" ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
	lint_note="kept from the last run on these files"
else
	t0=$SECONDS
	lintian -I --show-overrides --tag-display-limit 0 "$CHANGES" >"$out/lintian.txt" 2>&1
	echo $? >"$out/lintian.rc"
	lint_note="$((SECONDS - t0))s"
fi
# lintian's status: 0 nothing at the --fail-on level (error), 2 errors
# (listed), 1 lintian itself failed
lint_rc=$(cat "$out/lintian.rc" 2>/dev/null)
bad='' accepted=''
while IFS= read -r l; do
	case $l in
	[EW]:\ *)
		tag=${l#*: *: }
		tag=${tag%% *}
		if [[ " $LINTIAN_ACCEPTED " == *" $tag "* ]]; then
			accepted+="$l"$'\n'
		else
			bad+="$l"$'\n'
		fi
		;;
	"running with root privileges is not recommended!") ;;
	*) echo "#   $l" ;;
	esac
done <"$out/lintian.txt"
[ -n "$accepted" ] && printf '%s' "$accepted" | sed 's/^/#   accepted: /'
if [ "$lint_rc" != 0 ] && [ "$lint_rc" != 2 ]; then
	tail -n 20 "$out/lintian.txt" | indent
	not_ok "lintian ${CHANGES##*/} did not run through (status ${lint_rc:-?})"
elif [ -z "$bad" ]; then
	ok "lintian ${CHANGES##*/}: no error or warning$([ -n "$accepted" ] && echo " but the $(grep -c . <<<"$accepted") accepted above") ($lint_note)"
else
	printf '%s' "$bad" | indent
	not_ok "lintian ${CHANGES##*/}: $(grep -c '^E: ' <<<"$bad") errors, $(grep -c '^W: ' <<<"$bad") warnings"
fi

[ "$fail" = 0 ] && echo "$stamp" >"$out/.stamp"
exit "$fail"
}
