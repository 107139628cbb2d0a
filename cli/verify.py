"""``attest verify`` and ``attest policy``: decide whether to rely on an agent, and say why."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._errors import handle_errors, printable
from ._input import is_stdio, read_input
from ._template import template_command

if TYPE_CHECKING:
    from attest.tlog.consistency import ConsistencyProof

__all__ = ["policy", "verify"]

EXIT_ACCEPT, EXIT_REJECT, EXIT_MALFORMED = 0, 1, 2


def default_state_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "attest" / "verifier-state.json"


@click.command(
    epilog="Exit status: 0 accept, 1 reject, 2 malformed input or usage error "
    "(specs/verification.md)."
)
@click.argument(
    "bundles",
    nargs=-1,
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True, allow_dash=True),
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Your trust policy (TOML; 'attest policy init' writes one). Required unless --server.",
)
@click.option(
    "--pact",
    "pact_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The pact itself (TOML or JSON): each credential must name its digest and state its "
    "obligations exactly.",
)
@click.option(
    "--status",
    "status_files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A status list credential to check revocation against; repeat for more.",
)
@click.option(
    "--evidence-dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="A folder holding evidence files; each one the credential cites by name is hashed.",
)
@click.option(
    "--consistency",
    "consistency_files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A consistency proof ('attest log consistency --json' output); repeat for more.",
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Remembered checkpoints, read and updated on every run so a later split view of a "
    f"log is caught (default {default_state_path()}, under $XDG_STATE_HOME or the home "
    "directory).",
)
@click.option("--no-state", is_flag=True, help="Neither read nor update remembered checkpoints.")
@click.option(
    "--log-tiles",
    "log_tiles",
    multiple=True,
    metavar="URL|DIR",
    help="A log's published tiles (a mirror directory or an http(s) URL), read to prove "
    "consistency with the remembered checkpoint; repeat for more logs.",
)
@click.option("--now", help="Decide as of this time (XSD dateTimeStamp), not the clock's.")
@click.option("--json", "as_json", is_flag=True, help="The decision as JSON (specs/).")
@click.option(
    "--server",
    metavar="URL",
    help="Have an attest server decide under its policy (all the bundles together, k-of-n; "
    "specs/service.md).",
)
@click.option(
    "--credential",
    "w3c",
    is_flag=True,
    help="The files are W3C credentials or presentations from any issuer, not bundles "
    "(specs/vc-api.md); no policy needed.",
)
@click.option(
    "--issuer",
    "issuers",
    multiple=True,
    metavar="DID",
    help="With --credential: the issuer must be this DID; repeat for more.",
)
@click.option("--challenge", help="With --credential: a presentation's expected challenge.")
@click.option("--domain", help="With --credential: a presentation's expected domain.")
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Print only the decision line (the exit status says it too).",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Show every step of every bundle, passed ones too."
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the decision line: auto colours it on a terminal unless NO_COLOR is set.",
)
@handle_errors
def verify(
    bundles: tuple[Path, ...],
    policy_file: Path | None,
    pact_file: Path | None,
    status_files: tuple[Path, ...],
    evidence_dir: Path | None,
    consistency_files: tuple[Path, ...],
    state_file: Path | None,
    no_state: bool,
    log_tiles: tuple[str, ...],
    now: str | None,
    as_json: bool,
    server: str | None,
    w3c: bool,
    issuers: tuple[str, ...],
    challenge: str | None,
    domain: str | None,
    quiet: bool,
    verbose: bool,
    color: str,
) -> None:
    """Verify BUNDLES offline under your policy and print the decision with every reason
    (a BUNDLES of - reads one from standard input).

    Checks each bundle's signature, issuer, validity, revocation status, log inclusion of
    the credential and its evidence, the log's checkpoint, witnesses and consistency with
    what this verifier saw before, then your policy's thresholds, freshness, decay and
    k-of-n rule, one trust dimension at a time. With --server, an attest server decides
    under its own policy instead, with the same output and exit status.
    """
    from attest.codec.canonical import parse_json
    from attest.codec.dates import parse_datetime_stamp
    from attest.errors import MalformedError, UsageError
    from attest.evaluation.pact import parse_pact
    from attest.files import hash_file, load_policy, load_state, save_state
    from attest.verifier.pipeline import verify as verify_bundles
    from attest.verifier.state import VerifierState

    if quiet and (verbose or as_json):
        raise UsageError("cli.usage", "--quiet excludes --verbose and --json")
    view = _View(quiet=quiet, verbose=verbose, color=_color(color))
    if sum(map(is_stdio, bundles)) > 1:
        raise UsageError("cli.usage", "standard input (-) can be read only once")
    if w3c:
        for name, value in (
            ("--policy", policy_file),
            ("--pact", pact_file),
            ("--server", server),
            ("--evidence-dir", evidence_dir),
            ("--consistency", consistency_files),
            ("--log-tiles", log_tiles),
        ):
            if value:
                raise UsageError("cli.usage", f"{name} is for bundles, not with --credential")
        when = parse_datetime_stamp(now) if now else datetime.now(UTC)
        _verify_w3c(bundles, status_files, issuers, challenge, domain, when, as_json)
        return
    if issuers or challenge or domain:
        raise UsageError("cli.usage", "--issuer, --challenge and --domain need --credential")
    if server is not None:
        local = {
            "--policy": policy_file,
            "--status": status_files,
            "--evidence-dir": evidence_dir,
            "--consistency": consistency_files,
            "--log-tiles": log_tiles,
            "--state": state_file,
            "--now": now,
        }
        if given := [name for name, value in local.items() if value]:
            raise UsageError("cli.usage", f"{', '.join(given)}: the server decides under its own")
        _verify_remote(server, list(bundles), as_json, view)
        return
    if policy_file is None:
        raise UsageError("cli.usage", "give your policy with --policy (or use --server)")
    policy = load_policy(policy_file)
    when = parse_datetime_stamp(now) if now else datetime.now(UTC)
    status_lists = []
    for f in status_files:
        doc = parse_json(read_input(f, "status"))
        if not isinstance(doc, dict):
            raise MalformedError("status.malformed", f"{f} is not a status list credential")
        status_lists.append(doc)
    supplied = {}
    if evidence_dir is not None:
        for p in sorted(evidence_dir.iterdir()):
            if p.is_file() and not p.is_symlink():  # a symlink is never followed
                supplied[p.name] = hash_file(p, follow=False)[0]
    proofs = [_consistency(f) for f in consistency_files]
    state_path = None if no_state else (state_file or default_state_path())
    state = load_state(state_path) if state_path is not None else VerifierState()
    inputs = {str(p): read_input(p, "bundle") for p in bundles}
    published = [*log_tiles, *(log.tiles for log in policy.logs if log.tiles)]
    if published:
        from attest.tiles_client import TileSource, proofs_for

        logs = {log.origin: log.verifier for log in policy.logs}
        sources = [TileSource(t) for t in published]
        proofs += proofs_for(sources, inputs.values(), state, logs)
    decision = verify_bundles(
        inputs,
        policy,
        now=when,
        state=state,
        status_lists=status_lists,
        evidence=supplied,
        consistency=proofs,
        pact=parse_pact(read_input(pact_file, "pact")) if pact_file is not None else None,
    )
    if state_path is not None and decision.state != state:
        state_path.parent.mkdir(parents=True, exist_ok=True)
        save_state(state_path, decision.state)
    if as_json:
        click.echo(json.dumps(decision.to_json(), indent=2))
    else:
        _render(decision.to_json(), view)
    malformed = decision.malformed
    if malformed:
        name, check = malformed[0]
        click.echo(printable(f"error: {check.code}: {name}: {check.reason}"), err=True)
        raise click.exceptions.Exit(EXIT_MALFORMED)
    raise click.exceptions.Exit(EXIT_ACCEPT if decision.accepted else EXIT_REJECT)


def _verify_w3c(
    files: tuple[Path, ...],
    status_files: tuple[Path, ...],
    issuers: tuple[str, ...],
    challenge: str | None,
    domain: str | None,
    now: datetime,
    as_json: bool,
) -> None:
    """Verify W3C credentials or presentations offline; print each result; exit 0/1/2."""
    from attest.codec.canonical import parse_json
    from attest.vc.verifier import verify_credential, verify_presentation

    lists: dict[str, Any] = {}
    for f in status_files:
        doc = parse_json(read_input(f, "status"))
        list_url = doc.get("id") if isinstance(doc, dict) else None
        if isinstance(list_url, str):
            lists[list_url] = doc
    results = {}
    for path in files:
        doc = parse_json(read_input(path, "credential"))
        types = doc.get("type") if isinstance(doc, dict) else None
        is_vp = types == "VerifiablePresentation" or (
            isinstance(types, list) and "VerifiablePresentation" in types
        )
        if is_vp:
            results[str(path)] = verify_presentation(
                doc,
                now=now,
                challenge=challenge,
                domain=domain,
                status_lists=lists.get,
                trusted_issuers=issuers or None,
            )
        else:
            results[str(path)] = verify_credential(
                doc, now=now, status_lists=lists.get, trusted_issuers=issuers or None
            )
    if as_json:
        click.echo(json.dumps({name: r.to_json() for name, r in results.items()}, indent=2))
    else:
        for name, r in results.items():
            verdict = "VERIFIED" if r.verified else "NOT VERIFIED"
            click.echo(
                f"{printable(name)}: {verdict} (checks passed: {', '.join(r.checks) or 'none'})"
            )
            for problem in r.errors:
                click.echo(f"  {problem.code}: {printable(problem.message)}")
    if any(r.malformed for r in results.values()):
        raise click.exceptions.Exit(EXIT_MALFORMED)
    ok = all(r.verified for r in results.values())
    raise click.exceptions.Exit(EXIT_ACCEPT if ok else EXIT_REJECT)


def _verify_remote(server: str, bundles: list[Path], as_json: bool, view: _View) -> None:
    """Post the bundles to the server (several: decided together, k-of-n); print its
    decision; exit as a local verification."""
    from attest.client import ServiceClient
    from attest.errors import RemoteError

    result = ServiceClient(server).verify([read_input(b, "bundle") for b in bundles])
    bundle = bundles[0] if len(bundles) == 1 else "the bundles"
    if as_json:
        click.echo(json.dumps(result.decision, indent=2))
    else:
        try:
            _render(result.decision, view)
        except (KeyError, TypeError, AttributeError) as exc:
            raise RemoteError("client.bad_response", f"not a decision: {exc}") from None
    if result.error is not None:
        message = printable(" ".join(result.error.message.split()))
        click.echo(f"error: {result.error.code}: {printable(str(bundle))}: {message}", err=True)
        raise click.exceptions.Exit(EXIT_MALFORMED)
    raise click.exceptions.Exit(EXIT_ACCEPT if result.accepted else EXIT_REJECT)


def _consistency(path: Path) -> ConsistencyProof:
    """The consistency proof in ``path`` ('attest log consistency --json' output)."""
    from attest.errors import LimitExceededError, MalformedError
    from attest.tlog.consistency import ConsistencyProof

    data = read_input(path, "consistency")
    try:
        return ConsistencyProof.from_json(data)
    except MalformedError as exc:
        error = LimitExceededError if isinstance(exc, LimitExceededError) else MalformedError
        raise error(exc.code, f"{path}: {exc.message}") from None


@dataclass(frozen=True)
class _View:
    """How much of a decision to show, and whether in colour (None: on a terminal only)."""

    quiet: bool = False
    verbose: bool = False
    color: bool | None = None


def _color(choice: str) -> bool | None:
    """``--color``: always, never, or (auto) on a terminal unless ``NO_COLOR`` is set to
    anything non-empty (no-color.org)."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return None


