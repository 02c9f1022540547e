"""The client's copy of their record (right of access), printable."""
