"""RayJobs: a second status column (jobStatus beside jobDeploymentStatus) and kept job logs.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("objects") as batch:
        batch.add_column(sa.Column("sub_state", sa.String, nullable=False, server_default=""))
    op.create_table(
        "job_logs",
        sa.Column("object_uid", sa.String, primary_key=True),
        sa.Column("job_id", sa.String, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("updated_at", sa.String, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_logs")
    with op.batch_alter_table("objects") as batch:
        batch.drop_column("sub_state")
