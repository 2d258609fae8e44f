from mcp_common.migrations_env import run_migrations
from recommendations_service.db import Base

run_migrations(Base.metadata, version_table="recommendations_alembic_version")
