"""platform audit trail

Revision ID: 20261123_01_platform_audit
Revises: 
Create Date: 2026-11-23 01:14:29.129874
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import paytrust.platform.db

revision: str = '20261123_01_platform_audit'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('platform_audit_entry',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('occurred_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('entity_type', sa.String(length=100), nullable=False),
    sa.Column('entity_id', sa.String(length=200), nullable=False),
    sa.Column('before_json', sa.Text(), nullable=True),
    sa.Column('after_json', sa.Text(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_platform_audit_entry'))
    )
    with op.batch_alter_table('platform_audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_audit_entry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_platform_audit_entry_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_platform_audit_entry_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_platform_audit_entry_entity_type'), ['entity_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_platform_audit_entry_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('platform_audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_audit_head'))
    )
    op.execute("INSERT INTO platform_audit_head (id, last_seq, last_hash) VALUES (1, 0, '" + "0" * 64 + "')")


def downgrade() -> None:
    op.drop_table('platform_audit_head')
    with op.batch_alter_table('platform_audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_platform_audit_entry_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_platform_audit_entry_entity_type'))
        batch_op.drop_index(batch_op.f('ix_platform_audit_entry_entity_id'))
        batch_op.drop_index(batch_op.f('ix_platform_audit_entry_actor'))
        batch_op.drop_index(batch_op.f('ix_platform_audit_entry_action'))

    op.drop_table('platform_audit_entry')
