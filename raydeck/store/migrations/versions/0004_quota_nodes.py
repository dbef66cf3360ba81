"""Namespace quotas limit node processes: in the namespace, and in any one of its clusters.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quotas") as batch:
        batch.add_column(sa.Column("nodes", sa.Integer, nullable=True))
        batch.add_column(sa.Column("nodes_per_cluster", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quotas") as batch:
        batch.drop_column("nodes_per_cluster")
        batch.drop_column("nodes")
