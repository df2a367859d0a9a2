#!/usr/bin/env bash
# ansible-lint, production profile, on the playbooks and roles that users copy.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mkdir -p collections/ansible_collections/cloudmesh
[ -e collections/ansible_collections/cloudmesh/libcloud ] || ln -s "$root" collections/ansible_collections/cloudmesh/libcloud
export ANSIBLE_COLLECTIONS_PATH="$root/collections"
targets=(playbooks execution-environment.yml meta extensions)
[ -n "$(ls -A roles 2>/dev/null)" ] && targets+=(roles)
ansible-lint --offline --profile production "${targets[@]}"
