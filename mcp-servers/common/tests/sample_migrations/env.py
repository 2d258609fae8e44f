from sqlalchemy import MetaData

from mcp_common.migrations_env import run_migrations

run_migrations(MetaData())
