#!/usr/bin/env bash
# `make deb`: build the Debian packages of dsb with dpkg-buildpackage and
# check them with lintian.
#
#   scripts/build-deb.sh
#
# A copy of the tree (kmod/, uapi/, lib/, README.md: the files git tracks
# or would track, so no build products) is staged in build/deb/dsb-VERSION/
# with scripts/debian/ as its debian/, plus two generated files:
#   debian/changelog       one entry for VERSION, dated like the commit
#   debian/libdsb1.symbols every symbol of lib/libdsb.map at the version of
#                          its node (LIBDSB_1.1 -> 1.1); the build fails
#                          when the library exports anything else
# VERSION is libdsb's version (lib/Makefile) and the uAPI version
# (DRM_DSB_UAPI_VERSION), e.g. 1.1.0+uapi8: a uAPI change alone makes a
# new dsb-dkms. The source package is native ("3.0 (native)").
#
# Output in build/deb/: dsb-dkms_VERSION_all.deb, libdsb1_VERSION_amd64.deb,
# libdsb-dev_VERSION_amd64.deb, dsb-tools_VERSION_amd64.deb, the source
# package and the .changes. Fails when dpkg-buildpackage fails or lintian
# reports an error; lintian's warnings are shown.
set -euo pipefail
. "$(dirname "$0")/common.sh"

libver=$(sed -n 's/^VERSION := //p' "$DSB_ROOT/lib/Makefile")
uapiver=$(sed -n 's/^#define DRM_DSB_UAPI_VERSION[[:space:]]*\([0-9]*\)$/\1/p' \
	"$DSB_ROOT/uapi/drm/dsb_drm.h")
[ -n "$libver" ] && [ -n "$uapiver" ] ||
	dsb_die "cannot read the versions (lib/Makefile VERSION, DRM_DSB_UAPI_VERSION)"
version=$libver+uapi$uapiver

out=$DSB_BUILD/deb
src=$out/dsb-$version
rm -rf "$out"
mkdir -p "$src"

(cd "$DSB_ROOT" && git ls-files -co --exclude-standard -z -- kmod uapi lib README.md) |
	(cd "$DSB_ROOT" && xargs -0 cp --parents -p -t "$src")
[ -f "$src/kmod/dkms.conf" ] && [ -f "$src/lib/libdsb.map" ] ||
	dsb_die "staging $src: kmod/dkms.conf or lib/libdsb.map missing"
cp -a "$DSB_ROOT/scripts/debian" "$src/debian"

maint=$(sed -n 's/^Maintainer: //p' "$src/debian/control")
date=$(cd "$DSB_ROOT" && git log -1 --format=%aD 2>/dev/null) || date=$(date -R)
commit=$(cd "$DSB_ROOT" && git rev-parse --short HEAD 2>/dev/null) || commit=unknown
cat >"$src/debian/changelog" <<EOT
dsb ($version) unstable; urgency=medium

  * libdsb $libver, uAPI $uapiver (git $commit).

 -- $maint  $date
EOT

# libdsb1.symbols from the version script: "LIBDSB_X.Y { global: sym; ... }".
awk -v soname="libdsb.so.1" '
	BEGIN { print soname " libdsb1 #MINVER#"; print "* Build-Depends-Package: libdsb-dev" }
	/^LIBDSB_[0-9.]+[[:space:]]*\{/ {
		node = $1; ver = substr(node, 8)
		print " " node "@" node " " ver
		next
	}
	node != "" && /^[[:space:]]*dsb_[a-z0-9_]+;/ {
		sym = $1; sub(/;$/, "", sym)
		print " " sym "@" node " " ver
	}
	/^}/ { node = "" }
' "$src/lib/libdsb.map" >"$src/debian/libdsb1.symbols"
[ "$(grep -c '^ dsb_' "$src/debian/libdsb1.symbols")" = \
	"$(grep -c '^[[:space:]]*dsb_[a-z0-9_]*;' "$src/lib/libdsb.map")" ] ||
	dsb_die "libdsb1.symbols does not list every symbol of lib/libdsb.map"

echo "  DEB     dsb $version (log: $out/build.log)"
if ! (cd "$src" && dpkg-buildpackage -us -uc) >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	dsb_die "dpkg-buildpackage failed (log: $out/build.log)"
fi
changes=$out/dsb_${version}_amd64.changes
[ -f "$changes" ] || dsb_die "no $changes"

echo "  LINTIAN $(basename "$changes")"
set +e
lintian --fail-on error --tag-display-limit 0 "$changes" >"$out/lintian.log" 2>&1
rc=$?
set -e
sed 's/^/    /' "$out/lintian.log"
[ $rc = 0 ] || dsb_die "lintian reports errors (log: $out/lintian.log)"
echo "  lintian: $(grep -c '^E: ' "$out/lintian.log" || true) errors," \
	"$(grep -c '^W: ' "$out/lintian.log" || true) warnings"
for f in "$out"/*.deb; do echo "  $f"; done
