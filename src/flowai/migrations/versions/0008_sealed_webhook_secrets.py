"""sealed webhook secrets: signing secrets are stored as Fernet tokens, not in clear.

A tenant-table change, so it runs in the shared schema and in every tenant schema. Rows stored
in clear are sealed here with the key from FLOWAI_SECRET_KEY (`flowai db upgrade` configures it).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from flowai.core import sealing

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("secret", "previous_secret")


def upgrade() -> None:
    # a token is longer than 100 characters; SQLite ignores VARCHAR lengths, and a batch copy of
    # this table would cascade-delete its deliveries there
    if op.get_bind().dialect.name == "postgresql":
        for column in COLUMNS:
            op.alter_column("webhook_endpoints", column, type_=sa.Text(), existing_type=sa.String(100))
    _convert(sealing.seal, lambda v: not sealing.is_sealed(v))


def downgrade() -> None:
    _convert(sealing.unseal, sealing.is_sealed)
    if op.get_bind().dialect.name == "postgresql":
        for column in COLUMNS:
            op.alter_column("webhook_endpoints", column, type_=sa.String(100), existing_type=sa.Text())


def _convert(change: Callable[[str], str], wanted: Callable[[str], bool]) -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":  # the owner sees every tenant's rows; RLS is forced again after
        op.execute("ALTER TABLE webhook_endpoints NO FORCE ROW LEVEL SECURITY")
    rows = conn.execute(sa.text("SELECT id, secret, previous_secret FROM webhook_endpoints")).all()
    for row in rows:
        values = {c: getattr(row, c) for c in COLUMNS}
        new = {c: change(v) if v is not None and wanted(v) else v for c, v in values.items()}
        if new != values:
            conn.execute(
                sa.text(
                    "UPDATE webhook_endpoints SET secret = :secret, previous_secret = :previous_secret WHERE id = :id"
                ),
                {"id": row.id, **new},
            )
