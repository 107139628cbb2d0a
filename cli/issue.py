"""``attest issue`` and ``attest inspect``: write a credential bundle, and read one."""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._errors import handle_errors, printable
from ._input import is_stdio, read_input
from ._keys import load_signing_key
from ._output import refuse_existing, write_output
from ._passphrase import passphrase_options

if TYPE_CHECKING:
    from attest.evaluation.credential import SupersededRef
    from attest.evaluation.pact import Pact
    from attest.evaluation.results import Results
    from attest.keys.ed25519 import PrivateKey
    from attest.vc.status_list import StatusEntry

__all__ = ["inspect", "issue"]

_PROGRESS_BYTES = 64 << 20


def _now(value: str | None) -> datetime:
    from attest.codec.dates import parse_datetime_stamp

    return parse_datetime_stamp(value) if value else datetime.now(UTC)


@click.command()
@click.option(
    "--key",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The evaluator's signing key (the credential's issuer).",
)
@click.option(
    "--log",
    "log_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="The evidence log directory.",
)
@click.option(
    "--log-key",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The log's key, if log.json does not name it.",
)
@click.option("--subject", required=True, help="The evaluated agent: a DID or URI.")
@click.option(
    "--pact",
    "pact_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The pact (TOML or JSON).",
)
@click.option(
    "--results",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The measured results (TOML or JSON).",
)
@click.option(
    "--evidence",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="An evidence file; repeat for more. Hashed (streaming) and logged.",
)
@click.option("--valid-for", default="90d", show_default=True, help="Validity, e.g. 90d, 12h.")
@click.option(
    "--format",
    "encoding",
    type=click.Choice(["json", "cbor"]),
    default="json",
    show_default=True,
    help="The credential's encoding: JSON (W3C Data Integrity) or CBOR (COSE).",
)
@click.option(
    "--cose-alg",
    type=click.Choice(["EdDSA", "Ed25519"]),
    default="EdDSA",
    show_default=True,
    help="COSE alg of a --format cbor credential: EdDSA (-8) is read by most COSE libraries, "
    "Ed25519 (-19, RFC 9864) by fewer so far; the signature is the same.",
)
@click.option("--embed-evidence", is_flag=True, help="Put the evidence bytes in the bundle.")
@click.option(
    "--status",
    "status_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="A status store ('attest status init'): allocate a revocation/suspension index.",
)
@click.option(
    "--no-status",
    is_flag=True,
    help="Issue without a status entry: the credential can never be revoked or suspended "
    "(verifiers with require_status, the default, refuse it).",
)
@click.option(
    "--same-key",
    is_flag=True,
    help="Allow the issuing key to be the log's key (not recommended: whoever steals it can "
    "then rewrite the log's history too).",
)
@click.option(
    "--supersedes",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Recertify: the new credential names this earlier bundle's credential (same issuer, "
    "subject and pact) as the one it replaces, and the earlier one is revoked in the --status "
    "store with reason 'superseded' (publish the lists to make it visible).",
)
@click.option("--now", help="Issue as of this time (RFC 3339 / XSD dateTimeStamp).")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    help="Where to write the bundle; - writes it to standard output (the report goes to "
    "standard error then).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite an existing output file (without it an existing bundle, perhaps one already "
    "handed out or revoked, is never replaced).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Judge the results against the pact and show the outcomes; sign, log and write nothing.",
)
@click.option(
    "--allow-fail",
    is_flag=True,
    help="Issue even when the verdict is fail (a credential that records the failure).",
)
@passphrase_options
@handle_errors
def issue(
    key: Path,
    log_dir: Path,
    log_key: Path | None,
    subject: str,
    pact_file: Path,
    results: Path,
    evidence: tuple[Path, ...],
    valid_for: str,
    encoding: str,
    cose_alg: str,
    embed_evidence: bool,
    status_dir: Path | None,
    no_status: bool,
    same_key: bool,
    supersedes: Path | None,
    now: str | None,
    output: Path | None,
    force: bool,
    dry_run: bool,
    allow_fail: bool,
) -> None:
    """Log evidence, sign an evaluation credential, log it, and write the bundle.

    The pact's obligations are judged against the results here: outcomes and the verdict
    are computed, never typed in. Passphrases come from --passphrase-file, --passphrase-fd,
    ATTEST_PASSPHRASE or a prompt on the terminal.
    """
    from attest.codec.duration import parse_duration
    from attest.errors import UsageError
    from attest.evaluation.pact import parse_pact
    from attest.evaluation.results import parse_results
    from attest.issue import EvidenceFile
    from attest.issue import issue as issue_bundle
    from attest.store.log import Log, read_config
    from attest.tlog.note import Ed25519Signer

    if output is None and not dry_run:
        raise UsageError("cli.usage", "give the bundle's file with -o (or --dry-run)")
    if output is not None:
        refuse_existing(output, force=force)  # before anything is signed or logged
    pact = parse_pact(read_input(pact_file, "pact"))
    measured = parse_results(read_input(results, "results"))
    to_stderr = is_stdio(output)
    passed = _show_judgement(subject, pact, measured, err=to_stderr)
    if not passed and not allow_fail:
        click.echo(
            "error: issue.verdict_fail: the verdict is fail; fix the results or the pact, or "
            "give --allow-fail to issue a credential that records the failure",
            err=True,
        )
        raise click.exceptions.Exit(1)
    if dry_run or output is None:
        click.echo("dry run: nothing signed, logged or written", err=to_stderr)
        return
    if status_dir is None and not no_status:
        raise UsageError(
            "issue.no_status",
            "without --status the credential can never be revoked or suspended; give a status "
            "store (attest status init) or --no-status to issue it anyway",
        )
    if status_dir is not None and no_status:
        raise UsageError("cli.usage", "--status and --no-status exclude each other")
    validity = parse_duration(valid_for)
    when = _now(now)
    config = read_config(log_dir)
    if log_key is None:
        if config.key_file is None:
            raise UsageError("log.no_key", "give the log's key with --log-key")
        log_key = log_dir / config.key_file
    issuer = load_signing_key(key)
    log_signer = issuer if log_key.resolve() == key.resolve() else load_signing_key(log_key)
    if log_signer.public_key == issuer.public_key and not same_key:
        raise UsageError(
            "issue.same_key",
            "the issuing key is also the log's key: a thief of one key could then sign "
            "credentials and rewrite the log's history to back-date them; use a separate log "
            "key (attest key generate) or --same-key",
        )
    replaced = _superseded(supersedes, issuer.private_key, subject, pact.id, status_dir)
    total = sum(p.stat().st_size for p in evidence)
    bar: Any = (
        click.progressbar(length=total, label="hashing evidence", file=None)
        if total > _PROGRESS_BYTES
        else nullcontext()
    )
    signer = Ed25519Signer(config.origin, log_signer.private_key)
    status = None
    if status_dir is not None:
        from attest.store.status import open_store

        with open_store(status_dir, write=True) as store:
            allocation = store.allocate()
        status = allocation.credential_status()
    with Log.open(log_dir, signer, write=True) as log, bar as progress:
        bundle = issue_bundle(
            log=log,
            issuer=issuer.private_key,
            subject=subject,
            pact=pact,
            results=measured,
            evidence=[EvidenceFile(p) for p in evidence],
            now=when,
            valid_for=validity,
            encoding="cbor" if encoding == "cbor" else "json",
            embed_evidence=embed_evidence,
            status=status,
            progress=progress.update if progress is not None else None,
            cose_alg=cose_alg,
            supersedes=replaced.ref if replaced is not None else None,
        )
    data = bundle.encode()
    write_output(output, data, force=force)
    if replaced is not None and status_dir is not None:
        _revoke_superseded(status_dir, replaced, err=to_stderr)
    entry = bundle.credential_entry
    where = "standard output" if to_stderr else str(output)
    click.echo(f"wrote {where} ({encoding}, {len(data)} bytes)", err=to_stderr)
    click.echo(
        f"credential {entry.decoded.name} logged at index {entry.index} in {log.origin}",
        err=to_stderr,
    )
    click.echo(
        f"evidence: {len(bundle.evidence_entries)} item(s); checkpoint covers them all",
        err=to_stderr,
    )