def _render(d: Mapping[str, Any], view: _View) -> None:
    """The decision (its JSON form, local or from a server) as a table for people: the
    decision line, then (unless quiet) the dimensions, each bundle with its failed and
    not-applicable steps (every step when verbose), and the reasons.

    Subjects, reasons and units can come from a stranger's credential: every line is made
    printable first, so no terminal escape sequence in a bundle reaches the terminal.
    """

    def echo(line: str) -> None:
        click.echo(printable(line))

    colors = {"accept": "green", "reject": "red", "malformed": "yellow"}
    verdict = printable(str(d["decision"]).upper())
    color = colors.get(str(d["decision"]), "red")
    subject = printable(str(d["subject"] or "(no single subject)"))
    click.secho(f"{verdict}  {subject}", fg=color, bold=True, color=view.color)
    if view.quiet:
        return
    if d["pact"]:
        echo(f"pact       {d['pact']}")
    evaluators = d["evaluators"]
    echo(f"evaluators {len(evaluators['counted'])} counted, {evaluators['required']} required")
    if d["expires"]:
        echo(f"expires    {d['expires']} (re-verify by then)")
    if d["evidenceAgeSeconds"] is not None:
        echo(f"evidence   {d['evidenceAgeSeconds'] // 86400} day(s) old at most")
    if d["dimensions"]:
        echo("dimensions")
        for v in d["dimensions"]:
            metrics = "; ".join(
                f"{m} {info['comparator']} {info['threshold']} (measured {info['measured']})"
                for m, info in v["metrics"].items()
            )
            echo(
                f"  {v['dimension']:<12} {v['result']:<9} {len(v['evaluators'])}/{v['required']} "
                f"evaluator(s)  {metrics}"
            )
            if v.get("against"):
                echo(f"  {'':<12} against: {', '.join(v['against'])}")
            if v.get("result") != "pass" and v.get("reason"):
                echo(f"  {'':<12} {v['reason']}")
    for b in d["bundles"]:
        who = b["issuerName"] or b["issuer"] or "?"
        state = "" if b["counted"] else "; not counted"
        if b.get("supersededBy"):
            state = f"; superseded by {b['supersededBy']}"
        echo(f"{b['bundle']}  (issuer {who}{state})")
        shown = [c for c in b["checks"] if view.verbose or c["result"] != "pass"]
        if len(shown) < len(b["checks"]):
            passed = len(b["checks"]) - len(shown)
            echo(f"  ok   {passed} step(s) passed (--verbose lists them)")
        for c in shown:
            mark = {"pass": "ok  ", "fail": "FAIL", "not-applicable": "n/a "}[c["result"]]
            code = f"{c['code']}: " if c["code"] and c["result"] == "fail" else ""
            echo(f"  {mark} {c['step']:<22} {code}{c['reason']}")
    if d["reasons"]:
        echo("reasons")
        for r in d["reasons"]:
            echo(f"  - {r}")


