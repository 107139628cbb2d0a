"""``attest status``: an issuer's revocation and suspension lists (W3C Bitstring Status List)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._errors import handle_errors
from ._input import read_input
from ._keys import load_signing_key

if TYPE_CHECKING:
    from attest.store.status import StatusStore

__all__ = ["status"]

_DIR = click.Path(path_type=Path, file_okay=False)
_EXISTING_DIR = click.Path(path_type=Path, file_okay=False, exists=True)
_EXISTING_FILE = click.Path(path_type=Path, dir_okay=False, exists=True)


def _emit(data: dict[str, Any], as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2) if as_json else text)


def _target_index(store: StatusStore, index: int | None, bundle: Path | None, purpose: str) -> int:
    """The index given, or the one the bundle's credential holds for ``purpose`` in this store."""
    from attest.errors import UsageError
    from attest.evaluation.bundle import parse_bundle
    from attest.evaluation.inspection import credential_document
    from attest.vc.status_list import credential_entries

    if (index is None) == (bundle is None):
        raise UsageError("cli.usage", "give exactly one of --index and --bundle")
    if index is not None:
        return index
    assert bundle is not None
    document = credential_document(parse_bundle(read_input(bundle, "bundle")))
    entries = [e for e in credential_entries(document) if e.purpose == purpose]
    if not entries:
        raise UsageError(
            "status_store.no_entry", f"the bundle's credential has no {purpose} status entry"
        )
    entry = entries[0]
    if entry.list_url != store.list_url(purpose):
        raise UsageError(
            "status_store.wrong_list",
            f"the credential's {purpose} status is kept at {entry.list_url}, "
            f"not in this store ({store.list_url(purpose)})",
        )
    return entry.index


def _change(
    directory: Path,
    index: int | None,
    bundle: Path | None,
    action: str,
    reason: str | None = None,
) -> None:
    from attest.store.status import open_store

    purpose = "revocation" if action == "revoke" else "suspension"
    with open_store(directory, write=True) as store:
        target = _target_index(store, index, bundle, purpose)
        already = store.get(target, purpose) and action != "reinstate"
        getattr(store, action)(target)
        if reason is not None:
            store.record_reason(target, purpose, reason)
        revoked = store.get(target, "revocation")
        suspended = store.get(target, "suspension")
    state = "revoked" if revoked else "suspended" if suspended else "active"
    why = f", reason {reason}" if reason is not None else ""
    note = " (it already was)" if already else ""
    click.echo(f"index {target}: {state}{why}{note} (publish to make it visible)")


def _reason_option(f: Any) -> Any:
    from attest.store.status import REASONS

    return click.option(
        "--reason",
        type=click.Choice(REASONS),
        default="unspecified",
        show_default=True,
        help="Why: recorded in the store and shown by 'attest status show'.",
    )(f)


def _index_option(f: Any) -> Any:
    f = click.option("--bundle", type=_EXISTING_FILE, help="Take the index from this bundle.")(f)
    return click.option("--index", type=click.IntRange(min=0), help="The status list index.")(f)


@click.group()
def status() -> None:
    """Revocation and suspension lists for the credentials you issue.

    A store keeps two lists sharing indices, published at <URL>/revocation and
    <URL>/suspension; changes take effect for verifiers when you publish.
    """


@status.command()
@click.argument("directory", type=_DIR)
@click.option(
    "--url",
    "url_base",
    required=True,
    help="Base URL; lists live at <URL>/revocation, /suspension.",
)
@click.option(
    "--size",
    type=int,
    default=131_072,
    show_default=True,
    help="Entries per list (a multiple of 8, at least 131072).",
)
@handle_errors
def init(directory: Path, url_base: str, size: int) -> None:
    """Create an empty status store in DIRECTORY."""
    from attest.store.status import init as init_store
    from attest.vc.status_list import PURPOSES

    with init_store(directory, url_base, size) as store:
        click.echo(f"created status store in {directory} ({store.size} entries per list)")
        for purpose in PURPOSES:
            click.echo(f"{purpose}: {store.list_url(purpose)}")


