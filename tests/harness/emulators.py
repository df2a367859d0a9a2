# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the harness's other local clouds (mimic, Swift, Azurite, PowerDNS) in the foreground, for the demo and by hand.

    python -m tests.harness.emulators serve --state-dir DIR swift azurite   # until SIGTERM or Ctrl-C

Once every cloud answers, DIR/ports.json holds ``{"swift": PORT, ...}``; on SIGTERM every server stops.
PowerDNS adds two ports: ``powerdns`` (its HTTP API, the cloud entry's ``port``) and ``powerdns_dns`` (DNS, UDP
and TCP). Its API key is ``LOCAL_POWERDNS_API_KEY`` from the environment when set (the demo's vaulted entry
names one), else a random one; either way it is written to DIR/powerdns_api_key (mode 0600).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from contextlib import ExitStack
from pathlib import Path

from tests.harness.azurite_cloud import AzuriteCloud
from tests.harness.mimic_cloud import MimicCloud
from tests.harness.powerdns_cloud import PowerDnsCloud
from tests.harness.swift_cloud import SwiftCloud

EMULATORS = {'mimic': MimicCloud, 'swift': SwiftCloud, 'azurite': AzuriteCloud, 'powerdns': PowerDnsCloud}
PORTS_FILE = 'ports.json'
POWERDNS_KEY_FILE = 'powerdns_api_key'


def _start(running: ExitStack, state: Path, name: str) -> dict:
    """Start one cloud; its ports for ports.json."""
    if name != 'powerdns':
        return {name: running.enter_context(EMULATORS[name]()).port}
    cloud = running.enter_context(PowerDnsCloud(api_key=os.environ.get('LOCAL_POWERDNS_API_KEY') or None))
    key_file = Path(state, POWERDNS_KEY_FILE)
    key_file.unlink(missing_ok=True)
    with os.fdopen(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), 'w') as stream:
        stream.write(cloud.api_key)
    return {'powerdns': cloud.port, 'powerdns_dns': cloud.dns_port}


def serve(state_dir: str, names: list[str]) -> None:
    state = Path(state_dir)
    state.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with ExitStack() as running:
        ports = {}
        for name in names:
            ports.update(_start(running, state, name))
        # Write then rename, so that a reader never sees a partial file.
        Path(state, PORTS_FILE + '.tmp').write_text(json.dumps(ports))
        os.replace(Path(state, PORTS_FILE + '.tmp'), Path(state, PORTS_FILE))
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m tests.harness.emulators', description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest='command', required=True)
    serve_parser = commands.add_parser('serve', help='run the named clouds in the foreground')
    serve_parser.add_argument('--state-dir', required=True)
    serve_parser.add_argument('names', nargs='+', choices=sorted(EMULATORS))
    args = parser.parse_args(argv)
    serve(args.state_dir, args.names)
    return 0


if __name__ == '__main__':
    sys.exit(main())
