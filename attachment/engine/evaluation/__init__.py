"""Every detector measured on labelled synthetic histories.

:mod:`.populations` draws, for each of the eight detectors, a stable population
(therapy going as usual: nothing a supervisor needs to hear about) and one or
more true-pattern populations (the pattern the detector exists to find, from a
known onset).  The histories come from their own generative models, written
from the description of each pattern, never from the detectors' code.

:mod:`.measure` feeds them, scan by scan, to the pure detector functions of
:mod:`attachment.engine.patterns` (no database), merges consecutive findings
into flags the way the scan does, and counts false alarms per stable
client-year and the share of true-pattern clients flagged within each
detector's horizon.  ``manage.py eval_detectors`` prints the result; the
method and the figures are in ``attachment/engine/EVALUATION.md``.
"""
