"""Why inline contexts stay refused under eddsa-rdfc-2022 (specs/vc-api.md §8): an inline
context that swaps two @vocab-derived terms keeps the signed RDF while the JSON says the
opposite, and neither term is one the agreement check (vc.aliased_term) reads."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from attest.errors import MalformedError
from attest.vc import data_integrity as di
from tests.test_data_integrity_rdfc import SIGNED

VOCAB = "https://www.w3.org/ns/credentials/issuer-dependent#"


@pytest.mark.parametrize(
    "context",
    [
        {"alumniOf": VOCAB + "favouriteColour", "favouriteColour": VOCAB + "alumniOf"},
        {"expires": "https://www.w3.org/2018/credentials#validUntil"},
        {"@vocab": "https://example.org/"},
    ],
)
def test_inline_context_refused_under_rdfc(context: dict[str, str]) -> None:
    document: Any = copy.deepcopy(SIGNED)
    document["@context"] = [*document["@context"], context]
    for verify in (di.verify_proof, di.verify_proof_set):
        with pytest.raises(MalformedError) as info:
            verify(document)
        assert info.value.code == "di.unsigned_context"
