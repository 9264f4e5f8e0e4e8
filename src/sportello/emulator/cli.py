"""`sportello emulator` (serve it) and `sportello emulator say` (write to the business as a customer)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import httpx
import typer

emulator_cli = typer.Typer(help="The WhatsApp Cloud API emulator.", invoke_without_command=True)


@emulator_cli.callback()
def serve(
    context: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8100,
    config: Annotated[Path | None, typer.Option(help="A JSON file of EmulatorConfig fields.")] = None,
) -> None:
    """Serve the emulator (Graph API paths, customer phone pages at /phone/<number>)."""
    if context.invoked_subcommand is not None:
        return
    import uvicorn

    from sportello.emulator.app import create_emulator_app
    from sportello.emulator.config import EmulatorConfig

    settings = EmulatorConfig.from_file(config) if config else EmulatorConfig()
    typer.echo(
        f"WhatsApp emulator on http://{host}:{port}  (customer phone: http://{host}:{port}/phone/<number>)", err=True
    )
    uvicorn.run(create_emulator_app(settings), host=host, port=port, log_level="warning")


@emulator_cli.command()
def say(
    text: Annotated[str, typer.Argument(help="What the customer writes.")],
    sender: Annotated[str, typer.Option("--from", help="The customer's number, e.g. +393331234567.")],
    name: Annotated[str, typer.Option(help="The customer's WhatsApp profile name.")] = "Customer",
    url: Annotated[str, typer.Option(help="The running emulator.")] = "http://127.0.0.1:8100",
    phone_number_id: Annotated[str | None, typer.Option(help="Which business (default: the first).")] = None,
) -> None:
    """Write to the business as a customer would, from a script."""
    body = {"from": sender, "name": name, "type": "text", "text": text, "phone_number_id": phone_number_id}
    try:
        answer = httpx.post(f"{url.rstrip('/')}/_emulator/say", json=body, timeout=10)
    except httpx.HTTPError as exc:
        typer.echo(f"error: the emulator at {url} does not answer ({exc})", err=True)
        raise typer.Exit(1) from exc
    if answer.status_code != 200:
        typer.echo(f"error: {answer.json().get('detail')}", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps({"wamid": answer.json()["wamid"]}))
