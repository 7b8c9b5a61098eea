"""Roles: one StrEnum whose values are what the gateway stores and its tokens carry."""

from __future__ import annotations

import json

import pytest
from gateway.adapters.tables import Roles
from gateway.domain.errors import UnknownRole
from gateway.service_layer.users import check_roles
from servicekit.auth import ADMIN, LAWYER, ROLES
from servicekit.domain import Role
from sqlalchemy.dialects import postgresql

NAMES = ["lawyer", "risk_control", "letter_admin", "admin", "partner"]


def test_the_values_are_the_names_stored_and_carried_in_tokens() -> None:
    assert [r.value for r in Role] == NAMES
    assert tuple(Role) == ROLES and LAWYER is Role.LAWYER and ADMIN is Role.ADMIN
    assert json.dumps([Role.LAWYER, Role.ADMIN]) == '["lawyer", "admin"]'


def test_check_roles_turns_names_into_members_and_refuses_any_other_name() -> None:
    got = check_roles(["risk_control", "lawyer", "lawyer"])
    assert got == [Role.LAWYER, Role.RISK_CONTROL]
    assert all(type(r) is Role for r in got)
    assert check_roles([]) == []
    with pytest.raises(UnknownRole) as refused:
        check_roles(["lawyer", "root", "Admin"])
    assert refused.value.details == {"unknown": ["Admin", "root"], "allowed": NAMES}


def test_the_roles_column_writes_plain_names_and_reads_back_members() -> None:
    column, dialect = Roles(), postgresql.dialect()
    stored = column.process_bind_param([Role.ADMIN, Role.LAWYER], dialect)
    assert stored == ["admin", "lawyer"] and all(type(r) is str for r in stored)
    read = column.process_result_value(["admin", "lawyer"], dialect)
    assert read == [Role.ADMIN, Role.LAWYER] and all(type(r) is Role for r in (read or []))
    assert column.process_bind_param(None, dialect) is None
    assert column.process_result_value(None, dialect) is None
