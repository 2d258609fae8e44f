from mcp_common.migrations_env import run_migrations
from tracking_service.db import Base

run_migrations(Base.metadata, version_table="tracking_alembic_version")
