"""Users, their tokens and sessions, the audit log and namespace quotas.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.String, primary_key=True),
        sa.Column("password_hash", sa.String, nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("namespaces", sa.JSON, nullable=False),
        sa.Column("created_at", sa.String, nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column(
            "username",
            sa.String,
            sa.ForeignKey("users.username", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("secret_hash", sa.String, nullable=False, unique=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("description", sa.String, nullable=False),
        sa.Column("csrf_hash", sa.String, nullable=True),
        sa.Column("created_at", sa.String, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=True),
        sa.Column("last_used_at", sa.String, nullable=True),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String, nullable=False),
        sa.Column("username", sa.String, nullable=False, index=True),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("namespace", sa.String, nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("outcome", sa.String, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_table(
        "quotas",
        sa.Column(
            "namespace",
            sa.String,
            sa.ForeignKey("namespaces.name", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("cpu_millis", sa.Integer, nullable=True),
        sa.Column("memory_bytes", sa.Integer, nullable=True),
        sa.Column("gpu", sa.Integer, nullable=True),
        sa.Column("clusters", sa.Integer, nullable=True),
    )


def downgrade() -> None:
    for table in ("quotas", "audit", "tokens", "users"):
        op.drop_table(table)
