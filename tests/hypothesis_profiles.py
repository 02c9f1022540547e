"""Hypothesis settings profiles for the whole suite.

* ``ci`` (the default, for ``make test`` and CI): a fixed seed
  (``derandomize``), so that every run tries the same examples and a failure
  reproduces, and few enough examples to keep the suite fast.  The form
  strategies (:mod:`tests.strategies`) make about half of those examples
  valid submissions, so a few cover both the service and the refusal.
* ``explore`` (``HYPOTHESIS_PROFILE=explore make test``, or pytest's
  ``--hypothesis-profile=explore``): twenty times the examples from a fresh
  seed on every run, with the example database (``.hypothesis/``) on, so a
  failure found locally replays on the next run.

Neither has a deadline: an example that posts a form through the database
and renders a page takes a varying time on a loaded machine, and a timing
failure there says nothing about the code.  No health check is suppressed
here; a test that builds its state freshly per example but must request a
function-scoped fixture suppresses that check itself.

A test that sets ``max_examples`` itself keeps that count in both profiles,
so only a test with a reason to (a measurement, a costly example) does.
"""

from __future__ import annotations

import os

from hypothesis import settings

PROFILE_VARIABLE = "HYPOTHESIS_PROFILE"
DEFAULT_PROFILE = "ci"

# Built on Hypothesis's own defaults, not on whatever profile is active when
# this module is imported (Hypothesis loads its built-in ``ci`` when ``CI`` is
# set).
_BASE = settings.get_profile("default")

settings.register_profile(
    "ci",
    _BASE,
    max_examples=15,
    derandomize=True,
    deadline=None,
    print_blob=True,
)
settings.register_profile(
    "explore",
    _BASE,
    max_examples=300,
    derandomize=False,
    deadline=None,
)


def load_profile() -> str:
    """Load the profile named by ``HYPOTHESIS_PROFILE`` (``ci`` when unset);
    an unknown name fails the run instead of silently testing less."""
    name = os.environ.get(PROFILE_VARIABLE) or DEFAULT_PROFILE
    settings.load_profile(name)
    return name
