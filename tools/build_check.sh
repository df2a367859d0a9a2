#!/usr/bin/env bash
# Build the collection tarball, install it into an empty collections path, check that ansible-doc renders every
# module and plugin from the installed copy, and run the demo playbook from it.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/libcloud-build.XXXXXX")
trap 'rm -rf "$work"' EXIT

ansible-galaxy collection build --output-path "$work/dist" . >/dev/null
tarball=$(ls "$work"/dist/cloudmesh-libcloud-*.tar.gz)
echo "built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"
ansible-galaxy collection install --force -p "$work/collections" "$tarball" >/dev/null
installed="$work/collections/ansible_collections/cloudmesh/libcloud"
test -f "$installed/MANIFEST.json"
# The tarball must not carry development files.
for unwanted in .venv .git tests/output collections tools bench; do
  if [ -e "$installed/$unwanted" ]; then echo "the tarball holds $unwanted"; exit 1; fi
done

export ANSIBLE_COLLECTIONS_PATH="$work/collections"
check_doc() {  # ansible-doc exits 0 when a plugin is missing, so read what it prints
  local type=$1 name=$2 out
  out=$(ansible-doc -t "$type" "cloudmesh.libcloud.$name" 2>&1)
  if ! grep -q "cloudmesh.libcloud.$name" <<<"$out" || grep -qiE "not found|error" <<<"$(head -5 <<<"$out")"; then
    echo "ansible-doc -t $type cloudmesh.libcloud.$name failed:"; echo "$out" | head -20; exit 1
  fi
}
for module in "$installed"/plugins/modules/*.py; do check_doc module "$(basename "$module" .py)"; done
for plugin in "$installed"/plugins/inventory/*.py; do [ -e "$plugin" ] && check_doc inventory "$(basename "$plugin" .py)"; done
echo "ansible-doc renders every plugin from the installed tarball"

# One playbook run from the installed copy: the demo, as a user runs it. It must leave no server running: its
# servers' command lines name their state and port files, which lie under its own TMPDIR (other checks of `make
# test` start and stop servers of their own meanwhile).
mkdir "$work/tmp"
TMPDIR="$work/tmp" COLLECTIONS_PATH="$work/collections" DEMO_PLAYBOOK=cloudmesh.libcloud.demo \
  DEMO_INVENTORY="$installed/playbooks/inventory/demo" bash tools/demo.sh >"$work/demo.log" 2>&1 || { cat "$work/demo.log"; exit 1; }
grep -A 8 '"msg": \[' "$work/demo.log" | tail -n 8
grep -A 2 "PLAY RECAP" "$work/demo.log"
if pgrep -af -- "$work/tmp/"; then echo "the demo left the servers above running"; exit 1; fi
echo "build check passed"