def _show_judgement(subject: str, pact: Pact, measured: Results, *, err: bool) -> bool:
    """Print the verdict and every obligation's outcome, and warn about results the pact does
    not name and obligations never measured (a typo in a metric name shows as both);
    whether the verdict is pass."""
    from attest.evaluation.results import PASS, evaluate

    evaluation = evaluate(subject, pact, measured)

    def echo(line: str) -> None:
        click.echo(printable(line), err=err)

    echo(f"verdict      {evaluation.verdict} against {pact.id} v{pact.version}")
    for o in evaluation.outcomes:
        ob = o.obligation
        value = "not measured" if o.measured is None else f"measured {o.measured}"
        echo(
            f"  {o.outcome:<12} [{ob.dimension}] {ob.metric} {ob.comparator} {ob.threshold} "
            f"{ob.unit} ({value})"
        )
    named = {ob.metric for ob in pact.obligations}
    for m in measured.measurements:
        if m.metric not in named:
            echo(f"warning: the results measure {m.metric}, which the pact does not name")
    for o in evaluation.outcomes:
        if o.measured is None:
            echo(f"warning: obligation {o.obligation.metric} was never measured")
    return evaluation.verdict == PASS


@dataclass(frozen=True)
class _Replaced:
    """The credential a recertification replaces: its reference and its revocation entry."""

    ref: SupersededRef
    revocation: StatusEntry | None


