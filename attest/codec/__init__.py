"""Encodings: bytes in, values out, and back, with exactly one accepted spelling of each value.

Everything attest signs or hashes is bytes, so two parties must turn one value into the same
bytes and read those bytes back to the same value. Every reader here is strict (a second
spelling of a value is refused, not normalised) and bounded (size and depth are checked before
the work), and every refusal is a :class:`~attest.errors.MalformedError` with a stable code.

- :mod:`~attest.codec.canonical`: RFC 8785 (JCS) bytes of a JSON value, and ``parse_json``,
  the reader for hostile JSON: UTF-8, no duplicate names, no NaN, integers within ±(2^53 - 1)
  (specs/canonical-json.md).
- :mod:`~attest.codec.cbor`: RFC 8949 §4.2.1 deterministic CBOR (map keys in bytewise order
  of their encodings) and a decoder that checks the strict profile before building a value
  (specs/cbor.md).
- :mod:`~attest.codec.digest`: ``sha256:`` followed by 64 lowercase hex digits, the one way a
  content digest is written.
- :mod:`~attest.codec.b64`, :mod:`~attest.codec.multibase`: padded base64 with zero pad bits
  only; multibase ``z`` (base58btc) and ``u`` (base64url), multicodec varints (specs/keys.md §3).
- :mod:`~attest.codec.dates`, :mod:`~attest.codec.duration`: XSD ``dateTimeStamp`` (a time
  zone is required) and durations as people write them (``90d``, ``1d12h``).
- :mod:`~attest.codec.document`: one reader for the small TOML-or-JSON files people edit
  (pacts, results, policies).

For example, members sorted, no white space, non-ASCII as raw UTF-8, ``1.0`` written ``1``::

    >>> from attest.codec.canonical import canonicalize, parse_json
    >>> canonicalize({"b": 1.0, "a": [True, None, "é"]})
    b'{"a":[true,null,"\\xc3\\xa9"],"b":1}'
    >>> from attest.codec.digest import hash_bytes
    >>> str(hash_bytes(b"hello\\n"))
    'sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03'
    >>> parse_json(b'{"a": 1, "a": 2}')
    Traceback (most recent call last):
    attest.errors.MalformedError: json.duplicate_key: object member name 'a' appears twice

The bottom layer (ARCHITECTURE.md): it imports only :mod:`attest.errors` and itself, and
nothing here reads a file or a clock (hashing a file is :func:`attest.files.hash_file`).
"""
