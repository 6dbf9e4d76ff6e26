"""The `flowai` command: run the service and workers, migrate, and manage users, keys and tenants."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from flowai.editor.cli import register as register_editor
from flowai.settings import Settings, get_settings
from flowai.shares.cli import register as register_shares
from flowai.voice.cli import register as register_voice

app = typer.Typer(
    help="FlowAI Premium: voice cloning, the video editor, viral shares and white-label tenants.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
users_app = typer.Typer(help="Create users (sign-up in the web app does the same).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys for machines (shown once at creation).", no_args_is_help=True)
tenants_app = typer.Typer(help="Tenants (workspaces) and the hosts they are served on.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="apikeys")
app.add_typer(tenants_app, name="tenants")


def _settings() -> Settings:
    settings = get_settings()
    from flowai.core import logs

    logs.configure(settings.log_level)
    return settings


def _upgrade(settings: Settings) -> None:
    from flowai.core import sealing
    from flowai.core.db import make_engine
    from flowai.core.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    sealing.configure(settings.resolved_secret_key)  # migrations seal secrets stored in clear
    engine = make_engine(settings.database_admin_url or settings.resolved_database_url)
    try:
        upgrade(engine, app_url=settings.resolved_database_url)
    finally:
        engine.dispose()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    migrate: Annotated[bool, typer.Option(help="Run database migrations first")] = True,
) -> None:
    """Run the API, the web app and (without a broker) the in-process job workers."""
    import uvicorn

    from flowai.app import create_app

    settings = _settings()
    if migrate:
        _upgrade(settings)
    typer.echo(f"FlowAI on http://{host}:{port}  (data: {settings.data_dir.resolve()})", err=True)
    uvicorn.run(create_app(settings=settings), host=host, port=port, log_config=None, access_log=False)


@app.command()
def worker(
    threads: Annotated[int, typer.Option(help="Concurrent jobs in this process")] = 2,
) -> None:
    """Consume jobs from the broker (FLOWAI_BROKER_URL=redis://…); run one per machine or more."""
    from flowai.core.broker import DramatiqDispatcher, run_worker
    from flowai.core.context import AppContext

    settings = _settings()
    if not settings.broker_url:
        raise typer.BadParameter(
            "set FLOWAI_BROKER_URL (redis://…): without a broker, `flowai serve` runs jobs itself"
        )
    ctx = AppContext.build(settings, run_jobs_in_process=False)
    assert isinstance(ctx.dispatcher, DramatiqDispatcher)
    run_worker(ctx.dispatcher, ctx.maintenance(), threads, tick_s=min(5.0, settings.job_lease_seconds / 2))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to FLOWAI_DATABASE_URL (SQLite by default)."""
    settings = _settings()
    _upgrade(settings)
    typer.echo("database is at the latest revision")


def _tenant_id(ctx_db: object, slug: str) -> str:
    from flowai.core.db import Database
    from flowai.core.models import Tenant

    assert isinstance(ctx_db, Database)
    with ctx_db.session(system=True) as s:
        tenant = s.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
        if tenant is None:
            raise typer.BadParameter(f"no tenant {slug!r} (see `flowai tenants list`)", param_hint="--tenant")
        return tenant.id


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Sign-in email")],
    password: Annotated[str, typer.Option(help="At least 10 characters", prompt=True, hide_input=True)],
    tenant: Annotated[str, typer.Option(help="Tenant slug")] = "flowai",
    name: Annotated[str | None, typer.Option(help="Display name (default: the email's local part)")] = None,
    role: Annotated[str, typer.Option(help="member, admin or owner")] = "member",
) -> None:
    """Create a user (and profile) in a tenant."""
    from flowai.core import auth
    from flowai.core.db import Database
    from flowai.core.errors import Problem

    settings = _settings()
    if len(password) < 10:
        raise typer.BadParameter("must be at least 10 characters", param_hint="--password")
    db = Database(settings.resolved_database_url, settings.database_admin_url)
    tenant_id = _tenant_id(db, tenant)
    try:
        with db.transaction(tenant_id=tenant_id) as s:
            user = auth.create_user(
                s,
                email=email,
                password=password,
                display_name=name or email.split("@")[0],
                role=role,
            )
            typer.echo(json.dumps({"id": user.id, "email": user.email, "tenant": tenant, "role": user.role}))
    except Problem as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc


@keys_app.command("create")
def apikeys_create(
    user: Annotated[str, typer.Option(help="Email of the key's owner")],
    scopes: Annotated[
        str,
        typer.Option(
            help="Comma-separated: read,voice:write,editor:write,exports:write,shares:write,webhooks:manage,"
            "admin (tenant administration, admins only),platform (tenants of the service, platform admins only)"
        ),
    ],
    tenant: Annotated[str, typer.Option(help="Tenant slug")] = "flowai",
    name: Annotated[str, typer.Option(help="A label to recognise the key by")] = "cli",
    expires_days: Annotated[int | None, typer.Option(help="Expire after this many days")] = None,
) -> None:
    """Create an API key and print it once (`fla_<id>_<secret>`)."""
    from flowai.core import auth
    from flowai.core.db import Database, utcnow
    from flowai.core.errors import Problem
    from flowai.core.models import User

    settings = _settings()
    db = Database(settings.resolved_database_url, settings.database_admin_url)
    tenant_id = _tenant_id(db, tenant)
    try:
        with db.transaction(tenant_id=tenant_id) as s:
            owner = s.execute(
                select(User).where(User.email == auth.normalise_email(user))
            ).scalar_one_or_none()
            if owner is None:
                raise typer.BadParameter(f"no user {user!r} in tenant {tenant!r}", param_hint="--user")
            expires = utcnow() + timedelta(days=expires_days) if expires_days else None
            row, plaintext = auth.create_api_key(
                s,
                user=owner,
                name=name,
                scopes=[x.strip() for x in scopes.split(",") if x.strip()],
                expires_at=expires,
                tenant_slug=tenant,
            )
            typer.echo(plaintext)
    except Problem as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc


@tenants_app.command("create")
def tenants_create(
    slug: Annotated[
        str, typer.Argument(help="Lowercase letters, digits and hyphens; serves <slug>.<FLOWAI_BASE_DOMAIN>")
    ],
    name: Annotated[str, typer.Option(help="Display name of the workspace")],
    plan: Annotated[str, typer.Option(help="free, pro or enterprise")] = "free",
    owner_email: Annotated[str | None, typer.Option(help="Create this user as the workspace's owner")] = None,
    owner_password: Annotated[str | None, typer.Option(help="The owner's password (10+ characters)")] = None,
    isolation: Annotated[
        str, typer.Option(help="shared (row-level security) or schema (its own PostgreSQL schema)")
    ] = "shared",
) -> None:
    """Provision a tenant: its subdomain serves it at once; custom domains are added and verified by DNS."""
    from flowai.core.db import Database
    from flowai.core.errors import Problem
    from flowai.enterprise import service

    settings = _settings()
    if owner_email and (not owner_password or len(owner_password) < 10):
        raise typer.BadParameter("needs 10+ characters with --owner-email", param_hint="--owner-password")
    db = Database(settings.resolved_database_url, settings.database_admin_url)
    try:
        tenant = service.create_with_owner(
            db,
            slug=slug,
            name=name,
            base_domain=settings.base_domain,
            plan=plan,
            owner_email=owner_email,
            owner_password=owner_password,
            isolation=isolation,
        )
    except Problem as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        json.dumps(
            {
                "id": tenant.id,
                "slug": tenant.slug,
                "host": f"{slug}.{settings.base_domain}",
                "plan": tenant.plan,
                "isolation": "schema" if tenant.db_schema else "shared",
            }
        )
    )


@tenants_app.command("move")
def tenants_move(
    slug: Annotated[str, typer.Argument(help="The tenant to move")],
    to: Annotated[
        str, typer.Option(help="schema (its own PostgreSQL schema) or shared (row-level security)")
    ],
) -> None:
    """Move a tenant between isolation modes: one transaction that copies, checks row counts, and
    deletes the source rows; the tenant's requests wait for it and then see the new place."""
    from flowai.core.db import Database
    from flowai.core.errors import Problem
    from flowai.enterprise import isolation

    settings = _settings()
    db = Database(settings.resolved_database_url, settings.database_admin_url)
    try:
        before = isolation.row_counts(db, _tenant_id(db, slug))
        report = isolation.move(db, _tenant_id(db, slug), to)
        after = isolation.row_counts(db, _tenant_id(db, slug))
    except Problem as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    if before != after:  # read back through the app's own path: must equal what was there
        typer.echo(f"error: row counts changed across the move: {before} -> {after}", err=True)
        raise typer.Exit(1)
    typer.echo(
        json.dumps(
            {
                "slug": slug,
                "from": report.source,
                "to": report.target,
                "rows": report.rows,
                "total": report.total,
            }
        )
    )


@tenants_app.command("delete")
def tenants_delete(
    slug: Annotated[str, typer.Argument(help="The tenant to delete")],
    archive: Annotated[Path, typer.Option(help="Where to write the export (zip) before the purge")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: rows and media are deleted for good")] = False,
) -> None:
    """Export a tenant's rows and media to a zip, then purge them."""
    from flowai.core.context import AppContext
    from flowai.core.models import Tenant
    from flowai.enterprise import offboarding

    if not yes:
        raise typer.BadParameter("deleting a tenant is final; pass --yes", param_hint="--yes")
    if slug == "flowai":
        raise typer.BadParameter("the platform's own workspace cannot be deleted")
    ctx = AppContext.build(_settings(), run_jobs_in_process=False)
    with ctx.db.session(system=True) as s:
        tenant = s.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    if tenant is None:
        raise typer.BadParameter(f"no tenant {slug!r}")
    archive.parent.mkdir(parents=True, exist_ok=True)
    counts = offboarding.export_archive(ctx.db, ctx.storage, tenant.id, archive)
    files = offboarding.purge(ctx.db, ctx.storage, tenant.id)
    os.chmod(archive, 0o600)
    typer.echo(json.dumps({"archive": str(archive), "rows": counts, "files_deleted": files}))


@tenants_app.command("list")
def tenants_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List tenants with their plan and hosts."""
    from flowai.core.db import Database
    from flowai.core.models import Tenant

    settings = _settings()
    db = Database(settings.resolved_database_url, settings.database_admin_url)
    with db.session(system=True) as s:
        rows = [
            {
                "slug": t.slug,
                "name": t.name,
                "plan": t.plan,
                "isolation": "schema" if t.db_schema else "shared",
                "hosts": sorted(d.host for d in t.domains),
            }
            for t in s.execute(select(Tenant).order_by(Tenant.slug)).scalars()
        ]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for r in rows:
        typer.echo(
            f"{r['slug']:<20} {r['plan']:<11} {r['isolation']:<7} {r['name']:<30} {', '.join(r['hosts'])}"
        )


register_editor(app)
register_shares(app)
register_voice(app)
