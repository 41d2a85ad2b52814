#!/bin/bash
# regress/scripts/drivers_sqlalchemy.sh - SQLAlchemy 1.4 (psycopg2 and asyncpg dialects) at its default settings
# against sluiced (issue 13): regress/clients/sqlalchemy_check.py, see regress/clients/README.md.
set -u
. "$SL_SRCDIR/regress/lib/drivers.sh"
sl_drivers_python sqlalchemy sqlalchemy_check.py sqlalchemy psycopg2 asyncpg
