"""The SQLite tables of raydeck's store, as SQLAlchemy Core metadata.

Alembic migrations create them (``migrations/versions``); the other ``store`` modules
query them. Objects keep their user-written body as JSON beside indexed columns
derived from it for sorting and filtering.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

counters = Table(
    "counters",
    metadata,
    Column("name", String, primary_key=True),
    Column("value", Integer, nullable=False),
)

namespaces = Table(
    "namespaces",
    metadata,
    Column("name", String, primary_key=True),
    Column("uid", String, nullable=False),
    Column("created_at", String, nullable=False),
    Column("labels", JSON, nullable=False, default=dict),
)

objects = Table(
    "objects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String, nullable=False),
    Column("namespace", String, ForeignKey("namespaces.name"), nullable=False),
    Column("name", String, nullable=False),
    Column("uid", String, nullable=False, unique=True),
    Column("resource_version", Integer, nullable=False),
    Column("generation", Integer, nullable=False),
    Column("created_at", String, nullable=False),
    Column("is_template", Boolean, nullable=False),
    Column("creator", String, nullable=False, default=""),
    Column("state", String, nullable=False, default=""),
    #: A second status a filter also matches (a RayJob's jobStatus beside its jobDeploymentStatus).
    Column("sub_state", String, nullable=False, default="", server_default=""),
    Column("ray_version", String, nullable=False, default=""),
    Column("cpu_millis", Integer, nullable=False, default=0),
    Column("memory_bytes", Integer, nullable=False, default=0),
    Column("gpu", Integer, nullable=False, default=0),
    Column("body", Text, nullable=False),
    Column("status", Text, nullable=True),
    UniqueConstraint("kind", "namespace", "name", name="uq_objects_kind_ns_name"),
)
Index("ix_objects_kind_name", objects.c.kind, objects.c.name)
Index("ix_objects_kind_created", objects.c.kind, objects.c.created_at)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("object_uid", String, nullable=False, index=True),
    Column("kind", String, nullable=False),
    Column("namespace", String, nullable=False),
    Column("name", String, nullable=False),
    Column("type", String, nullable=False),
    Column("reason", String, nullable=False),
    Column("message", Text, nullable=False),
    Column("count", Integer, nullable=False),
    Column("first_timestamp", String, nullable=False),
    Column("last_timestamp", String, nullable=False),
)

pods = Table(
    "pods",
    metadata,
    Column("name", String, primary_key=True),
    Column("owner_uid", String, nullable=False, index=True),
    Column("namespace", String, nullable=False),
    Column("cluster", String, nullable=False),
    Column("group_name", String, nullable=False),
    Column("node_type", String, nullable=False),
    Column("data", JSON, nullable=False),
)

job_logs = Table(
    "job_logs",
    metadata,
    Column("object_uid", String, primary_key=True),
    Column("job_id", String, nullable=False),
    Column("text", Text, nullable=False),
    Column("updated_at", String, nullable=False),
)

#: The Ray token of each RayCluster incarnation (by uid) on the local platform: random, never
#: derived from anything, handed to its nodes only, deleted with the cluster.
ray_tokens = Table(
    "ray_tokens",
    metadata,
    Column("object_uid", String, primary_key=True),
    Column("token", String, nullable=False),
    Column("created_at", String, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("username", String, primary_key=True),
    Column("password_hash", String, nullable=False),
    Column("role", String, nullable=False),
    #: Namespaces granted to a cluster-admin or viewer; a platform-admin sees them all.
    Column("namespaces", JSON, nullable=False),
    Column("created_at", String, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    #: The public handle shown in lists and used to revoke; never enough to authenticate.
    Column("id", String, primary_key=True),
    Column("username", String, ForeignKey("users.username", ondelete="CASCADE"), nullable=False),
    #: SHA-256 of the secret; the secret itself is shown once and never stored.
    Column("secret_hash", String, nullable=False, unique=True),
    Column("kind", String, nullable=False),
    Column("description", String, nullable=False),
    Column("csrf_hash", String, nullable=True),
    Column("created_at", String, nullable=False),
    Column("expires_at", Float, nullable=True),
    Column("last_used_at", String, nullable=True),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String, nullable=False),
    Column("username", String, nullable=False, index=True),
    Column("action", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("namespace", String, nullable=False),
    Column("name", String, nullable=False),
    Column("outcome", String, nullable=False),
    Column("details", JSON, nullable=False),
)

quotas = Table(
    "quotas",
    metadata,
    Column(
        "namespace",
        String,
        ForeignKey("namespaces.name", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("cpu_millis", Integer, nullable=True),
    Column("memory_bytes", Integer, nullable=True),
    Column("gpu", Integer, nullable=True),
    Column("clusters", Integer, nullable=True),
    Column("nodes", Integer, nullable=True),
    Column("nodes_per_cluster", Integer, nullable=True),
)