@click.group()
def policy() -> None:
    """Verification policies: whom you trust, for what, how fresh, how many."""


def _policy_template() -> str:
    from attest.verifier.policy import TEMPLATE

    return TEMPLATE


template_command(
    policy,
    default="policy.toml",
    what="policy",
    text=_policy_template,
    after=": fill in your issuers and logs before using it",
)


@policy.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@handle_errors
def check(file: Path) -> None:
    """Parse a policy and summarize what it trusts."""
    from attest.files import load_policy

    p = load_policy(file)
    for i in p.issuers:
        click.echo(f"issuer   {i.name}: {i.did} for {', '.join(sorted(i.dimensions))}")
    for lg in p.logs:
        click.echo(f"log      {lg.origin}")
    for w in p.witnesses:
        click.echo(f"witness  {w.name}")
    click.echo(f"quorum   {p.witness_quorum} witness(es); {p.min_evaluators} evaluator(s)")
    for t in p.thresholds:
        click.echo(f"require  [{t.dimension}] {t.metric} {t.comparator} {t.value}")
    for i in p.issuers:
        for lg in p.logs:
            if lg.verifier.public_key == i.public_key:
                click.echo(
                    f"warning: {i.name}'s key is also the key of log {lg.origin}: whoever steals "
                    "it can sign credentials and rewrite that log's history to back-date them; "
                    "use separate keys",
                    err=True,
                )
