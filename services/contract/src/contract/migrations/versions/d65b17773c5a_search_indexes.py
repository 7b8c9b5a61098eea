"""search indexes: pg_trgm over the searched columns, a 1-2 character gram index beside it

The application list searches lower(title), lower(client_name) and lower(case_serial_no) with
LIKE '%term%'. On PostgreSQL:
- a pg_trgm GIN index on each of those expressions serves terms of 3 or more characters;
- trigrams cannot serve a 1-2 character term (a two-character Chinese word like 合同 is the
  common case), so a GIN index over contract_search_grams(...), every 1- and 2-character
  substring of the three lowered columns, serves those: a row contains the term exactly when
  its grams contain it.
The GIN indexes are built with fastupdate off: with it on, new rows wait in a pending list
(up to gin_pending_list_limit, 4 MB) that every search scans linearly until vacuum merges it,
which took searches from ~1 ms to ~25 ms after 100,000 inserts. Applications arrive at human
speed, so paying the index update at insert time is the better trade.
SQLite keeps the plain scan: nothing here runs there.

Revision ID: d65b17773c5a
Revises: f499bb5e10a2
Create Date: 2026-12-02 10:00:00.000000

"""

import logging
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "d65b17773c5a"
down_revision: Union[str, Sequence[str], None] = "f499bb5e10a2"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

log = logging.getLogger("contract.migrations")

TRIGRAM_INDEXES = {
    "ix_contracts_title_trgm": "lower(title)",
    "ix_contracts_client_name_trgm": "lower(client_name)",
    "ix_contracts_case_serial_no_trgm": "lower(case_serial_no)",
}

# Lowers exactly as the query's lower(column) does (same function, same column collation), so
# "lower(column) LIKE '%t%'" holds for a 1-2 character t exactly when t is in these grams.
GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION contract_search_grams(title text, client_name text, case_serial_no text)
RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    field text;
    grams text[] := '{}';
    n int;
BEGIN
    FOREACH field IN ARRAY ARRAY[lower(title), lower(client_name), lower(case_serial_no)] LOOP
        CONTINUE WHEN field IS NULL;
        n := char_length(field);
        FOR i IN 1..n LOOP
            grams := grams || substr(field, i, 1);
            IF i < n THEN
                grams := grams || substr(field, i, 2);
            END IF;
        END LOOP;
    END LOOP;
    RETURN grams;
END
$$
"""


def upgrade() -> None:
    """Create the search indexes (PostgreSQL only)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    _create_pg_trgm(bind)
    if not bind.execute(sa.text("SELECT show_trgm('合同') <> '{}'")).scalar():
        ctype = bind.execute(sa.text("SHOW lc_ctype")).scalar()
        log.warning(
            "pg_trgm sees no letters in Chinese text under this database's LC_CTYPE (%s): "
            "searches for Chinese terms of 3+ characters will scan instead of using the "
            "trigram index (results stay correct). Create the database with a UTF-8 locale "
            "such as C.UTF-8 or en_US.UTF-8 to index them.",
            ctype,
        )
    for name, expression in TRIGRAM_INDEXES.items():
        op.execute(
            f"CREATE INDEX {name} ON contracts"
            f" USING gin ({expression} gin_trgm_ops) WITH (fastupdate = off)"
        )
    op.execute(GRAMS_FUNCTION)
    op.execute(
        "CREATE INDEX ix_contracts_search_grams ON contracts"
        " USING gin (contract_search_grams(title, client_name, case_serial_no))"
        " WITH (fastupdate = off)"
    )


def downgrade() -> None:
    """Drop the search indexes; the pg_trgm extension stays (other objects may use it)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_contracts_search_grams")
    op.execute("DROP FUNCTION IF EXISTS contract_search_grams(text, text, text)")
    for name in TRIGRAM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")


def _create_pg_trgm(bind: sa.Connection) -> None:
    """Create pg_trgm, or fail saying why this role cannot and what to do about it."""
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).scalar():
        return
    who = bind.execute(
        sa.text(
            "SELECT current_user, current_database(), current_schema(),"
            " (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),"
            " has_database_privilege(current_database(), 'CREATE'),"
            " has_schema_privilege(current_schema(), 'CREATE'),"
            " (SELECT v.trusted FROM pg_available_extension_versions v"
            "   JOIN pg_available_extensions e ON e.name = v.name AND e.default_version = v.version"
            "  WHERE v.name = 'pg_trgm')"
        )
    ).one()
    user, database, schema, superuser, create_db, create_schema, trusted = who
    if trusted is None:
        raise RuntimeError(
            "The contract service's search indexes need the pg_trgm extension, which this "
            "PostgreSQL server does not have: install the server's contrib package "
            "(Debian: postgresql-contrib) and migrate again."
        )
    if not superuser and not (trusted and create_db and create_schema):
        raise RuntimeError(
            f"The contract service's search indexes need the pg_trgm extension in database "
            f'"{database}", and role "{user}" may not create it (it needs CREATE on the '
            f'database and on schema "{schema}", as the database owner has). Either run '
            f"`CREATE EXTENSION pg_trgm;` in it as its owner or a superuser, or grant the role "
            f"CREATE on it (`GRANT CREATE ON DATABASE {database} TO {user};`), then migrate again."
        )
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
