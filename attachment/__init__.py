"""Between-session records and the patterns in them.

"Attachment" is meant as in attachment theory: the bond between client and
therapist, and what happens to it between sessions (contacts, ruptures and
repairs, dependency, the therapist's own availability).  One Django app, one
model and migration history, in feature packages:

* ``models/``: every model of the app.
* ``records/``: contacts, ruptures, observations, measures, coping plans,
  their derived facts, the boundary refresh, the contact import, the
  timeline and the client chart.
* ``engine/``: the pattern engine (pure detectors in ``patterns/``, the
  set-based reads, the scan and flag upsert, scan runs, tasks); no views.
* ``review/``: the flag queue, the flag page and the review steps.
* ``supervision/``: supervision sessions, action items, notifications and
  the daily digest.
* ``oversight/``: the caseload and clinic overviews, detector settings.
* ``demo/``: the demo's histories and stories.

Feature packages use ``models``, ``records`` and ``engine``, never each
other's views.
"""
