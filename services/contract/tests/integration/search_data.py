"""Rows and terms for the search tests, and what a search for a term must find."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from contract.adapters.repository import search_condition
from contract.adapters.tables import Contract
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

START = datetime(2026, 1, 1, tzinfo=UTC)

# (title, client_name, case_serial_no): mixed case, Chinese of 1 to 10 characters, LIKE's own
# metacharacters as data, NULL case numbers.
CRAFTED = [
    ("Master Services Agreement", "ACME Corp", "AJ2026-0042"),
    ("NDA", "acme holdings", None),
    ("Supply contract", "ÄRGER GmbH", "aj2025-0007"),
    ("法律服务委托合同", "上海某某科技有限公司", "AJ2026-0100"),
    ("技术开发合同", "北京某某律师事务所", None),
    ("采购合同", "上海某某科技有限公司", "AJ2024-0001"),
    ("合", "某", None),
    ("借款协议", "ＡＢＣ贸易有限公司", "HT-2026-01"),
    ("折扣 100% 完成", "甲公司", "100_200"),
    ("a%b", "a_b", "axb"),
    ("路径\\备份", "乙公司", "a\\b"),
    ("100 percent", "丙公司", "1000"),
]
# Enough ordinary rows that PostgreSQL prefers an index for a rare term on its own.
FILLER = 4000

TERMS = [
    # ASCII, either case
    *("acme", "ACME", "Acme Corp", "aj2026", "AJ2026-0042", "nda", "a", "b", "ht"),
    # Chinese: 1, 2, 3+ characters
    *("合", "某", "同", "合同", "科技", "上海", "某某", "协议"),
    *("委托合同", "上海某某科技", "上海某某科技有限公司", "律师事务所", "服务协议"),
    # case folding beyond ASCII
    *("ärger", "ÄRGER", "ａｂｃ", "ＡＢＣ"),
    # LIKE metacharacters are literal
    *("%", "_", "\\", "100%", "a%b", "a_b", "_b", "a\\b", "%b", "100_", "%%%"),
    # nothing
    *("不存在", "zzz", "不存在的客户名称"),
]


def filler(i: int) -> tuple[str, str, str | None]:
    return (
        f"{['服务', '采购', '租赁'][i % 3]}协议{i}",
        f"客户{i % 300}",
        f"F-{i:05d}" if i % 5 else None,
    )


def expected(rows: list[dict[str, Any]], term: str) -> list[str]:
    """Return the ids a search for `term` must find, newest first (Python's own lower())."""
    needle = term.lower()
    hits = [
        r
        for r in rows
        if any(
            f is not None and needle in f.lower()
            for f in (r["title"], r["client_name"], r["case_serial_no"])
        )
    ]
    return [r["id"] for r in sorted(hits, key=lambda r: (r["created_at"], r["id"]), reverse=True)]


def rows_of(fields: list[tuple[str, str, str | None]]) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{i:08d}-0000-4000-8000-000000000000",
            "owner_id": f"lawyer-{i % 7}",
            "owner_name": "律师",
            "title": title,
            "contract_type": "service",
            "client_name": client,
            "case_serial_no": case_no,
            "status": "draft",
            "round": 0,
            # Three rows a second: equal timestamps make the id the tie-breaker.
            "created_at": START + timedelta(seconds=i // 3),
            "updated_at": START,
        }
        for i, (title, client, case_no) in enumerate(fields)
    ]


async def plain_scan(session: AsyncSession, term: str) -> list[str]:
    """Return what the search found before the indexes: the same LIKE, read row by row."""
    await session.execute(text("SET LOCAL enable_bitmapscan = off"))
    await session.execute(text("SET LOCAL enable_indexscan = off"))
    stmt = (
        select(Contract.id)
        .where(search_condition(term, postgres=False))
        .order_by(Contract.created_at.desc(), Contract.id.desc())  # type: ignore[attr-defined]
    )
    return list((await session.execute(stmt)).scalars())
