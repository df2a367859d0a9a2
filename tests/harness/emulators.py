# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the harness's other local clouds (mimic, Swift, Azurite) in the foreground, for the demo and by hand.

    python -m tests.harness.emulators serve --state-dir DIR swift azurite   # until SIGTERM or Ctrl-C

Once every cloud answers, DIR/ports.json holds ``{"swift": PORT, ...}``; on SIGTERM every server stops.
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
from tests.harness.swift_cloud import SwiftCloud

EMULATORS = {'mimic': MimicCloud, 'swift': SwiftCloud, 'azurite': AzuriteCloud}
PORTS_FILE = 'ports.json'


def serve(state_dir: str, names: list[str]) -> None:
    state = Path(state_dir)
    state.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with ExitStack() as running:
        ports = dict((name, running.enter_context(EMULATORS[name]()).port) for name in names)
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
