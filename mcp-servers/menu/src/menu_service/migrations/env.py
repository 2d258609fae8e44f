from mcp_common.migrations_env import run_migrations
from menu_service.db import Base

run_migrations(Base.metadata, version_table="menu_alembic_version")
