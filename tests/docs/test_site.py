# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make docs` (tools/docs.sh), read in a real headless browser: Debian's chromium, driven by Selenium through Debian's
chromedriver. Both binaries are given by path, so Selenium Manager downloads nothing; the site is read from files.

The test builds the site into build/docs, then checks that the index links to the page of every module, inventory
plugin, filter and role of the repository, that libcloud_node's page shows its options table and examples, and that
no page of the site has a broken internal link or loads anything from another site. It leaves a screenshot of
libcloud_node's page in build/docs/screenshots/libcloud_node.png.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = REPO_ROOT / 'build' / 'docs'
SITE_DIR = BUILD_DIR / 'html'
SCREENSHOT = BUILD_DIR / 'screenshots' / 'libcloud_node.png'
CHROMIUM = Path('/usr/bin/chromium')
CHROMEDRIVER = Path('/usr/bin/chromedriver')
WINDOW = (1280, 2000)

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason='no headless browser: install the Debian packages chromium and chromium-driver (.ci/run does, as root)')

# Every link (and form: the search box), stylesheet, script and image of the page as the browser resolved it, every
# anchor it offers, its title.
PAGE_REFERENCES_JS = '''
const urls = (selector, attribute) => Array.from(document.querySelectorAll(selector), element => element[attribute]);
return {
  links: urls('a[href]', 'href').concat(urls('form[action]', 'action')),
  resources: urls('link[href]', 'href').concat(urls('script[src]', 'src'), urls('img[src]', 'src'), urls('iframe[src]', 'src')),
  anchors: Array.from(document.querySelectorAll('[id]'), element => element.id).concat(urls('a[name]', 'name')),
  title: document.querySelector('h1') ? document.querySelector('h1').innerText : '',
};
'''


def expected_pages():
    """The page of every plugin and role in the repository, by the file names antsibull-docs gives them."""
    pages = {f'cloudmesh.libcloud.{path.stem}': f'{path.stem}_module.html' for path in (REPO_ROOT / 'plugins' / 'modules').glob('*.py')}
    pages.update({f'cloudmesh.libcloud.{path.stem}': f'{path.stem}_inventory.html'
                  for path in (REPO_ROOT / 'plugins' / 'inventory').glob('*.py') if path.stem != '__init__'})
    for path in (REPO_ROOT / 'plugins' / 'filter').glob('*.py'):
        pages.update({f'cloudmesh.libcloud.{name}': f'{name}_filter.html' for name in filter_names(path)})
    pages.update({f'cloudmesh.libcloud.{path.name}': f'{path.name}_role.html'
                  for path in (REPO_ROOT / 'roles').iterdir() if (path / 'meta' / 'argument_specs.yml').exists()})
    return pages


def filter_names(path):
    """The keys of the dict that ``FilterModule.filters()`` returns, read without importing the plugin."""
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.FunctionDef) and node.name == 'filters':
            returned = [child.value for child in ast.walk(node) if isinstance(child, ast.Return)]
            return [key.value for value in returned if isinstance(value, ast.Dict) for key in value.keys]
    return []


@pytest.fixture(scope='module')
def site():
    """A fresh build of the site (`make docs`), so that `make test` covers it."""
    env = dict(os.environ, PATH=f'{Path(sys.executable).parent}{os.pathsep}{os.environ["PATH"]}')
    env.pop('DOCS_BUILD_DIR', None)
    build = subprocess.run(['bash', str(REPO_ROOT / 'tools' / 'docs.sh')], cwd=REPO_ROOT, env=env,
                           capture_output=True, text=True, timeout=600, check=False)
    assert build.returncode == 0, f'tools/docs.sh failed:\n{build.stdout}\n{build.stderr}'
    assert build.stderr == '', f'tools/docs.sh printed warnings:\n{build.stderr}'
    return SITE_DIR


