"""`--cose-alg`: CBOR credentials under -8 (EdDSA, RFC 9053) or -19 (Ed25519, RFC 9864), and
attest's COSE_Sign1 read by stock pycose 1.1.0 (specs/cose.md §1).

pycose needs cbor2 5.x while attest uses 6.x, so it lives in its own virtual environment;
``ATTEST_PYCOSE_PYTHON`` names that interpreter (.ci/run creates it). Without it the pycose
tests are skipped, saying so.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import cbor2
import pytest

from attest.errors import UsageError
from attest.evaluation.bundle import Bundle, parse_bundle
from attest.evaluation.credential import open_credential, sign_cose
from attest.evaluation.pact import parse_pact
from attest.evaluation.results import parse_results
from attest.issue import issue
from attest.vc import cose
from tests.helpers.issuing import (
    EVIDENCE,
    ISSUER,
    NOW,
    PACT_TOML,
    RESULTS_TOML,
    SUBJECT,
    issue_fixed,
    new_log,
    write_evidence,
)
from tests.test_cli_issue import issue_args, keys, ok, run, world  # noqa: F401 (fixtures)

PYCOSE_PYTHON = os.environ.get("ATTEST_PYCOSE_PYTHON", "")

# Runs in the pycose interpreter: the message on stdin, the raw public key in hex as argv[1].
PYCOSE_SCRIPT = r"""
import json, sys
from pycose.messages import Sign1Message
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
data = sys.stdin.buffer.read()
try:
    msg = Sign1Message.decode(data)
    msg.key = OKPKey(crv=Ed25519, x=bytes.fromhex(sys.argv[1]))
    print(json.dumps({"verified": bool(msg.verify_signature()), "payload": msg.payload.hex()}))
except Exception as exc:
    print(json.dumps({"verified": False, "error": f"{type(exc).__name__}: {exc}"}))
