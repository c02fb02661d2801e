"""`flask --app app pb ...`: set up, load the demo, manage users, verify the audit chain."""

from __future__ import annotations

import json
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import inspect, select

from pb.accounts.models import User
from pb.accounts.services import create_user
from pb.admin.demo import DEMO_USERS, load_demo
from pb.audit.services import (
    anchor_problems,
    database_hashes,
    first_broken_link,
    head,
    parse_anchor,
    verify_database,
)
from pb.cycles.models import Cycle
from pb.db import db
from pb.enums import Phase, Role
from pb.errors import DomainError
from pb.lifecycle.announcements import queue_timed_mail
from pb.migrate import upgrade
from pb.outbox.services import deliver_due, pending_count
from pb.results.verify import bundle_problems, evidence_problems
from pb.security.backup import BackupError, backup, restore
from pb.tally.cli import tally_command
from pb.transaction import transaction

pb_cli = AppGroup("pb", help="Participatory budgeting administration.")


@pb_cli.command("migrate")
def migrate_command():
    """Create or upgrade the database schema."""
    upgrade()
    click.echo("Database schema is up to date.")


def _create_user(email, name, password, role):
    try:
        with transaction():
            user = create_user(actor=None, email=email, name=name, password=password, role=Role(role))
    except DomainError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"Created {user.role} account {user.email}.")


@pb_cli.command("init")
@click.option("--email", help="Email of the first staff account.")
@click.option("--name", default="Staff", show_default=True)
@click.option("--password", help="Password (prompted for if omitted).")
def init_command(email, name, password):
    """Create the schema and the first staff account."""
    upgrade()
    if db.session.query(User).filter_by(role=Role.staff).count():
        click.echo("Schema ready; a staff account already exists.")
        return
    email = email or click.prompt("Staff email")
    password = password or click.prompt("Password", hide_input=True, confirmation_prompt=True)
    _create_user(email, name, password, Role.staff)


@pb_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password", help="Password (prompted for if omitted).")
def create_user_command(email, name, role, password):
    """Add an account with a role."""
    password = password or click.prompt("Password", hide_input=True, confirmation_prompt=True)
    _create_user(email, name, password, role)


@pb_cli.command("demo")
def demo_command():
    """Load the demo cycle (does nothing if it is already there). Refused in production."""
    if current_app.config["ENV"] == "production":  # the demo's staff accounts share a public password
        raise click.UsageError("pb demo refuses to run when ENV is production: its staff and liaison "
                               "accounts use the public demo password. Use a development database.")
    if not inspect(db.engine).has_table("alembic_version"):
        upgrade()
    with transaction():  # sealing the finished demo cycle's box compacts storage after commit
        created = load_demo()
    click.echo("Demo cycles loaded." if created else "Demo cycles already present; nothing changed.")
    click.echo("Demo sign-ins (password for all: from DEMO_PASSWORD, default 'demo-password'):")
    for email, _name, role in DEMO_USERS:
        click.echo(f"  {role:<9} {email}")


@pb_cli.group("audit")
def audit_group():
    """The tamper-evident audit log."""


def _anchor(ctx, param, values):
    try:
        return [parse_anchor(v) for v in values]
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@audit_group.command("verify")
@click.option("--file", "path", type=click.File("r", encoding="utf-8"),
              help="Verify an exported audit.jsonl instead of the database (no app data needed).")
@click.option("--bundle", type=click.Path(exists=True, file_okay=False),
              help="With --file: also check a downloaded results folder (ballots.pb, trackers.txt, result.json).")
@click.option("--anchor", "anchors", multiple=True, callback=_anchor, metavar="SEQ:HASH",
              help="A head you kept (audit page, results page, bundle, staff message); repeatable. "
                   "The log must still contain that event with that hash.")