@status.command()
@click.argument("directory", type=_EXISTING_DIR)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def allocate(directory: Path, as_json: bool) -> None:
    """Reserve a random unused index and print its credentialStatus entries."""
    from attest.store.status import open_store

    with open_store(directory, write=True) as store:
        allocation = store.allocate()
    entries = allocation.credential_status()
    _emit(
        {"index": allocation.index, "credentialStatus": entries},
        as_json,
        f"index {allocation.index}\n" + json.dumps(entries, indent=2),
    )


@status.command()
@click.argument("directory", type=_EXISTING_DIR)
@_index_option
@_reason_option
@handle_errors
def revoke(directory: Path, index: int | None, bundle: Path | None, reason: str) -> None:
    """Revoke a credential, permanently."""
    _change(directory, index, bundle, "revoke", reason)


@status.command()
@click.argument("directory", type=_EXISTING_DIR)
@_index_option
@_reason_option
@handle_errors
def suspend(directory: Path, index: int | None, bundle: Path | None, reason: str) -> None:
    """Suspend a credential until it is reinstated."""
    _change(directory, index, bundle, "suspend", reason)


@status.command()
@click.argument("directory", type=_EXISTING_DIR)
@_index_option
@handle_errors
def reinstate(directory: Path, index: int | None, bundle: Path | None) -> None:
    """Lift a suspension (a revoked credential stays revoked)."""
    _change(directory, index, bundle, "reinstate")


@status.command()
@click.argument("directory", type=_EXISTING_DIR)
@click.option(
    "--key",
    "key_path",
    required=True,
    type=_EXISTING_FILE,
    help="The issuer's signing key (the same key that signs its credentials).",
)
@click.option("--valid-for", default="1d", show_default=True, help="List validity, e.g. 1d, 12h.")
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=_DIR,
    help="Write the lists here (default: DIRECTORY/published).",
)
@click.option("--now", help="Publish as of this time (XSD dateTimeStamp); default: the clock.")
@handle_errors
def publish(
    directory: Path, key_path: Path, valid_for: str, out_dir: Path | None, now: str | None
) -> None:
    """Sign both lists as status list credentials and write them, ready to serve.

    Serve each file at its list URL with media type application/vc.
    """
    from attest.codec.dates import parse_datetime_stamp
    from attest.codec.duration import parse_duration
    from attest.store.status import PUBLISHED_DIR, open_store
    from attest.vc.status_list import PURPOSES

    validity = parse_duration(valid_for)
    when = parse_datetime_stamp(now) if now else datetime.now(UTC)
    named = load_signing_key(key_path)
    target = out_dir if out_dir is not None else directory / PUBLISHED_DIR
    with open_store(directory, write=True) as store:
        credentials = store.publish(named.private_key, when, validity, target)
    for purpose, credential in zip(PURPOSES, credentials, strict=True):
        until = credential.get("validUntil")
        click.echo(f"wrote {target / purpose}  ({credential['id']}, valid until {until})")


