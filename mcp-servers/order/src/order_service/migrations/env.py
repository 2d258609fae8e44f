from mcp_common.migrations_env import run_migrations
from order_service.db import Base

run_migrations(Base.metadata, version_table="order_alembic_version")
