"""Adapters: webhooks of real systems, each a thin translation onto the
contacts API's service (:func:`attachment.ingestion.services.contacts_ingest`).

Each adapter is an integration of its own kind, named in its URL by
``Integration.hook_id`` (not a secret) and authenticated by a signature made
with ``Integration.signing_secret`` instead of a bearer token:

* :mod:`.sms_voice`: an SMS and voice service in Twilio's webhook format;
* :mod:`.signed_json`: the contacts API's JSON, signed with HMAC-SHA256 over
  a timestamp and the body, for any other system.

What the two share (finding the integration, the body's size limit, counting
calls and refusals, JSON errors) lives in :mod:`.views`; the signature
schemes in :mod:`.signatures`.
"""
