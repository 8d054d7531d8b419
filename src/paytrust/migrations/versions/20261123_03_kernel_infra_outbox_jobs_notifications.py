"""kernel infrastructure: outbox, job schedule and lease, notifications

Encrypted columns (channel target and secret, delivery recipient) are Text holding
"v1:<key id>:<base64>" values written by paytrust.platform.crypto.

Revision ID: 20261123_03_kernel_infra
Revises: 20261123_01_platform_audit
Create Date: 2026-11-23 01:42:13.074287
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import paytrust.platform.db

revision: str = '20261123_03_kernel_infra'
down_revision: str | None = '20261123_01_platform_audit'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('platform_job',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('interval_seconds', sa.Integer(), nullable=True),
    sa.Column('daily_at', sa.String(length=5), nullable=True),
    sa.Column('next_run_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_run_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.String(length=20), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_job')),
    sa.UniqueConstraint('name', name=op.f('uq_platform_job_name'))
    )
    with op.batch_alter_table('platform_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_job_next_run_at'), ['next_run_at'], unique=False)

    op.create_table('platform_job_lease',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=False),
    sa.Column('expires_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_platform_job_lease'))
    )
    op.create_table('platform_notification',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('severity', sa.String(length=20), nullable=False),
    sa.Column('created_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_notification'))
    )
    with op.batch_alter_table('platform_notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_notification_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_platform_notification_inbox', ['user_id', 'read_at'], unique=False)

    op.create_table('platform_notification_channel',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=True),
    sa.Column('secret', sa.Text(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_notification_channel')),
    sa.UniqueConstraint('name', name=op.f('uq_platform_notification_channel_name'))
    )
    op.create_table('platform_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('available_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('processed_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_outbox'))
    )
    with op.batch_alter_table('platform_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_platform_outbox_due', ['processed_at', 'available_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_platform_outbox_topic'), ['topic'], unique=False)

    op.create_table('platform_notification_delivery',
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('recipient', sa.Text(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('severity', sa.String(length=20), nullable=False),
    sa.Column('markdown', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', paytrust.platform.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['platform_notification_channel.id'], name=op.f('fk_platform_notification_delivery_channel_id_platform_notification_channel')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_notification_delivery'))
    )
    with op.batch_alter_table('platform_notification_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_notification_delivery_channel_id'), ['channel_id'], unique=False)
        batch_op.create_index('ix_platform_notification_delivery_due', ['status', 'next_attempt_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('platform_notification_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_platform_notification_delivery_due')
        batch_op.drop_index(batch_op.f('ix_platform_notification_delivery_channel_id'))

    op.drop_table('platform_notification_delivery')
    with op.batch_alter_table('platform_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_platform_outbox_topic'))
        batch_op.drop_index('ix_platform_outbox_due')

    op.drop_table('platform_outbox')
    op.drop_table('platform_notification_channel')
    with op.batch_alter_table('platform_notification', schema=None) as batch_op:
        batch_op.drop_index('ix_platform_notification_inbox')
        batch_op.drop_index(batch_op.f('ix_platform_notification_created_at'))

    op.drop_table('platform_notification')
    op.drop_table('platform_job_lease')
    with op.batch_alter_table('platform_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_platform_job_next_run_at'))

    op.drop_table('platform_job')
