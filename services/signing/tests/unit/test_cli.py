"""The service's command line: its commands, and the enrol command's refusals."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest
from signing.__main__ import main
from signing.config import Settings
from signing.entrypoints.cli import run_enrol


def test_the_help_names_the_kit_commands_and_the_enrol_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])

    assert done.value.code == 0
    out = capsys.readouterr().out
    for command in ("serve", "migrate", "makemigrations", "enrol-firm-token"):
        assert command in out


def test_enrolling_without_the_token_settings_names_them_and_creates_nothing(
    tmp_path: Path,
) -> None:
    args = argparse.Namespace(replace=False, chain=False, out=None, days=365)
    err = io.StringIO()

    status = run_enrol(
        args, lambda: Settings(environment="test", data_dir=tmp_path), out=io.StringIO(), err=err
    )

    assert status == 1
    assert "[pkcs11_settings_incomplete]" in err.getvalue()
    assert "SIGNING_FIRM_PKCS11_LIB" in err.getvalue()
    assert "SIGNING_FIRM_PKCS11_TOKEN_LABEL" in err.getvalue()
    assert not (tmp_path / "pki").exists()  # no CA made for nothing


def test_invalid_settings_are_reported_without_repeating_the_pin(tmp_path: Path) -> None:
    args = argparse.Namespace(replace=False, chain=False, out=None, days=365)
    err = io.StringIO()

    # production refuses the default secrets: pydantic's own text would echo every input
    status = run_enrol(
        args,
        lambda: Settings(environment="production", data_dir=tmp_path, firm_pkcs11_pin="97531"),
        out=io.StringIO(),
        err=err,
    )

    assert status == 2
    assert "production refuses" in err.getvalue() and "97531" not in err.getvalue()
