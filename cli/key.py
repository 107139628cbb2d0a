"""``attest key``: generate, show and export Ed25519 signing keys.

The library modules are imported inside the commands, so ``attest --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from ._errors import handle_errors
from ._passphrase import read_passphrase

if TYPE_CHECKING:
    from attest.keys.ed25519 import PublicKey
    from attest.keys.keyfile import KeyFile

__all__ = ["key"]

_KDF_PRESETS = ("interactive", "moderate", "sensitive")
_FIELDS = (
    ("name", "name"),
    ("did", "did"),
    ("note_verifier_key", "note key"),
    ("fingerprint", "fingerprint"),
)


def _describe(name: str, public_key: PublicKey) -> dict[str, str]:
    """Everything public about a key, for printing."""
    from attest.keys.did_key import encode_did_key, verification_method_id
    from attest.tlog.note import format_verifier_key

    return {
        "name": name,
        "did": encode_did_key(public_key),
        "verification_method": verification_method_id(public_key),
        "note_verifier_key": format_verifier_key(name, public_key),
        "fingerprint": public_key.fingerprint(),
    }


def _render(info: dict[str, str | bool], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    fields = _FIELDS
    if "cosignature_vkey" in info:  # a witness key: its cosignature/v1 key, not a log's
        fields = (*_FIELDS[:2], ("cosignature_vkey", "cosign key"), _FIELDS[3])
    for field, label in fields:
        click.echo(f"{label + ':':<13}{info[field]}")


def _public_key(key_file: KeyFile) -> PublicKey:
    """The public key, unlocking the file only when it keeps none in clear (encrypted PEM)."""
    if key_file.public_key is not None:
        return key_file.public_key
    return key_file.unlock(read_passphrase(confirm=False)).public_key


@click.group()
def key() -> None:
    """Create, inspect and export signing keys."""


@key.command(short_help="Generate a new key file.")
@click.argument("name")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Key file to write [default: NAME with unsafe characters replaced by '_', + '.key'].",
)
@click.option(
    "--no-passphrase",
    is_flag=True,
    help="Write the private key unencrypted. Only for throwaway keys.",
)
@click.option(
    "--kdf",
    type=click.Choice(_KDF_PRESETS),
    default="moderate",
    show_default=True,
    help="Argon2id cost preset protecting the passphrase.",
)
@click.option("--force", is_flag=True, help="Replace an existing key file.")
@click.option(
    "--type",
    "key_type",
    type=click.Choice(["signing", "cosignature"]),
    default="signing",
    show_default=True,
    help="cosignature: a witness key; prints its cosignature/v1 verifier key (type 0x04), "
    "the one a verifier's policy lists under [[witness]].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@handle_errors
def generate(
    name: str,
    output: Path | None,
    no_passphrase: bool,
    kdf: Literal["interactive", "moderate", "sensitive"],
    force: bool,
    key_type: Literal["signing", "cosignature"],
    as_json: bool,
) -> None:
    """Generate an Ed25519 key named NAME (its signed-note key name, e.g. example.com/evaluator).

    The private key is encrypted with a passphrase taken from the ATTEST_PASSPHRASE
    environment variable, or else asked for twice on the terminal. The file is created with
    mode 0600. Prints the public did:key, note verifier key and fingerprint; never the secret.
    With --type cosignature (a witness's key, `attest witness init --key`) it prints the
    cosignature/v1 verifier key instead of the note key.
    """
    from attest.errors import KeyFileError
    from attest.files import generate_key_file
    from attest.keys.keyfile import KdfParams, check_key_name, default_key_file_name

    presets = {
        "interactive": KdfParams.interactive,
        "moderate": KdfParams.moderate,
        "sensitive": KdfParams.sensitive,
    }
    check_key_name(name)
    path = output if output is not None else Path(default_key_file_name(name))
    if not force and path.exists():  # before asking for a passphrase; the write checks again
        raise KeyFileError("keyfile.exists", f"{path} already exists; --force replaces it")
    passphrase = None if no_passphrase else read_passphrase(confirm=True)
    named = generate_key_file(
        path,
        name,
        passphrase,
        allow_unencrypted=no_passphrase,
        kdf=presets[kdf](),
        overwrite=force,
    )
    if no_passphrase:
        click.echo(f"warning: {path} holds the private key unencrypted", err=True)
    info: dict[str, str | bool] = {"file": str(path), **_describe(named.name, named.public_key)}
    info["encrypted"] = not no_passphrase
    if key_type == "cosignature":
        from attest.tlog.cosignature import format_verifier_key as cosignature_vkey

        info["cosignature_vkey"] = cosignature_vkey(named.name, named.public_key)
    if not as_json:
        click.echo(f"wrote {path}")
    _render(info, as_json)


@key.command(short_help="Show a key's public identifiers.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", help="Key name, for PEM files (which cannot store one).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@handle_errors
def show(file: Path, name: str | None, as_json: bool) -> None:
    """Show the name, did:key, note verifier key and fingerprint of key FILE.

    Never prints the secret. Only an encrypted PEM file needs its passphrase
    (ATTEST_PASSPHRASE, or the terminal) to be shown.
    """
    from attest.files import read_key_file

    key_file = read_key_file(file, name=name)
    info: dict[str, str | bool] = {
        "file": str(file),
        **_describe(key_file.name, _public_key(key_file)),
        "format": key_file.kind,
        "encrypted": key_file.encrypted,
    }
    _render(info, as_json)


@key.command(short_help="Export a key as PEM, JWK, note key or did:key.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pem", "jwk", "note", "did", "cosignature-vkey"]),
    required=True,
    help="pem: SubjectPublicKeyInfo (PKCS#8 with --private); jwk: RFC 8037 JWK; "
    "note: signed-note verifier key; did: did:key; cosignature-vkey: the witness key "
    "(C2SP tlog-cosignature, type 0x04) a verifier's policy lists under [[witness]].",
)
@click.option(
    "--private",
    is_flag=True,
    help="Export the private key (pem and jwk only), unencrypted. Needs the passphrase.",
)
@click.option("--name", help="Key name, for PEM files (which cannot store one).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (mode 0600) instead of standard output.",
)
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@handle_errors
def export(
    file: Path,
    fmt: Literal["pem", "jwk", "note", "did", "cosignature-vkey"],
    private: bool,
    name: str | None,
    output: Path | None,
    force: bool,
) -> None:
    """Export the key in FILE in another format; the public key unless --private is given.

    The passphrase, when one is needed, comes from ATTEST_PASSPHRASE or the terminal.
    """
    from attest.errors import UsageError
    from attest.files import read_key_file, write_key_file
    from attest.keys.did_key import encode_did_key
    from attest.keys.jwk import encode_private_jwk, encode_public_jwk
    from attest.keys.pem import encode_private_key_pem, encode_public_key_pem
    from attest.tlog.note import format_verifier_key

    if private and fmt not in ("pem", "jwk"):
        raise UsageError(
            "key.private_export_unsupported", f"--private is for pem and jwk, not {fmt}"
        )
    key_file = read_key_file(file, name=name)
    if private:
        passphrase = read_passphrase(confirm=False) if key_file.encrypted else None
        secret = key_file.unlock(passphrase).private_key
        if fmt == "pem":
            text = encode_private_key_pem(secret).decode("ascii")
        else:
            text = json.dumps(encode_private_jwk(secret)) + "\n"
    else:
        public_key = _public_key(key_file)
        if fmt == "pem":
            text = encode_public_key_pem(public_key).decode("ascii")
        elif fmt == "jwk":
            text = json.dumps(encode_public_jwk(public_key)) + "\n"
        elif fmt == "note":
            text = format_verifier_key(key_file.name, public_key) + "\n"
        elif fmt == "cosignature-vkey":
            from attest.tlog.cosignature import format_verifier_key as cosignature_vkey

            text = cosignature_vkey(key_file.name, public_key) + "\n"
        else:
            text = encode_did_key(public_key) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        write_key_file(output, text.encode("utf-8"), overwrite=force)
