"""Start-up: what one command imports (issue 18). A module named here costs every run of
`attest verify`; it must be imported only by the commands and inputs that need it."""

from __future__ import annotations

import subprocess
import sys

from attest.evaluation.credential import DEFAULT_COSE_ALG
from attest.vc import cose


def test_default_cose_alg_is_eddsa() -> None:
    assert DEFAULT_COSE_ALG == cose.ALG_EDDSA


def _imported_by(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return set(out.split())


def test_the_command_line_imports_no_subcommand_before_it_runs() -> None:
    loaded = _imported_by("import attest_cli.main")
    for name in ("attest_cli.serve", "attest_cli.log", "attest_cli.status", "attest_cli.issue"):
        assert name not in loaded


def test_the_verify_command_does_not_import_cose_or_the_service() -> None:
    loaded = _imported_by(
        "from attest_cli.main import cli\n"
        "cli.commands['verify']\n"
        "import attest.verifier.pipeline, attest.evaluation.credential"
    )
    assert "attest_cli.verify" in loaded
    for name in ("attest.vc.cose", "attest.service", "attest_cli.serve", "pyld"):
        assert name not in loaded, name


def test_every_listed_command_loads_under_its_name() -> None:
    from attest_cli.main import cli

    names = list(cli.commands)
    assert "verify" in names and "serve" in names
    for name in names:
        assert cli.commands[name].name == name
