"""Ray tokens: one random token per RayCluster incarnation, kept only in the store.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ray_tokens",
        sa.Column("object_uid", sa.String, primary_key=True),
        sa.Column("token", sa.String, nullable=False),
        sa.Column("created_at", sa.String, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ray_tokens")
