# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sphinx extension: the guides (docs/*.md, copied with the rest of docs/ to docsite/ of the site's source) link to
each other and to their plots, which MyST resolves, and to repository files such as ``../tests/harness/README.md``,
which are not part of the site. Those links are rewritten to the file on GitHub; a link to a file the repository
does not hold is a warning, so an error of ``make docs``."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
GUIDES_FOLDER = 'docsite'
MARKDOWN_LINK = re.compile(r'\]\((?P<target>[^)\s]+)(?=[)\s])')
URL_SCHEME = re.compile(r'^[a-zA-Z][a-zA-Z0-9+.-]*:')


class RepoLinks:
    """Rewrites the link targets of one guide."""

    def __init__(self, config, docname):
        self.repo_root = Path(config.repo_links_root)
        self.repo_url = config.repo_links_url
        self.branch = config.repo_links_branch
        self.docname = docname
        self.line_number = 0

    def target(self, target):
        if target.startswith('#') or URL_SCHEME.match(target):
            return target
        path, hash_mark, anchor = target.partition('#')
        repo_path = posixpath.normpath(posixpath.join('docs', path))
        local = self.repo_root / repo_path
        if repo_path.startswith('..') or not local.exists():
            LOGGER.warning('link to %r: no such file in the repository', target, location=(self.docname, self.line_number))
            return target
        if repo_path.startswith('docs/') and not repo_path.startswith('docs/site/'):
            return target   # copied with the guides: MyST links the page, shows the image, offers the file
        kind = 'tree' if local.is_dir() else 'blob'
        return f'{self.repo_url}/{kind}/{self.branch}/{repo_path}{hash_mark}{anchor}'

    def text(self, source):
        lines = source.splitlines(keepends=True)
        in_fence = False
        for index, line in enumerate(lines):
            if line.lstrip().startswith('```'):
                in_fence = not in_fence
            elif not in_fence and '](' in line:
                self.line_number = index + 1
                lines[index] = MARKDOWN_LINK.sub(lambda match: f"]({self.target(match['target'])}", line)
        return ''.join(lines)


def rewrite_repo_links(app, docname, source):
    if docname.startswith(GUIDES_FOLDER + '/'):
        source[0] = RepoLinks(app.config, docname).text(source[0])


def setup(app):
    app.add_config_value('repo_links_url', '', 'env')
    app.add_config_value('repo_links_branch', 'main', 'env')
    app.add_config_value('repo_links_root', '', 'env')
    app.connect('source-read', rewrite_repo_links)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
