"""`flask --app app pb ...`, registered as a Flask command plugin (pyproject.toml).

Flask finds plugin commands without creating the app, so `flask pb tally FILE` counts a
file with no web app, no database and no Flask extensions loaded; every other command is
the admin group's and creates the app when it runs (AppGroup's app context).
"""

from __future__ import annotations

import click

from pb.tally.cli import tally_command


class PbCommands(click.Group):
    """The `pb` group: `tally` directly, everything else from pb.admin.cli on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({"tally", *_admin_group().list_commands(ctx)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "tally":
            return tally_command
        return _admin_group().get_command(ctx, name)


def _admin_group() -> click.Group:
    from pb.admin.cli import pb_cli  # imports the whole web app: only for the commands that need it

    return pb_cli


pb = PbCommands("pb", help="Participatory budgeting administration.")
