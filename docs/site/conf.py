# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sphinx configuration of the collection's HTML site, built by ``make docs`` (tools/docs.sh) from the pages that
antsibull-docs writes, the guides of docs/*.md (MyST) and the changelog rendered from the fragments."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

SITE_DIR = Path(__file__).resolve().parent
REPO_ROOT = SITE_DIR.parent.parent
sys.path.insert(0, str(SITE_DIR))

with open(REPO_ROOT / 'galaxy.yml', encoding='utf-8') as galaxy_file:
    GALAXY = yaml.safe_load(galaxy_file)

project = f"{GALAXY['namespace']}.{GALAXY['name']}"
copyright = 'cloudmesh.libcloud developers'  # pylint: disable=redefined-builtin
release = GALAXY['version']
html_title = f'{project} {release}'
html_short_title = project

extensions = ['sphinx_antsibull_ext', 'myst_parser', 'repo_links']
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}

pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'
default_role = 'any'

# The site is built and read offline: no inventories to fetch; references into Ansible's own docs (which
# antsibull-docs writes for the standard pages, e.g. "how to use collections", and Ansible's own environment
# variables such as ANSIBLE_INVENTORY_UNPARSED_FAILED) render as text, not as links.
intersphinx_mapping: dict = {}
nitpicky = False
suppress_warnings = ['ref.ref', 'ref.envvar']

# The guides link to sections of each other by GitHub's anchors (`credentials.md#aws-profiles-and-session-tokens`).
myst_heading_anchors = 3

# Relative links of the guides to repository files outside docs/ become links to the repository on GitHub.
repo_links_url = GALAXY['repository']
repo_links_branch = 'main'
repo_links_root = str(REPO_ROOT)

html_theme = 'sphinx_ansible_theme'
templates_path = ['_templates']     # extrabody.html: the theme's top bar and logo link, for a site read from files
html_theme_options = {
    'show_rtd_ethical_ads': False,      # nothing loaded from other sites
    'show_extranav': False,
    'display_version': False,
    'topbar_links': {
        'Repository': GALAXY['repository'],
        'Issues': GALAXY['issues'],
        'Ansible documentation': 'https://docs.ansible.com/',
    },
}
html_show_sphinx = False
html_copy_source = False
html_use_index = False
html_use_modindex = False
html_last_updated_fmt = None
