#!/usr/bin/env bash
# `make docs`: the collection's HTML site in build/docs/html (override with DOCS_BUILD_DIR), built offline; any
# warning fails the build.
#   1. Stage a copy of what antsibull-docs reads (galaxy.yml, meta, plugins, roles, changelogs) in
#      build/docs/collections. There, `antsibull-changelog release` turns changelogs/fragments into a
#      changelog.yaml for the version of galaxy.yml, marked as not released: the checkout keeps its fragments and
#      no release is recorded. docs/docsite/config.yml asks antsibull-docs for the changelog page, and
#      docs/docsite/extra-docs.yml lists the guides docs/*.md (quickstart first) as the index's "Guides" section.
#   2. antsibull-docs writes the index and a page per module, inventory plugin, filter and role (options,
#      examples, return values) and the changelog into build/docs/src; docs/ (the guides, their plots) is copied to
#      src/docsite/.
#   3. sphinx-build with docs/site/conf.py (MyST for the Markdown guides) writes build/docs/html.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="${DOCS_BUILD_DIR:-$root/build/docs}"
stage="$out/collections/ansible_collections/cloudmesh/libcloud"
rm -rf "$out/collections" "$out/src" "$out/html" "$out/doctrees"
mkdir -p "$stage/changelogs" "$stage/docs/docsite" "$out/src/docsite"
start=$SECONDS

cp -r galaxy.yml meta plugins roles "$stage/"
cp -r changelogs/config.yaml changelogs/fragments "$stage/changelogs/"
# The copy lies in a git-ignored folder: antsibull-changelog would copy only its git-tracked files (none) to list
# the plugins.
sed -i 's/^vcs: .*/vcs: none/' "$stage/changelogs/config.yaml"
cat >"$stage/changelogs/fragments/000-not-released.yml" <<'YAML'
release_summary: Not released yet. These are the changes of this checkout, from its changelog fragments.
YAML
changelog_log=$(cd "$stage" && antsibull-changelog release 2>&1) || { echo "$changelog_log" >&2; exit 1; }
if grep -qi warning <<<"$changelog_log"; then echo "$changelog_log" >&2; echo "make docs: antsibull-changelog warned" >&2; exit 1; fi

cat >"$stage/docs/docsite/config.yml" <<'YAML'
changelog:
  write_changelog: true
YAML
guides=(docs/quickstart.md)
for guide in docs/*.md; do [ "$guide" = docs/quickstart.md ] || guides+=("$guide"); done
{
  printf 'sections:\n  - title: Guides\n    toctree:\n'
  for guide in "${guides[@]}"; do [ -f "$guide" ] && printf '      - %s\n' "$(basename "$guide" .md)"; done
} >"$stage/docs/docsite/extra-docs.yml"

ANSIBLE_COLLECTIONS_PATH="$out/collections" antsibull-docs --config-file docs/site/antsibull-docs.cfg \
  collection --use-current --squash-hierarchy --fail-on-error --dest-dir "$out/src" cloudmesh.libcloud >/dev/null
# The guides with what they show (plots, data files), without the site's own configuration.
cp -r docs/. "$out/src/docsite/"
rm -rf "$out/src/docsite/site"

sphinx-build -b html -W --keep-going -q -c docs/site -d "$out/doctrees" "$out/src" "$out/html"
echo "make docs: $out/html/index.html ($(find "$out/html" -name '*.html' | wc -l) pages, $((SECONDS - start)) s)"
