from tests.matrix import ADMIN_ONLY, ANON, CLINICAL_READ, OUTSIDER, Row, expect

ROWS = [
    Row(
        "clinic:home",
        expected=expect(
            {role: 200 for role in CLINICAL_READ}, admin=302, anonymous=302
        ),
    ),
    Row("clinic:client", lambda w: [w.client.pk], expected=CLINICAL_READ),
    Row("clinic:manage_clients", expected=expect(ADMIN_ONLY, **{OUTSIDER: 200})),
    Row("clinic:policy_default", expected=expect(ADMIN_ONLY, **{OUTSIDER: 200})),
    Row(
        "clinic:policy_default",
        method="POST",
        expected=expect(ADMIN_ONLY, **{OUTSIDER: 200}),
    ),
    Row(
        "clinic:policy_client",
        lambda w: [w.client.pk],
        expected={**{role: 404 for role in CLINICAL_READ}, "admin": 200, ANON: 302},
    ),
    Row(
        "clinic:policy_client",
        lambda w: [w.client.pk],
        method="POST",
        expected={**{role: 404 for role in CLINICAL_READ}, "admin": 200, ANON: 302},
    ),
    Row(
        "clinic:policy_client_remove",
        lambda w: [w.client.pk],
        method="POST",
        expected={**{role: 404 for role in CLINICAL_READ}, "admin": 302, ANON: 302},
    ),
]
