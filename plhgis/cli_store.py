"""Commands of the shared store: `store copy`, `users`, `proposals` (PostGIS rights); `cli` adds them.

Their help: `cli_help.HELP` ("store copy", "users add --role"…).
"""
from __future__ import annotations

import click

from . import rights
from .cli_options import (PasswordOption, PlhgisGroup, commune_option, format_option, open_command_store, overwrite_option,
                          say as _say, store_option, user_option)
from .render import render
from .store import mask
from .store_copy import copy_store


@click.group("store", cls=PlhgisGroup)
def store_group():
    pass


@store_group.command("copy")
@click.argument("src")
@click.argument("dest")
@overwrite_option()
def store_copy(src, dest, overwrite):
    counts = copy_store(src, dest, overwrite=overwrite)
    click.echo(_say("cli.copied", src=mask(src), dest=mask(dest),
                    counts=", ".join(f"{n} {name}" for name, n in counts.items() if n)), err=True)


@click.group("users", cls=PlhgisGroup)
def users_group():
    pass


@users_group.command("add")
@store_option
@click.argument("login")
@click.option("--role", type=click.Choice(tuple(rights.ROLES)), required=True)
@commune_option
@click.option("--proposals", is_flag=True)
@click.option("--password", cls=PasswordOption)
def users_add(store, login, role, commune, proposals, password):
    rights.add_user(open_command_store(store), login, role, commune, proposals, password or None)
    click.echo(_say("cli.user_added", login=login, role=role) + (_say("cli.user_of", commune=commune) if commune else "")
               + (_say("cli.user_proposals") if proposals else ""), err=True)


@users_group.command("list")
@store_option
@format_option
def users_list(store, fmt):
    click.echo(render(rights.list_users(open_command_store(store)), fmt))


@users_group.command("remove")
@store_option
@click.argument("login")
def users_remove(store, login):
    rights.remove_user(open_command_store(store), login)
    click.echo(_say("cli.user_removed", login=login), err=True)


@click.group("proposals", cls=PlhgisGroup)
def proposals_group():
    pass


@proposals_group.command("list")
@store_option
@click.option("--all", "all_", is_flag=True)
@format_option
def proposals_list(store, all_, fmt):
    click.echo(render(rights.list_proposals(open_command_store(store), None if all_ else "pending"), fmt, max_width=60))


@proposals_group.command("accept")
@store_option
@user_option
@click.argument("proposal_id", type=int)
def proposals_accept(store, user, proposal_id):
    change = rights.decide(open_command_store(store, user), proposal_id, accept=True)
    click.echo(_say("cli.proposal_accepted", id=proposal_id, action=change.action, feature=change.id))


@proposals_group.command("reject")
@store_option
@user_option
@click.argument("proposal_id", type=int)
@click.option("--reason")
def proposals_reject(store, user, proposal_id, reason):
    rights.decide(open_command_store(store, user), proposal_id, accept=False, reason=reason)
    click.echo(_say("cli.proposal_rejected", id=proposal_id))