"""


def _alg(message: bytes) -> int:
    tagged = cbor2.loads(message)
    alg = cbor2.loads(tagged.value[0])[1]
    assert isinstance(alg, int)
    return alg


def _unsigned(bundle: Bundle) -> dict[str, object]:
    assert isinstance(bundle.credential, bytes)
    return dict(open_credential(bundle.credential).document)


@pytest.fixture(scope="module")
def cbor_bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    return issue_fixed(tmp_path_factory.mktemp("cose-alg") / "x", encoding="cbor")


def test_default_is_eddsa_and_ed25519_on_request(cbor_bundle: Bundle) -> None:
    assert isinstance(cbor_bundle.credential, bytes)
    assert _alg(cbor_bundle.credential) == cose.ALG_EDDSA  # the default: most libraries read it
    unsigned = _unsigned(cbor_bundle)
    for name, value in (("EdDSA", -8), ("Ed25519", -19), (-8, -8), (-19, -19)):
        message = sign_cose(unsigned, ISSUER, alg=name)
        assert _alg(message) == value
        opened = open_credential(message)
        assert opened.document == unsigned
        assert f"alg {value}" in opened.how
    # Same payload, same Ed25519 key: only the protected header (and so the signature) differ.
    a, b = (cbor2.loads(sign_cose(unsigned, ISSUER, alg=x)).value for x in (-8, -19))
    assert a[2] == b[2] and a[0] != b[0]


@pytest.mark.parametrize("bad", ["ES256", "eddsa", -7, -53, 0, True, "-8"])
def test_other_algs_refused_when_signing(cbor_bundle: Bundle, bad: object) -> None:
    unsigned = _unsigned(cbor_bundle)
    with pytest.raises(UsageError) as err:
        sign_cose(unsigned, ISSUER, alg=bad)  # type: ignore[arg-type]
    assert err.value.code == "cose.bad_alg"
    with pytest.raises(UsageError):
        cose.sign(ISSUER, b"x", kid=b"k", alg=bad)  # type: ignore[arg-type]


def test_cose_sign_primitive_still_writes_ed25519_by_default() -> None:
    assert _alg(cose.sign(ISSUER, b"x", kid=b"k")) == -19
    message = cose.sign(ISSUER, b"x", kid=b"k", alg=cose.ALG_EDDSA)
    assert cose.verify(message, ISSUER.public_key).alg == -8
    with pytest.raises(Exception) as err:  # a verifier restricted to -19 refuses -8
        cose.verify(message, ISSUER.public_key, algorithms={cose.ALG_ED25519})
    assert getattr(err.value, "code", "") == "cose.unsupported_alg"


@pytest.mark.parametrize(("option", "alg"), [((), -8), (("--cose-alg", "Ed25519"), -19)])
def test_issue_cli_cose_alg(
    world: dict[str, Any],  # noqa: F811 (the fixture of tests/test_cli_issue.py)
    keys: dict[str, Path],  # noqa: F811
    option: tuple[str, ...],
    alg: int,
) -> None:
    out = world["dir"] / "bundle.cbor"
    ok(run(*issue_args(world, keys, out, "--format", "cbor", *option)))
    bundle = parse_bundle(out.read_bytes())
    assert isinstance(bundle.credential, bytes)
    assert _alg(bundle.credential) == alg
    assert f"alg {alg}" in open_credential(bundle.credential).how


def test_issue_cli_refuses_other_algs(
    world: dict[str, Any],  # noqa: F811
    keys: dict[str, Path],  # noqa: F811
) -> None:
    out = world["dir"] / "bundle.cbor"
    r = run(*issue_args(world, keys, out, "--format", "cbor", "--cose-alg", "ES256"))
    assert r.exit_code == 2 and not out.exists()


def issue_fixed_alg(root: Path, alg: str | int) -> Bundle:
    files = write_evidence(root / "evidence", EVIDENCE)
    with new_log(root / "log") as log:
        return issue(
            log=log,
            issuer=ISSUER,
            subject=SUBJECT,
            pact=parse_pact(PACT_TOML.encode()),
            results=parse_results(RESULTS_TOML.encode()),
            evidence=files,
            now=NOW,
            encoding="cbor",
            cose_alg=alg,
        )


def test_issue_library_cose_alg(tmp_path: Path) -> None:
    cases: list[tuple[str | int, int]] = [("Ed25519", -19), ("EdDSA", -8), (-19, -19)]
    for i, (name, value) in enumerate(cases):
        bundle = issue_fixed_alg(tmp_path / str(i), name)
        assert isinstance(bundle.credential, bytes)
        assert _alg(bundle.credential) == value


def test_issue_library_refuses_bad_alg_before_logging(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        issue_fixed_alg(tmp_path / "x", "ES256")
    # nothing was logged: the log holds no entry
    from attest.store.log import Log

    with Log.open(tmp_path / "x" / "log", write=False) as log:
        assert log.size == 0


def _pycose(message: bytes) -> dict[str, object]:
    if not PYCOSE_PYTHON or not Path(PYCOSE_PYTHON).exists():
        pytest.skip(
            "stock pycose 1.1.0 not available: set ATTEST_PYCOSE_PYTHON to a Python with "
            "pycose==1.1.0 and cbor2<6 (.ci/run makes one)"
        )
    done = subprocess.run(
        [PYCOSE_PYTHON, "-c", PYCOSE_SCRIPT, ISSUER.public_key.raw.hex()],
        input=message,
        capture_output=True,
        timeout=60,
        check=True,
    )
    result = json.loads(done.stdout)
    assert isinstance(result, dict)
    return result


def test_pycose_verifies_attest_cbor_bundle(cbor_bundle: Bundle) -> None:
    assert isinstance(cbor_bundle.credential, bytes)
    result = _pycose(cbor_bundle.credential)
    assert result.get("verified") is True, result
    assert (
        bytes.fromhex(str(result["payload"]))
        == cose.verify(cbor_bundle.credential, ISSUER.public_key).payload
    )


def test_pycose_refuses_a_damaged_signature(cbor_bundle: Bundle) -> None:
    assert isinstance(cbor_bundle.credential, bytes)
    damaged = bytearray(cbor_bundle.credential)
    damaged[-1] ^= 1
    assert _pycose(bytes(damaged)).get("verified") is False


def test_pycose_does_not_know_ed25519_minus_19(cbor_bundle: Bundle) -> None:
    """The measurement behind the default: pycose 1.1.0 has no -19 (specs/cose.md §1)."""
    message = sign_cose(_unsigned(cbor_bundle), ISSUER, alg="Ed25519")
    result = _pycose(message)
    assert result.get("verified") is False
    assert "-19" in str(result.get("error"))
