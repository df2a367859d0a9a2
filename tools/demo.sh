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

emulators_pid=
stop_cloud() {
  python -m tests.harness.local_cloud stop --state-dir "$state_dir" >/dev/null 2>&1 || true
  if [ -n "$emulators_pid" ]; then kill -TERM "$emulators_pid" 2>/dev/null || true; wait "$emulators_pid" 2>/dev/null || true; fi
  rm -rf "$state_dir"
}
trap stop_cloud EXIT

port=$(python -m tests.harness.local_cloud start --state-dir "$state_dir")
echo "local test cloud (moto) listening on 127.0.0.1:$port"
# The real OpenStack Swift and Azurite, for the folder that goes to three object stores, and PowerDNS for the nodes'
# names. PowerDNS is started with the API key of the vaulted demo entry demo-dns, read from the vault here.
LOCAL_POWERDNS_API_KEY=$(python - "$inventory/group_vars/all/clouds.vault.yml" "$inventory/DEMO-ONLY-vault-password.txt" <<'EOF'
import sys, yaml
from ansible.parsing.vault import VaultLib, VaultSecret
password = open(sys.argv[2], 'rb').read().strip()
clouds = yaml.safe_load(VaultLib([('default', VaultSecret(password))]).decrypt(open(sys.argv[1], 'rb').read()))
print(clouds['libcloud_clouds']['demo-dns']['key'])
EOF
)
export LOCAL_POWERDNS_API_KEY
python -m tests.harness.emulators serve --state-dir "$state_dir/emulators" swift azurite powerdns >"$state_dir/emulators.log" 2>&1 &
emulators_pid=$!
for _ in $(seq 600); do
  [ -f "$state_dir/emulators/ports.json" ] && break
  kill -0 "$emulators_pid" 2>/dev/null || { cat "$state_dir/emulators.log" >&2; echo "make demo: the local Swift, Azurite and PowerDNS did not start" >&2; exit 1; }
  sleep 0.1
done
[ -f "$state_dir/emulators/ports.json" ] || { cat "$state_dir/emulators.log" >&2; echo "make demo: the local Swift, Azurite and PowerDNS did not start within 60 s" >&2; exit 1; }
emulator_port() { python -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$state_dir/emulators/ports.json" "$1"; }
DEMO_SWIFT_PORT=$(emulator_port swift)
DEMO_AZURITE_PORT=$(emulator_port azurite)
DEMO_POWERDNS_PORT=$(emulator_port powerdns)
DEMO_POWERDNS_DNS_PORT=$(emulator_port powerdns_dns)
export DEMO_SWIFT_PORT DEMO_AZURITE_PORT DEMO_POWERDNS_PORT DEMO_POWERDNS_DNS_PORT
echo "local OpenStack Swift on 127.0.0.1:$DEMO_SWIFT_PORT, Azurite (Azure Blobs) on 127.0.0.1:$DEMO_AZURITE_PORT"
echo "local PowerDNS: API on 127.0.0.1:$DEMO_POWERDNS_PORT, DNS on 127.0.0.1:$DEMO_POWERDNS_DNS_PORT"
# The vaulted demo clouds file names no port: it reads the ones picked just now from the environment.
export DEMO_AWS_PORT="$port"
export ANSIBLE_NOCOLOR="${ANSIBLE_NOCOLOR:-1}" ANSIBLE_LOCALHOST_WARNING=0
# The demo password (demo only!) reaches ansible-playbook and the ansible-inventory it runs through the environment.
export ANSIBLE_VAULT_PASSWORD_FILE="$inventory/DEMO-ONLY-vault-password.txt"
ansible-playbook -i "$inventory" "$playbook" "$@"
