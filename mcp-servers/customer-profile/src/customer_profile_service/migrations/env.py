from customer_profile_service.db import Base
from mcp_common.migrations_env import run_migrations

run_migrations(Base.metadata, version_table="customer_profile_alembic_version")