def _superseded(
    path: Path | None, issuer: PrivateKey, subject: str, pact_id: str, status_dir: Path | None
) -> _Replaced | None:
    """Read and check the bundle ``--supersedes`` names: signed by this issuer's key (its
    signature is verified), about the same subject and pact."""
    if path is None:
        return None
    from attest.errors import UsageError
    from attest.evaluation.bundle import parse_bundle
    from attest.evaluation.credential import SupersededRef, open_credential
    from attest.keys.did_key import encode_did_key
    from attest.vc.status_list import credential_entries

    old = parse_bundle(read_input(path, "bundle"))
    opened = open_credential(old.credential)
    claims = opened.claims
    if claims.issuer != encode_did_key(issuer.public_key):
        raise UsageError("issue.supersedes_other_issuer", f"{path} was issued by another key")
    if (claims.subject, claims.pact_id) != (subject, pact_id):
        raise UsageError(
            "issue.supersedes_other_evaluation",
            f"{path} is about {claims.subject} against {claims.pact_id}; a recertification "
            "keeps the subject and the pact",
        )
    revocation = next(
        (e for e in credential_entries(opened.document) if e.purpose == "revocation"), None
    )
    if revocation is not None and status_dir is None:
        raise UsageError(
            "issue.supersedes_needs_status",
            f"{path} can be revoked: give its status store with --status so it is revoked as "
            "superseded",
        )
    ref = SupersededRef(claims.id, old.credential_entry.decoded.digest)
    return _Replaced(ref, revocation)


def _revoke_superseded(status_dir: Path, replaced: _Replaced, *, err: bool) -> None:
    from attest.errors import UsageError
    from attest.store.status import open_store

    entry = replaced.revocation
    if entry is None:
        click.echo(f"superseded {replaced.ref.id} (it has no status entry to revoke)", err=err)
        return
    with open_store(status_dir, write=True) as store:
        if entry.list_url != store.list_url("revocation"):
            raise UsageError(
                "status_store.wrong_list",
                f"the superseded credential's revocation list is {entry.list_url}, not this "
                f"store's; revoke it in its own store",
            )
        store.revoke(entry.index)
        store.record_reason(entry.index, "revocation", "superseded")
    click.echo(
        f"superseded {replaced.ref.id}: revoked at index {entry.index} (reason superseded; "
        "publish the status lists to make it visible)",
        err=err,
    )


@click.command()
@click.argument(
    "bundle_file", type=click.Path(path_type=Path, dir_okay=False, exists=True, allow_dash=True)
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def inspect(bundle_file: Path, as_json: bool) -> None:
    """Show what a bundle claims (BUNDLE_FILE - reads standard input). Nothing is verified
    here: use 'attest verify'."""
    from attest.evaluation.bundle import parse_bundle
    from attest.evaluation.inspection import describe

    view = describe(parse_bundle(read_input(bundle_file, "bundle")))
    if as_json:
        click.echo(json.dumps(view, indent=2))
        return
    _render(view)


def _obj(value: Any) -> dict[str, Any]:
    """The view shows unverified claims: anything not of the expected shape shows as absent."""
    return value if isinstance(value, dict) else {}


def _objs(value: Any) -> list[dict[str, Any]]:
    return [_obj(v) for v in value] if isinstance(value, list) else []


def _render(view: dict[str, Any]) -> None:
    """The view for people; every line made printable (the claims are a stranger's)."""
    cred = view["credential"]

    def echo(line: str) -> None:
        click.echo(printable(line))

    echo(f"UNVERIFIED view of a {view['encoding'].upper()} bundle (run 'attest verify' to check)")
    echo(f"credential   {cred['id']}")
    echo(f"issuer       {cred['issuer']}")
    echo(f"subject      {cred['subject']}")
    echo(f"valid        {cred['validFrom']} .. {cred['validUntil'] or 'no expiry'}")
    pact = _obj(cred["pact"])
    echo(f"pact         {pact.get('id')} v{pact.get('version')} ({pact.get('digest')})")
    echo(f"method       {cred['method']}")
    period = _obj(cred["evaluationPeriod"])
    echo(f"period       {period.get('start')} .. {period.get('end')}")
    echo(f"verdict      {cred['verdict']}")
    dims = _obj(cred.get("dimensions"))
    if dims:
        echo("dimensions   " + ", ".join(f"{d} {r}" for d, r in dims.items()))
    supersedes = _obj(cred.get("supersedes"))
    if supersedes:
        echo(f"supersedes   {supersedes.get('id')} ({supersedes.get('digest')})")
    echo("obligations")
    for o in _objs(cred["outcomes"]):
        echo(
            f"  {o.get('outcome', '?')!s:<8} [{o.get('dimension')}] {o.get('metric')} "
            f"{o.get('comparator')} {o.get('threshold')} {o.get('unit')}"
        )
    echo("measurements")
    for m in _objs(cred["measurements"]):
        n = f" (n={m['sampleSize']})" if "sampleSize" in m else ""
        echo(f"  {m.get('metric')} = {m.get('value')} {m.get('unit')}{n}")
    cp = view["log"]["checkpoint"]
    echo(f"log          {view['log']['origin']} checkpoint size {cp['size']} root {cp['root']}")
    for e in view["entries"]:
        echo(f"  #{e['index']:<8} {e['role']:<10} {e['digest']} {e['name'] or ''}")
    if view["embeddedEvidence"]:
        echo(f"embedded     {len(view['embeddedEvidence'])} evidence file(s)")