@status.command()
@click.argument("directory", type=_EXISTING_DIR)
@click.option("--index", type=click.IntRange(min=0), help="Also show this index's state.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def show(directory: Path, index: int | None, as_json: bool) -> None:
    """Print the store's URLs, issuer and counts (and one index's state)."""
    from attest.store.status import open_store

    with open_store(directory, write=False) as store:
        summary = store.summary()
        data: dict[str, Any] = {
            "urlBase": summary.url_base,
            "size": summary.size,
            "issuer": summary.issuer,
            "lists": dict(summary.list_urls),
            "allocated": summary.allocated,
            "revoked": summary.revoked,
            "suspended": summary.suspended,
        }
        if index is not None:
            data["index"] = {
                "index": index,
                "allocated": store.is_allocated(index),
                "revoked": store.get(index, "revocation"),
                "suspended": store.get(index, "suspension"),
                "revocationReason": store.reason(index, "revocation"),
                "suspensionReason": store.reason(index, "suspension"),
            }
    lines = [
        f"url base:  {summary.url_base}",
        *(f"{p + ':':<11}{u}" for p, u in summary.list_urls.items()),
        f"issuer:    {summary.issuer or '(not published yet)'}",
        f"entries:   {summary.size} per list",
        f"allocated: {summary.allocated}",
        f"revoked:   {summary.revoked}",
        f"suspended: {summary.suspended}",
    ]
    if index is not None:
        state = data["index"]
        flags = [k for k in ("allocated", "revoked", "suspended") if state[k]]
        reasons = [
            f"{k.removesuffix('Reason')} reason {state[k]}"
            for k in ("revocationReason", "suspensionReason")
            if state[k]
        ]
        lines.append(f"index {index}: {', '.join(flags + reasons) or 'unallocated'}")
    _emit(data, as_json, "\n".join(lines))


@status.command()
@click.argument("bundle_path", metavar="BUNDLE", type=_EXISTING_FILE)
@click.option(
    "--status",
    "status_files",
    required=True,
    multiple=True,
    type=_EXISTING_FILE,
    help="A published status list credential the bundle's credential refers to (repeat: "
    "give its revocation and its suspension list).",
)
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
@handle_errors
def staple(bundle_path: Path, status_files: tuple[Path, ...], out: Path, force: bool) -> None:
    """Carry status list credentials in a bundle, so a verifier offline can check revocation.

    Each list must be one the credential's credentialStatus names (by its id); the lists the
    bundle already carried are replaced. The lists are not verified here: the verifier checks
    their signature, issuer and freshness like any other list.
    """
    import os

    from attest import _fs
    from attest.codec.canonical import parse_json
    from attest.errors import UsageError
    from attest.evaluation.bundle import MAX_STATUS_LISTS, Bundle, parse_bundle
    from attest.evaluation.inspection import credential_document
    from attest.vc.status_list import CREDENTIAL_TYPE, credential_entries

    if len(status_files) > MAX_STATUS_LISTS:
        raise UsageError("status.too_many_lists", f"at most {MAX_STATUS_LISTS} lists per bundle")
    bundle = parse_bundle(read_input(bundle_path, "bundle"))
    wanted = {e.list_url for e in credential_entries(credential_document(bundle))}
    if not wanted:
        raise UsageError(
            "status_store.no_entry", "the bundle's credential has no credentialStatus to staple"
        )
    lists: list[dict[str, Any]] = []
    for path in status_files:
        doc = parse_json(read_input(path, "status"))
        types = doc.get("type") if isinstance(doc, dict) else None
        if not isinstance(doc, dict) or not isinstance(types, list) or CREDENTIAL_TYPE not in types:
            raise UsageError("status.not_a_list", f"{path} is not a {CREDENTIAL_TYPE}")
        if doc.get("id") not in wanted:
            raise UsageError(
                "status.not_referenced",
                f"{path} is the list {str(doc.get('id'))[:200]!r}, which the credential does "
                f"not name (it names {', '.join(sorted(wanted))})",
            )
        if any(d.get("id") == doc.get("id") for d in lists):
            raise UsageError("status.duplicate_list", f"{path}: the same list is given twice")
        lists.append(doc)
    stapled = Bundle(
        bundle.credential,
        bundle.log_origin,
        bundle.log_key,
        bundle.entries,
        bundle.evidence_data,
        None,
        tuple(lists),
    )
    data = stapled.encode()
    if force:
        _fs.write_atomic(out, data)
    else:
        try:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            raise UsageError("cli.exists", f"{out} exists; use --force to overwrite it") from None
        _fs.write_and_close(fd, data)
    missing = wanted - {d["id"] for d in lists}
    note = f" (not stapled: {', '.join(sorted(missing))})" if missing else ""
    click.echo(f"wrote {out} with {len(lists)} status list(s){note}")
