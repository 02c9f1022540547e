import pytest

# The shared checks in helpers.py assert; rewritten like the tests' own asserts,
# their failures show the values compared.
pytest.register_assert_rewrite("tests.attachment.engine.patterns.helpers")
