"""The ``attest`` command line: thin click commands over the library (installed as attest_cli)."""
