"""Cover during absences, and break-glass.

While a therapist is away, the colleague named as cover on the absence opens
a *cover page* for each of the absent therapist's clients: what is needed to
act (crisis steps, the contact policy, the coping plan, recent contacts,
open ruptures, live flags' sentences) and a form to log a contact, which the
therapist finds marked on return.  A clinician with no other way in opens
the same page for one client with break-glass access, for twelve hours, and
the clinic admin or the therapist's supervisor reviews it afterwards.

Who may open which page, and when, is :mod:`clinic.access`'s to decide.
"""
