"""model registry: who trained a model version and why; models live in the database, not at a path

Revision ID: 20261123_06_risk_models
Revises: 20261123_05_identity
Create Date: 2026-11-23 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261123_06_risk_models'
down_revision: str | None = '20261123_05_identity'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('risk_model_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=True))
        batch_op.drop_column('path')


def downgrade() -> None:
    with op.batch_alter_table('risk_model_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('path', sa.String(length=500), nullable=True))
        batch_op.drop_column('comment')
        batch_op.drop_column('created_by')
