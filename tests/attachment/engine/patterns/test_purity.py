"""The detectors are pure: no module of the package reads the clock or imports
Django, so every answer depends only on the data and the ``now`` passed in."""

from __future__ import annotations

import pathlib
import re

from attachment.engine.patterns import cusum


def test_the_detectors_read_no_clock_and_no_django():
    package = pathlib.Path(cusum.__file__).parent
    forbidden = re.compile(
        r"\.now\(|\.today\(|utcnow|time\.time\(|import django|from django|timezone\b"
    )
    for path in package.glob("*.py"):
        assert not forbidden.search(path.read_text()), path.name
