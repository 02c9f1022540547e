"""The clinic admin's staff page: who works here with which roles, and the
changes of that, each taking the number of people it should.

Granting a role, to someone new or to a colleague, and reactivating an
account are proposals that a second clinic admin of the same clinic approves
(:mod:`~clinic.administration.staff.services`); taking a role away or
deactivating an account takes effect at once.  A new person's first sign-in
goes through a one-time link sent by e-mail, and so does a new authenticator
after a reset (:mod:`~clinic.administration.staff.enrolment`).
"""
