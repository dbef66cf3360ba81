"""The first schema: namespaces, objects, events, pods, counters.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )
    op.create_table(
        "namespaces",
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("uid", sa.String, nullable=False),
        sa.Column("created_at", sa.String, nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
    )
    op.create_table(
        "objects",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("namespace", sa.String, sa.ForeignKey("namespaces.name"), nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("uid", sa.String, nullable=False, unique=True),
        sa.Column("resource_version", sa.Integer, nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String, nullable=False),
        sa.Column("is_template", sa.Boolean, nullable=False),
        sa.Column("creator", sa.String, nullable=False),
        sa.Column("state", sa.String, nullable=False),
        sa.Column("ray_version", sa.String, nullable=False),
        sa.Column("cpu_millis", sa.Integer, nullable=False),
        sa.Column("memory_bytes", sa.Integer, nullable=False),
        sa.Column("gpu", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=True),
        sa.UniqueConstraint("kind", "namespace", "name", name="uq_objects_kind_ns_name"),
    )
    op.create_index("ix_objects_kind_name", "objects", ["kind", "name"])
    op.create_index("ix_objects_kind_created", "objects", ["kind", "created_at"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("object_uid", sa.String, nullable=False, index=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("namespace", sa.String, nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("type", sa.String, nullable=False),
        sa.Column("reason", sa.String, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("first_timestamp", sa.String, nullable=False),
        sa.Column("last_timestamp", sa.String, nullable=False),
    )
    op.create_table(
        "pods",
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("owner_uid", sa.String, nullable=False, index=True),
        sa.Column("namespace", sa.String, nullable=False),
        sa.Column("cluster", sa.String, nullable=False),
        sa.Column("group_name", sa.String, nullable=False),
        sa.Column("node_type", sa.String, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for table in ("pods", "events", "objects", "namespaces", "counters"):
        op.drop_table(table)
