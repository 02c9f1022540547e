"""The practice mailbox: an IMAP poller that turns new mail from and to client
addresses into contacts through :func:`attachment.ingestion.services.contacts_ingest`.

``responses`` reads IMAP's answers, ``messages`` turns one message's
envelope into a contact item, ``services`` polls the mailboxes and
``tasks`` is beat's way in.

What is read of a message is its envelope: the From, To, Cc, Date and
Message-ID header fields, its size and its MIME structure (for the length of
its text).  The body is fetched only where the clinic keeps message
previews, and then only the first octets of the first plain-text part, from
which the 200-character summary is cut; nothing else of it reaches memory,
and nothing of it reaches a log.

Mail From one of the practice's own addresses is ``from_therapist`` and names
its client by the first To or Cc address that is not the practice's; any
other mail is ``from_client`` and names its client by its sender.  An address
no client has lands in the unmatched inbox, as for any delivery.

What was seen is remembered twice: the mailbox's ``last_uid`` (within its
``uid_validity``) says where the next poll starts, and the Message-ID is the
item's ``external_id``, so that a message read again (after the server
renumbered the folder, or after a poll that stopped half-way) is a duplicate
and changes nothing.  The messages are never marked or moved: the folder is
opened read-only.
"""