@pytest.fixture(scope='module')
def browser(monkeypatch_module):
    monkeypatch_module.setenv('SE_OFFLINE', 'true')     # Selenium Manager must not look for drivers online
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu',
                     f'--window-size={WINDOW[0]},{WINDOW[1]}', '--hide-scrollbars', '--no-first-run',
                     '--disable-background-networking', '--disable-component-update', '--disable-default-apps',
                     '--disable-sync'):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        # The window size counts the window's frame: the page itself gets exactly WINDOW.
        driver.execute_cdp_cmd('Emulation.setDeviceMetricsOverride',
                               {'width': WINDOW[0], 'height': WINDOW[1], 'deviceScaleFactor': 1, 'mobile': False})
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope='module')
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def local_file(url):
    """The file a file:// URL names, without its #fragment and ?query."""
    return Path(unquote(urlsplit(urldefrag(url).url).path))


@pytest.fixture(scope='module')
def crawl(site, browser):
    """Every page reached from the index by following links in the browser: page path -> what PAGE_REFERENCES_JS
    found there."""
    pages, to_visit = {}, [site / 'index.html']
    while to_visit:
        page = to_visit.pop()
        if page in pages:
            continue
        browser.get(page.as_uri())
        pages[page] = browser.execute_script(PAGE_REFERENCES_JS)
        to_visit.extend(local_file(url) for url in pages[page]['links']
                        if url.startswith('file:') and local_file(url).suffix == '.html' and local_file(url).exists())
    return pages


def test_index_links_every_plugin_and_role_page(site, crawl):
    linked = {local_file(url) for url in crawl[site / 'index.html']['links'] if url.startswith('file:')}
    pages = expected_pages()
    assert 'cloudmesh.libcloud.libcloud_node' in pages and len(pages) >= 15, pages
    missing = sorted(page for page in pages.values() if site / page not in linked)
    assert not missing, f'the index does not link to {missing}'
    wrong_titles = {page: crawl[site / page]['title'] for fqcn, page in pages.items() if fqcn not in crawl[site / page]['title']}
    assert not wrong_titles


def test_index_links_the_guides_and_the_changelog(site, crawl):
    linked = {local_file(url) for url in crawl[site / 'index.html']['links'] if url.startswith('file:')}
    wanted = [site / 'docsite' / f'{guide.stem}.html' for guide in (REPO_ROOT / 'docs').glob('*.md')] + [site / 'changelog.html']
    assert not [page for page in wanted if page not in linked]


def test_libcloud_node_page_shows_options_and_examples(site, browser):
    browser.get((site / 'libcloud_node_module.html').as_uri())
    options_table = browser.find_element('css selector', 'section#parameters table.ansible-option-table')
    assert options_table.is_displayed()
    option_names = {element.text for element in options_table.find_elements('css selector', 'p.ansible-option-title')}
    assert {'name', 'state', 'count', 'cloud', 'image', 'size'} <= option_names
    examples = browser.find_element('css selector', 'section#examples')
    assert examples.find_element('css selector', 'h2').text.startswith('Examples')
    code = examples.find_element('css selector', 'div.highlight pre')
    assert code.is_displayed() and 'cloudmesh.libcloud.libcloud_node:' in code.text
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))
    png = SCREENSHOT.read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
    assert (int.from_bytes(png[16:20], 'big'), int.from_bytes(png[20:24], 'big')) == WINDOW   # the IHDR chunk


def test_no_page_has_a_broken_internal_link(site, crawl):
    """Each internal link of every page names a file of the site and, with a #fragment, an anchor of that page;
    nothing is loaded from another site (the site is read offline); every page is reached from the index."""
    problems = []
    for page, found in crawl.items():
        for url in found['links'] + found['resources']:
            if not url.startswith('file:'):
                continue
            target, fragment = local_file(url), unquote(urldefrag(url).fragment)
            if not target.exists():
                problems.append(f'{page.relative_to(site)}: {url} (no such file)')
            elif fragment and target in crawl and fragment not in crawl[target]['anchors']:
                problems.append(f'{page.relative_to(site)}: {url} (no such anchor)')
        problems.extend(f'{page.relative_to(site)}: loads {url}' for url in found['resources'] if not url.startswith('file:'))
    assert not problems, '\n'.join(problems)
    unreached = sorted(str(path.relative_to(site)) for path in site.rglob('*.html') if path not in crawl)
    assert not unreached, f'pages no link leads to: {unreached}'
