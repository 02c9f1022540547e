"""The access report: who read or changed a client's records, when, in which
role and from which address, read from the audit trail (metadata only, never
a record's text).

The client's treating therapist and the clinic admins of its clinic read it
(:func:`clinic.access_report.selectors.client_for_access_report`); the clinic
admin also has the clinic's month of accesses and the audit chain's last
check.  Opening the report, and exporting it as CSV (on the page or with
``manage.py access_report``), are themselves on the client's trail.
"""
