"""Every page a role reaches by following links, found as a person would
find them: from the home page, through the navigation and the pages' own
links, breadth first.  Links that act (sign out, downloads) are left alone.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Page

# Paths never followed: they act, download, or leave the app's pages.
SKIP = re.compile(
    r"^/(accounts/logout|admin/|api/|static/|media/)"
    r"|/(export|download|fhir|csv)(/|$)|\.(csv|json|pdf)$"
)
# One page per shape of URL: /records/clients/12/ and /records/clients/13/
# are the same page for this sweep.
NUMBER = re.compile(r"/\d+(?=/)")


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
    """Up to ``limit`` page paths reachable from the home page, one per shape."""
    queue, seen_shapes, pages = ["/"], set(), []
    while queue and len(pages) < limit:
        path = queue.pop(0)
        key = shape(path.split("?")[0])
        if key in seen_shapes:
            continue
        seen_shapes.add(key)
        response = page.goto(base_url + path)
        if response is None or response.status != 200:
            continue
        if "/accounts/login" in page.url:
            continue
        pages.append(path)
        queue.extend(same_site_links(page, base_url))
    return pages
