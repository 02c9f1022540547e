"""Retention of records after the ending, legal holds, and destruction."""
