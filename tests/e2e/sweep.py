"""Every page a role reaches by following links, found as a person would
find them: from the home page, through the navigation and the pages' own
links, breadth first.  Links that act (sign out, downloads) are left alone.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from django.urls import Resolver404, get_resolver, resolve, reverse
from playwright.sync_api import Page

from tests.matrix import row_module_names

# Paths never followed: they act, download, or leave the app's pages.
SKIP = re.compile(
    r"^/(accounts/logout|admin/|api/|static/|media/)"
    r"|/(export|download|fhir|csv)(/|$)|\.(csv|json|pdf)$"
)
# One page per shape of URL: /records/clients/12/ and /records/clients/13/
# are the same page for this sweep.
NUMBER = re.compile(r"/\d+(?=/)")
# Pages of one shape opened for their links.
VISITS_PER_SHAPE = 4


def shape(path: str) -> str:
    return NUMBER.sub("/N", path)


def same_site_links(page: Page, base_url: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "a[href]", "links => links.map(link => link.getAttribute('href'))"
    )
    found = []
    for href in hrefs:
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = urljoin(page.url, href)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != base_url:
            continue
        if SKIP.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def pages_of(page: Page, base_url: str, limit: int) -> list[str]:
    """Up to ``limit`` page paths reachable from the home page, one per shape.

    A few more pages of each shape are opened for their links alone (one
    client's page may link to a rupture where another's has none), so that
    pages found only through some records are reached too."""
    queue, visits, pages = ["/"], Counter[str](), []
    opened: set[str] = set()
    while queue and len(pages) < limit:
        path = queue.pop(0)
        key = shape(path.split("?")[0])
        if path in opened or visits[key] >= VISITS_PER_SHAPE:
            continue
        opened.add(path)
        visits[key] += 1
        response = page.goto(base_url + path)
        if response is None or response.status != 200:
            continue
        if "/accounts/login" in page.url:
            continue
        if visits[key] == 1:
            pages.append(path)
        queue.extend(same_site_links(page, base_url))
    return pages


def url_name(path: str) -> str | None:
    """The view name a path resolves to, or None for a path outside the app."""
    try:
        return resolve(path.split("?")[0]).view_name
    except Resolver404:
        return None


def matrix_pages(roles: Iterable[str]) -> set[str]:
    """The URL names the permission matrix serves (GET → 200) to any of
    ``roles``: the pages the sweep must reach for a person in those roles."""
    wanted = set(roles)
    return {
        row.url_name
        for name in row_module_names()
        for row in importlib.import_module(name).ROWS
        if row.method == "GET"
        and is_page(row.url_name)
        and any(row.expected.get(role) == 200 for role in wanted)
    }


def _pattern(name: str) -> tuple[str, list[str]]:
    """A URL's path pattern (``%(client_id)s`` for each id) and its ids."""
    resolver, prefix = get_resolver(), "/"
    *namespaces, short = name.split(":")
    for namespace in namespaces:
        more, resolver = resolver.namespace_dict[namespace]
        prefix += more
    possibilities, *_ = resolver.reverse_dict.getlist(short)[0]
    path, params = possibilities[0]
    return prefix + path, list(params)


def _params(name: str) -> list[str]:
    return _pattern(name)[1]


def filled_in(name: str, pages: Iterable[str]) -> str | None:
    """A path of ``name`` with ids taken from one page already reached that
    names them all (so that a client and its record belong together)."""
    wanted = set(_params(name))
    for path in pages:
        kwargs = resolve(path.split("?")[0]).kwargs
        if wanted <= set(kwargs):
            return reverse(name, kwargs={key: kwargs[key] for key in wanted})
    return None


def is_page(name: str) -> bool:
    """Not an API call, a download or a Django-admin page: a page of the app,
    whatever ids its path takes."""
    path, params = _pattern(name)
    return not SKIP.search(path % {param: "1" for param in params})