def audit_verify_command(path, bundle, anchors):
    """Recompute the hash chain, check kept anchors and recorded evidence; report the first break."""
    if path is not None:
        try:
            events = [json.loads(line) for line in path if line.strip()]
            count, broken = len(events), first_broken_link(events)
            hashes = {int(e["seq"]): e["hash"] for e in events}
        except (ValueError, KeyError, TypeError) as error:
            raise click.UsageError(f"not an audit export: {error}") from None
        problems = bundle_problems(bundle, events) if bundle and broken is None else []
    else:
        if bundle:
            raise click.UsageError("--bundle needs --file (the audit log published with it)")
        count, broken = verify_database()
        hashes = database_hashes()
        problems = evidence_problems() if broken is None else []
    problems = anchor_problems(anchors, hashes) + problems
    if broken is not None:
        problems.insert(0, f"BROKEN at event {broken} ({count} events checked).")
    elif problems:
        problems[0] = f"BROKEN ({count} events checked): {problems[0]}"
    if problems:
        click.echo("\n  also: ".join(problems))
        sys.exit(1)
    kept = f", {len(set(anchors))} anchor(s) found" if anchors else ""
    click.echo(f"OK: {count} events, chain intact{kept}" + (", published files match." if bundle else "."))


@audit_group.command("anchor")
def audit_anchor_command():
    """Print the head of the log as SEQ:HASH, to send to observers (they pass it to --anchor)."""
    click.echo(str(head()))


@pb_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path):
    """Write a consistent backup of the whole database to PATH (safe while serving)."""
    try:
        kind = backup(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    count, _broken = verify_database()
    click.echo(f"Backed up the {kind} database to {path} ({count} audit events).")


@pb_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path, yes):
    """Replace the whole database with the backup in PATH, then verify the audit chain."""
    if not yes:
        click.confirm("This replaces everything in the database with the backup. Continue?", abort=True)
    try:
        kind = restore(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    count, broken = verify_database()
    if broken is not None:
        click.echo(f"Restored, but the audit chain is BROKEN at event {broken} ({count} events).")
        sys.exit(1)
    click.echo(f"Restored the {kind} database from {path}: {count} audit events, chain intact.")


@pb_cli.group("mail")
def mail_group():
    """The mail outbox."""


@mail_group.command("send")
@click.option("--loop", is_flag=True, help="Keep running, checking for due mail every --every seconds.")
@click.option("--every", default=30, show_default=True, type=click.IntRange(1, 3600))
def mail_send_command(loop, every):
    """Queue the voting reminders that are due, then deliver the queued mail that is due (from
    cron, or as a loop); failures stay queued. A single run exits with status 1 when some mail
    could not be delivered (the mail server refused or did not answer), so cron reports it."""
    while True:
        trouble = False
        try:  # each step runs in its own transaction(), which rolls back what it began
            queue_timed_mail()  # reminders and closing notes: one cron entry does both
        except Exception as error:  # noqa: BLE001  (a locked database must not stop password and voting links)
            trouble = True
            click.echo(f"mail: the timed mail was not queued this time ({type(error).__name__}); trying next run.",
                       err=True)
        outcomes = deliver_due()
        if outcomes["retry"] or outcomes["failed"]:
            trouble = True
            click.echo("mail: some mail could not be delivered; check the mail server. It stays queued and is "
                       "tried again.", err=True)
        with transaction():  # ends the read, so a sleeping loop holds no database lock
            queued = pending_count()
            voting = db.session.scalar(select(Cycle.id).where(Cycle.phase == Phase.voting).limit(1)) is not None
        if voting:  # the run's figures would count the reminded non-voters: none while voting is open
            click.echo("mail: the mail that was due is handled (no figures while voting is open).")
        else:
            click.echo(f"mail: {outcomes['sent']} sent, {outcomes['retry']} to retry, {outcomes['failed']} failed, "
                       f"{outcomes['dropped']} unsubscribed; {queued} queued.")
        if not loop:
            sys.exit(1 if trouble else 0)
        time.sleep(every)


@mail_group.command("remind")
def mail_remind_command():
    """Queue the one reminder before voting closes for registrants who asked for it and have not
    voted, and the closing note for people who took part (`mail send` does this too). No count
    is shown: none may be seen while voting is open."""
    queue_timed_mail()
    click.echo("mail: the reminders that were due are queued.")


pb_cli.add_command(tally_command, "tally")  # the counting engine's own, database-free command
