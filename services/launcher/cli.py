"""The `tablemesh` command: up, status, down, logs, trace, gateway, mcp-stdio, faults, audit."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys

import typer
from rich.console import Console

from services.launcher import audit_cli, background, faults_cli, report, secret, trace_view
from services.launcher import state as statefile
from services.launcher.layout import layout
from services.launcher.logs import follow, tail
from services.launcher.mesh import Mesh
from services.runtime.config import settings
from services.runtime.registry import SERVICES

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Run the tablemesh mesh.")
console = Console()
errors = Console(stderr=True, soft_wrap=True)
app.add_typer(faults_cli.app, name="faults")
app.add_typer(audit_cli.app, name="audit")


# Runs before every command: settings (read lazily) then always find a service secret,
# and a bad one refuses every command before anything starts.
@app.callback()
def service_secret() -> None:
    try:
        secret.ensure_in_environment()
    except (secret.SecretFileError, OSError) as exc:
        errors.print(f"invalid configuration: {exc}", markup=False)
        raise typer.Exit(2) from exc
    settings()


# Logs `tablemesh logs` knows besides the services'.
OTHER_LOGS = ("envoy", "redis", "postgres", "migrations", "launcher")


async def run_mesh(detached: bool, within: float) -> int:
    # A file gets no spinners and a wide line; a terminal gets the live view.
    out = Console(width=140) if detached else console
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return await Mesh(layout().ensure(), out, detached=detached, timeout=within).run(stop)


@app.command()
def up(
    detach: bool = typer.Option(False, "--detach", "-d", help="Run in the background."),
    timeout: float = typer.Option(120.0, help="Seconds to wait for everything to be healthy."),
    foreground_supervisor: bool = typer.Option(False, hidden=True),
) -> None:
    """Start data stores, migrations, services and Envoy; Ctrl-C stops them all."""
    lay = layout().ensure()
    running = statefile.running(lay.state_file)
    if running is not None:
        errors.print(
            f"tablemesh is already running (launcher pid {running.supervisor_pid}, "
            f"{running.status}); run `tablemesh down` first"
        )
        raise typer.Exit(1)
    if detach:
        raise typer.Exit(background.start_detached(lay, console, timeout))
    raise typer.Exit(asyncio.run(run_mesh(foreground_supervisor, timeout)))


@app.command()
def status() -> None:
    """Live health of every service, Envoy and the data stores; exit 1 unless all healthy."""
    current = statefile.read(layout().state_file)
    rows = asyncio.run(report.collect(current))
    console.print(report.table(rows, current))
    if current is None:
        console.print("no launcher is running (no var/run/state.json)")
    elif not statefile.alive(current.supervisor_pid):
        console.print(f"[red]launcher {current.supervisor_pid} is gone[/red]")
    launcher_ok = current is not None and statefile.alive(current.supervisor_pid)
    raise typer.Exit(0 if launcher_ok and all(row.healthy for row in rows) else 1)


@app.command()
def down() -> None:
    """Stop a running launcher gracefully and wait until everything has stopped."""
    raise typer.Exit(background.down(layout(), console))


@app.command()
def logs(
    service: str = typer.Argument(
        ..., help="A service name, or envoy/redis/postgres/migrations/launcher."
    ),
    follow_: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines."),
    lines: int = typer.Option(50, "--lines", "-n", help="How many lines to print first."),
) -> None:
    """Print (or follow) var/logs/SERVICE.log."""
    known = [s.name for s in SERVICES] + list(OTHER_LOGS)
    if service not in known:
        errors.print(f"unknown service {service!r}; known: {', '.join(known)}", markup=False)
        raise typer.Exit(2)
    path = layout().log(service)
    if not path.exists() and not follow_:
        errors.print(f"no log yet at {path}", markup=False)
        raise typer.Exit(1)
    for line in tail(path, lines):
        print(line)
    if follow_:
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how following ends
            follow(path, echo)


@app.command()
def trace(trace_id: str = typer.Argument(..., help="32 hex digits, from a log line.")) -> None:
    """Print a request's spans across Envoy and the services as a tree with durations."""
    try:
        roots = trace_view.load(layout().root / "traces", trace_id)
    except (ValueError, FileNotFoundError) as exc:
        errors.print(str(exc), markup=False)
        raise typer.Exit(1) from exc
    console.print(trace_view.render(trace_id, roots))


@app.command()
def gateway() -> None:
    """Render the Envoy config and run Envoy in the foreground (containers use this)."""
    from services.gateway.envoy_config import command, render

    argv = command(render(layout().ensure().envoy_config))
    os.execv(argv[0], [*argv, "--log-level", "warn"])


@app.command("mcp-stdio")
def mcp_stdio() -> None:
    """Serve the MCP tools on stdin/stdout for desktop clients.

    Acts as TABLEMESH_API_KEY's owner (or TABLEMESH_ACCESS_TOKEN's) on a running mesh.
    """
    from services.mcp.stdio import main as serve_stdio

    raise typer.Exit(serve_stdio())


def echo(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
