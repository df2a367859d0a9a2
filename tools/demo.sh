#!/usr/bin/env bash
# `make demo`: start the local test cloud, run the main playbook with the vaulted demo credentials, stop the cloud.
#   COLLECTIONS_PATH  where cloudmesh.libcloud is found (default: this checkout, through collections/)
#   DEMO_PLAYBOOK     the playbook to run (default: playbooks/demo.yml; cloudmesh.libcloud.demo for an installed copy)
#   DEMO_INVENTORY    the inventory folder holding the vaulted clouds file (default: playbooks/inventory/demo)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mkdir -p collections/ansible_collections/cloudmesh
[ -e collections/ansible_collections/cloudmesh/libcloud ] || ln -s "$root" collections/ansible_collections/cloudmesh/libcloud
export ANSIBLE_COLLECTIONS_PATH="${COLLECTIONS_PATH:-$root/collections}"
playbook="${DEMO_PLAYBOOK:-$root/playbooks/demo.yml}"
inventory="${DEMO_INVENTORY:-$root/playbooks/inventory/demo}"
state_dir=$(mktemp -d "${TMPDIR:-/tmp}/libcloud-demo.XXXXXX")

stop_cloud() {
  python -m tests.harness.local_cloud stop --state-dir "$state_dir" >/dev/null 2>&1 || true
  rm -rf "$state_dir"
}
trap stop_cloud EXIT

port=$(python -m tests.harness.local_cloud start --state-dir "$state_dir")
echo "local test cloud (moto) listening on 127.0.0.1:$port"
# The vaulted demo clouds file names no port: the environment supplies the one picked just now.
export LIBCLOUD_PORT="$port"
export ANSIBLE_NOCOLOR="${ANSIBLE_NOCOLOR:-1}" ANSIBLE_LOCALHOST_WARNING=0
# The demo password (demo only!) reaches ansible-playbook and the ansible-inventory it runs through the environment.
export ANSIBLE_VAULT_PASSWORD_FILE="$inventory/DEMO-ONLY-vault-password.txt"
ansible-playbook -i "$inventory" "$playbook" "$@"
