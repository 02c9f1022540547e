"""The between-sessions agreement: the terms in force at any moment, the
therapist's pages to write, print and acknowledge it, and the supervisor's
approval of one wider than the clinic's frame."""
