#!/usr/bin/env bash
# Vendor the compiled U.S. Web Design System (USWDS 3) into static/vendor/uswds/.
#
# Fetches the pinned @uswds/uswds tarball from the npm registry with `npm pack`
# (no CDN, no JS build step), checks it against the pinned integrity, and copies
# only what the site serves:
#   css/uswds.min.css, js/uswds.min.js, js/uswds-init.min.js,
#   every font/image that uswds.min.css references through url(...),
#   img/sprite.svg (for <svg class="usa-icon"><use href=...> in templates),
#   LICENSE.md, and a VERSION file recording package, version and integrity.
#
# Source-map comments are removed from the CSS/JS: the .map files are not
# vendored, and Django's ManifestStaticFilesStorage (whitenoise) would fail
# collectstatic on a sourceMappingURL that points at a missing file.
#
# Usage: scripts/vendor-uswds.sh      (re-run after changing VERSION below)
set -euo pipefail

PACKAGE="@uswds/uswds"
VERSION="3.14.0"
# From `npm view @uswds/uswds@3.14.0 dist.integrity`; a mismatch aborts.
INTEGRITY="sha512-kwZ50TqGszxj3+MQhm+c84hI0y8rIKoc7ZLKbuHg+8rTkFisp9lXOMRD2wclyyuYZahpADxMvaPong7bwL7cew=="

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/static/vendor/uswds"

for tool in npm node tar; do
  command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 1; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "Fetching $PACKAGE@$VERSION ..."
(cd "$tmp" && npm pack "$PACKAGE@$VERSION" --json --loglevel=error >pack.json)

# Read the tarball name, integrity and shasum that npm reported.
read -r TARBALL PACK_INTEGRITY SHASUM < <(node -e '
  const p = require(process.argv[1])[0];
  console.log(p.filename, p.integrity, p.shasum);
' "$tmp/pack.json")

# Recompute the sha512 of the tarball ourselves rather than trusting npm's report.
LOCAL_INTEGRITY="sha512-$(node -e '
  const fs = require("fs"), c = require("crypto");
  process.stdout.write(c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"));
' "$tmp/$TARBALL")"

if [[ "$PACK_INTEGRITY" != "$INTEGRITY" || "$LOCAL_INTEGRITY" != "$INTEGRITY" ]]; then
  echo "error: integrity mismatch for $TARBALL" >&2
  echo "  pinned:   $INTEGRITY" >&2
  echo "  npm:      $PACK_INTEGRITY" >&2
  echo "  computed: $LOCAL_INTEGRITY" >&2
  exit 1
fi

tar -xzf "$tmp/$TARBALL" -C "$tmp"
SRC="$tmp/package/dist"
CSS="$SRC/css/uswds.min.css"

# Start from an empty folder so files dropped upstream do not linger.
rm -rf "$DEST"
mkdir -p "$DEST"

copy() {  # copy dist-relative path $1 to the same relative path under $DEST
  install -D -m 0644 "$SRC/$1" "$DEST/$1"
}

copy css/uswds.min.css
copy js/uswds.min.js
copy js/uswds-init.min.js
copy img/sprite.svg
install -m 0644 "$tmp/package/LICENSE.md" "$DEST/LICENSE.md"

# Every url(...) in the CSS, minus data:, absolute and empty ones (e.g. the
# `@supports (mask: url())` feature test), with any ?query/#fragment dropped.
mapfile -t REFS < <(
  grep -o 'url([^)]*)' "$CSS" \
    | sed -E "s/^url\([\"']?[[:space:]]*//; s/[[:space:]]*[\"']?\)$//; s/[?#].*$//" \
    | grep -Ev '^$|^[a-zA-Z][a-zA-Z0-9+.-]*:|^/' \
    | sort -u
)

for ref in "${REFS[@]}"; do
  abs="$(realpath -m "$SRC/css/$ref")"
  rel="${abs#"$SRC"/}"
  if [[ "$rel" == "$abs" || ! -f "$abs" ]]; then
    echo "error: uswds.min.css references $ref, which is not in the package's dist/" >&2
    exit 1
  fi
  copy "$rel"
done

# Drop the trailing source-map comments (see header).
sed -i -E '\#^/\*\# sourceMappingURL=.*\*/[[:space:]]*$#d' "$DEST/css/uswds.min.css"
sed -i -E '\#^//\# sourceMappingURL=#d' "$DEST/js/uswds.min.js" "$DEST/js/uswds-init.min.js"

# Verify: no source-map references left, and every url(...) resolves.
if grep -l 'sourceMappingURL' "$DEST/css/uswds.min.css" "$DEST/js/"*.js; then
  echo "error: sourceMappingURL left in the files above" >&2
  exit 1
fi
for ref in "${REFS[@]}"; do
  [[ -f "$DEST/css/$ref" ]] || { echo "error: missing $DEST/css/$ref" >&2; exit 1; }
done

cat >"$DEST/VERSION" <<INFO
package: $PACKAGE
version: $VERSION
tarball: $TARBALL
integrity: $INTEGRITY
shasum: $SHASUM
source: npm registry via \`npm pack\`; files copied from the package's dist/ by scripts/vendor-uswds.sh
changes: trailing sourceMappingURL comments removed from css/uswds.min.css, js/uswds.min.js and js/uswds-init.min.js (the .map files are not vendored)
omitted: font families and images that css/uswds.min.css does not reference (Public Sans, .ttf/.woff fallbacks, most icons); img/sprite.svg is kept for usa-icon markup
INFO

echo "Vendored $PACKAGE@$VERSION into ${DEST#"$ROOT"/}: ${#REFS[@]} referenced assets, $(find "$DEST" -type f | wc -l) files, $(du -sh "$DEST" | cut -f1)"
