"""The rules of templates: Meta's checks before Meta sees them, the draft → review life, and
what an approved template sends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.actor import Actor
from sportello.accounts.permissions import can_manage_templates
from sportello.errors import Conflict, Forbidden, InvalidInput, NotFound
from sportello.integrations import repository as integrations_repo
from sportello.kit.encryption import SecretBox
from sportello.kit.pagination import PageRequest
from sportello.kit.phones import to_e164
from sportello.realtime import service as live
from sportello.templates import placeholders
from sportello.templates import repository as repo
from sportello.templates.models import ParameterFormat, Template, TemplateCategory, TemplateStatus
from sportello.templates.schemas import TemplateContent, TemplateCreate, TemplateUpdate
from sportello.whatsapp.client import GraphApiClient
from sportello.whatsapp.errors import GraphApiError

EDITABLE = (TemplateStatus.DRAFT, TemplateStatus.REJECTED)


@dataclass(frozen=True)
class Graph:
    """What talking to Meta needs: the client and the box that opens the number's token."""

    client: GraphApiClient
    box: SecretBox


def _check(name: str, content: TemplateContent) -> None:
    if not placeholders.NAME.match(name):
        raise InvalidInput(
            "A template name has lowercase letters, digits and underscores only (e.g. order_ready).",
            code="template_invalid_name",
            field="name",
        )
    examples = dict(content.examples)
    placeholders.check_text(content.body, part="body", examples=examples, max_length=1024, max_codes=30, body=True)
    if content.header:
        placeholders.check_text(content.header, part="header", examples=examples, max_length=60, max_codes=1)
    if content.footer:
        placeholders.check_text(content.footer, part="footer", examples=examples, max_length=60, max_codes=0)
    for button in content.buttons:
        if button.type == "URL":
            _check_button_url(button.url or "", examples)
        if button.type == "PHONE_NUMBER":
            to_e164(button.phone_number or "")
    if len([b for b in content.buttons if b.type != "QUICK_REPLY"]) > 3:
        raise InvalidInput("At most 3 link or call buttons.", code="too_many_buttons", field="buttons")


def _check_button_url(url: str, examples: dict[str, str]) -> None:
    """Meta lets a URL button end in one variable (`https://shop.example/track/{{1}}`), filled
    per send, with an example for the review; anywhere else in the address it refuses it."""
    if not url.startswith("https://"):
        raise InvalidInput("A URL button needs an https:// address.", code="button_url_invalid", field="buttons")
    found = placeholders.codes(url)
    if not found:
        return
    if len(found) > 1 or len(placeholders.PLACEHOLDER.findall(url)) > 1 or not placeholders.AT_END.search(url):
        raise InvalidInput(
            "A URL button may have one placeholder, at the end of its address.",
            code="button_url_placeholder",
            field="buttons",
        )
    if "%%" in placeholders.PLACEHOLDER.sub("", url):
        raise InvalidInput(
            "The button's address has a malformed placeholder.", code="malformed_placeholder", field="buttons"
        )
    if not examples.get(found[0], "").strip():
        raise InvalidInput(
            f"Give an example for {found[0]}: Meta reviews the template with it.",
            code="placeholder_without_example",
            field="buttons",
        )


PAYMENT_SUBCATEGORY = "payment_request"
PAYMENT_AMOUNT, PAYMENT_LINK, PAYMENT_DESCRIPTION = (
    "SPOKI_PAYMENT_REQUEST_AMOUNT",
    "SPOKI_PAYMENT_REQUEST_LINK",
    "SPOKI_PAYMENT_REQUEST_DESCRIPTION",
)


def _check_payment(category: TemplateCategory, subcategory: str, content: TemplateContent) -> None:
    """A payment template carries the amount and the link (and may carry the description); they
    are filled when an agent sends it, so no other placeholder may wait for a value."""
    if subcategory != PAYMENT_SUBCATEGORY:
        return
    if category is not TemplateCategory.MARKETING:
        raise InvalidInput(
            "A payment template is a MARKETING template.", code="payment_template_category", field="category"
        )
    found = set(placeholders.codes(" ".join([content.header, content.body, content.footer])))
    missing = [code for code in (PAYMENT_AMOUNT, PAYMENT_LINK) if code not in found]
    if missing:
        raise InvalidInput(
            f"A payment template must contain {' and '.join(f'%%{code}%%' for code in missing)}.",
            code="payment_placeholders_missing",
            field="body",
        )
    extra = sorted(found - {PAYMENT_AMOUNT, PAYMENT_LINK, PAYMENT_DESCRIPTION})
    if extra:
        raise InvalidInput(
            f"A payment template has only the payment's placeholders; remove %%{extra[0]}%%.",
            code="payment_placeholder_unknown",
            field="body",
        )


def is_payment_template(template: Template) -> bool:
    return template.subcategory == PAYMENT_SUBCATEGORY


def order_of(template: Template) -> list[str]:
    """Every placeholder an agent fills: header, body, then the URL buttons' endings."""
    content = template.components
    urls = " ".join(str(button.get("url") or "") for button in content.get("buttons", []))
    return placeholders.codes(f"{content.get('header', '')} {content.get('body', '')} {urls}")


async def find_by_name(session: AsyncSession, *, account_id: int, name: str, language: str) -> Template | None:
    return await repo.find_by_name(session, account_id=account_id, name=name, language=language)


def ensure_may_manage(actor: Actor) -> None:
    if not can_manage_templates(actor.role):
        raise Forbidden("A Chat Operator cannot request templates: ask a Chat Manager.", code="forbidden")


async def get_template(session: AsyncSession, *, account_id: int, template_id: int) -> Template:
    template = await repo.find(session, account_id=account_id, template_id=template_id)
    if template is None:
        raise NotFound("There is no such template in this account.", code="template_not_found")
    return template


async def list_templates(
    session: AsyncSession, *, account_id: int, search: str | None, page: PageRequest
) -> tuple[int, Sequence[Template]]:
    return await repo.list_page(session, account_id=account_id, search=search, offset=page.offset, limit=page.page_size)


async def _unique(session: AsyncSession, *, account_id: int, name: str, language: str, but: int | None = None) -> None:
    existing = await repo.find_by_name(session, account_id=account_id, name=name, language=language)
    if existing is not None and existing.id != but:
        raise Conflict(f"A template '{name}' in {language} already exists.", code="template_exists")


async def create_draft(session: AsyncSession, *, account_id: int, data: TemplateCreate) -> Template:
    _check(data.name, data.content)
    _check_payment(data.category, data.subcategory, data.content)
    await _unique(session, account_id=account_id, name=data.name, language=data.language)
    created = await repo.insert(
        session,
        Template(
            account_id=account_id,
            name=data.name,
            language=data.language,
            category=data.category,
            subcategory=data.subcategory,
            status=TemplateStatus.DRAFT,
            components=data.content.model_dump(mode="json"),
            parameter_format=data.parameter_format,
        ),
    )
    live.record_template(session, account_id=account_id, template_id=created.id)
    return created


async def update_template(
    session: AsyncSession, *, account_id: int, template_id: int, data: TemplateUpdate
) -> Template:
    template = await get_template(session, account_id=account_id, template_id=template_id)
    if template.status not in EDITABLE:
        raise Conflict(
            "Only a draft or a rejected template can be changed: use back_to_draft or clone.",
            code="template_not_editable",
        )
    name = data.name or template.name
    language = data.language or template.language
    content = data.content or TemplateContent.model_validate(template.components)
    _check(name, content)
    _check_payment(
        data.category or template.category,
        template.subcategory if data.subcategory is None else data.subcategory,
        content,
    )
    await _unique(session, account_id=account_id, name=name, language=language, but=template.id)
    if (name, language) != (template.name, template.language):
        # Meta cannot rename a template it reviewed: under a new name or language it is a new request.
        template.meta_template_id = None
    template.name, template.language, template.components = name, language, content.model_dump(mode="json")
    if data.category is not None:
        template.category = data.category
    if data.subcategory is not None:
        template.subcategory = data.subcategory
    if data.parameter_format is not None:
        template.parameter_format = data.parameter_format
    await session.flush()
    live.record_template(session, account_id=account_id, template_id=template.id)
    return template


def meta_components(template: Template) -> list[dict[str, Any]]:
    """Meta's components for review: `%%CODE%%` → `{{n}}` (or `{{code}}` for a NAMED template),
    with the examples Meta asks for, in the shape that format takes (Meta's template reference:
    `header_text` / `body_text` positional, `header_text_named_params` / `body_text_named_params`
    as `{param_name, example}` named)."""
    content = template.components
    examples = content.get("examples", {})
    named = template.parameter_format is ParameterFormat.NAMED
    to_meta = placeholders.to_meta_named if named else placeholders.to_meta
    components: list[dict[str, Any]] = []
    if content.get("header"):
        header: dict[str, Any] = {"type": "HEADER", "format": "TEXT", "text": to_meta(content["header"])}
        codes = placeholders.codes(content["header"])
        if codes:
            header["example"] = (
                {"header_text_named_params": _named_examples(codes, examples)}
                if named
                else {"header_text": [examples[codes[0]]]}
            )
        components.append(header)
    body: dict[str, Any] = {"type": "BODY", "text": to_meta(content["body"])}
    body_codes = placeholders.codes(content["body"])
    if body_codes:
        body["example"] = (
            {"body_text_named_params": _named_examples(body_codes, examples)}
            if named
            else {"body_text": [[examples[code] for code in body_codes]]}
        )
    components.append(body)
    if content.get("footer"):
        components.append({"type": "FOOTER", "text": content["footer"]})
    if content.get("buttons"):
        components.append({"type": "BUTTONS", "buttons": [_meta_button(b, examples) for b in content["buttons"]]})
    return components


def _named_examples(codes: list[str], examples: dict[str, str]) -> list[dict[str, str]]:
    return [{"param_name": placeholders.meta_name(code), "example": examples[code]} for code in codes]


def _meta_button(button: dict[str, Any], examples: dict[str, str]) -> dict[str, Any]:
    meta = {k: v for k, v in button.items() if v is not None}
    url = str(button.get("url") or "")
    if button.get("type") == "URL" and placeholders.codes(url):
        meta["url"] = placeholders.to_meta(url)
        meta["example"] = [placeholders.fill(url, examples)]
    return meta


async def _number(session: AsyncSession, account_id: int) -> Any:
    numbers = await integrations_repo.list_for_account(session, account_id=account_id)
    if not numbers:
        raise Conflict("Connect a WhatsApp number to this account first.", code="no_whatsapp_number")
    return numbers[0]


async def submit(session: AsyncSession, *, account_id: int, template_id: int, graph: Graph) -> Template:
    """Send the template to Meta for review; Meta's decision comes later by webhook."""
    template = await get_template(session, account_id=account_id, template_id=template_id)
    if template.status not in EDITABLE:
        raise Conflict(
            f"This template is {template.status.value}: only a draft or a rejected one is submitted.",
            code="template_not_editable",
        )
    number = await _number(session, account_id)
    access_token = graph.box.open(number.access_token_sealed)
    try:
        if template.meta_template_id:
            # Meta keeps a rejected template under its name (also one put back to draft here): it is
            # edited and reviewed again, not created twice.
            await graph.client.edit_template(
                access_token=access_token,
                template_id=template.meta_template_id,
                category=template.category.value,
                components=meta_components(template),
            )
        else:
            created = await graph.client.create_template(
                access_token=access_token,
                waba_id=number.waba_id,
                name=template.name,
                category=template.category.value,
                language=template.language,
                components=meta_components(template),
                parameter_format=template.parameter_format.value,
            )
            template.meta_template_id = created.id or None
    except GraphApiError as error:
        raise InvalidInput(
            f"Meta refused the template: {error.agent_message('en')}", code=f"meta_{error.code}"
        ) from error
    template.waba_id = number.waba_id
    template.status = TemplateStatus.PENDING
    template.rejection_reason = template.rejection_code = template.rejection_recommendation = ""
    await session.flush()
    live.record_template(session, account_id=account_id, template_id=template.id)
    return template


async def record_as_approved(
    session: AsyncSession, *, account_id: int, template_id: int, meta_template_id: str, waba_id: str
) -> Template:
    """A template Meta already holds as approved under `meta_template_id` (the demo's emulator,
    told of it at its start), recorded so without a review round."""
    template = await get_template(session, account_id=account_id, template_id=template_id)
    template.status = TemplateStatus.APPROVED
    template.meta_template_id, template.waba_id = meta_template_id, waba_id
    template.rejection_reason = template.rejection_code = template.rejection_recommendation = ""
    await session.flush()
    live.record_template(session, account_id=account_id, template_id=template.id)
    return template


async def list_at_meta(session: AsyncSession, *, account_id: int) -> list[Template]:
    """The account's templates Meta holds (submitted once), oldest first."""
    return [t for t in await repo.list_all(session, account_id=account_id) if t.meta_template_id]


async def back_to_draft(session: AsyncSession, *, account_id: int, template_id: int) -> Template:
    template = await get_template(session, account_id=account_id, template_id=template_id)
    if template.status is not TemplateStatus.REJECTED:
        raise Conflict(
            "Only a rejected template goes back to draft; clone an approved one to change it.",
            code="template_not_rejected",
        )
    template.status = TemplateStatus.DRAFT
    await session.flush()
    live.record_template(session, account_id=account_id, template_id=template.id)
    return template


async def clone(session: AsyncSession, *, account_id: int, template_id: int) -> Template:
    source = await get_template(session, account_id=account_id, template_id=template_id)
    for index in range(1, 1000):
        name = f"{source.name[:500]}_copy{'' if index == 1 else index}"
        if await repo.find_by_name(session, account_id=account_id, name=name, language=source.language) is None:
            break
    copy = await repo.insert(
        session,
        Template(
            account_id=account_id,
            name=name,
            language=source.language,
            category=source.category,
            subcategory=source.subcategory,
            status=TemplateStatus.DRAFT,
            components=dict(source.components),
            parameter_format=source.parameter_format,
        ),
    )
    live.record_template(session, account_id=account_id, template_id=copy.id)
    return copy


async def delete_template(session: AsyncSession, *, account_id: int, template_id: int, graph: Graph) -> None:
    template = await get_template(session, account_id=account_id, template_id=template_id)
    if template.meta_template_id:
        number = await _number(session, account_id)
        try:
            await graph.client.delete_template(
                access_token=graph.box.open(number.access_token_sealed), waba_id=number.waba_id, name=template.name
            )
        except GraphApiError as error:
            if error.code != 100:  # 100: Meta no longer has it
                raise InvalidInput(
                    f"Meta did not delete the template: {error.agent_message('en')}", code=f"meta_{error.code}"
                ) from error
    await session.delete(template)
    await session.flush()
    live.record_template(session, account_id=account_id, template_id=template_id)


def render(template: Template, custom_fields: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The text the chat shows and Meta's `template` object, with every placeholder filled."""
    if template.status is not TemplateStatus.APPROVED:
        raise Conflict(
            f"This template is {template.status.value}, not approved: it cannot be sent yet.",
            code="template_not_approved",
        )
    order = order_of(template)
    missing = [code for code in order if not custom_fields.get(code, "").strip()]
    if missing:
        raise InvalidInput(
            f"Fill the template's fields: {', '.join(missing)}.", code="missing_custom_fields", field="custom_fields"
        )
    content = template.components
    named = template.parameter_format is ParameterFormat.NAMED

    def parameters(codes: list[str]) -> list[dict[str, str]]:
        # Each component's values in its own order; a NAMED template's also carry their names.
        return [
            {
                "type": "text",
                **({"parameter_name": placeholders.meta_name(code)} if named else {}),
                "text": custom_fields[code],
            }
            for code in codes
        ]

    components: list[dict[str, Any]] = []
    header_codes = placeholders.codes(content.get("header", ""))
    if header_codes:
        components.append({"type": "header", "parameters": parameters(header_codes[:1])})
    body_codes = placeholders.codes(content["body"])
    if body_codes:
        components.append({"type": "body", "parameters": parameters(body_codes)})
    for index, button in enumerate(content.get("buttons", [])):
        url_codes = placeholders.codes(str(button.get("url") or "")) if button.get("type") == "URL" else []
        if url_codes:
            components.append(
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": str(index),
                    "parameters": [{"type": "text", "text": custom_fields[url_codes[0]]}],
                }
            )
    text = "\n\n".join(
        part
        for part in (
            placeholders.fill(content.get("header", ""), custom_fields),
            placeholders.fill(content["body"], custom_fields),
            content.get("footer", ""),
        )
        if part
    )
    return text, {"name": template.name, "language": template.language, "components": components}


def sent_buttons(template: Template, custom_fields: dict[str, str]) -> list[dict[str, str]]:
    """The template's buttons as the customer sees them with this send: a link button's address
    with its variable filled, so the agent's copy of the message shows what the customer taps."""
    buttons = []
    for button in template.components.get("buttons", []):
        kind = str(button.get("type") or "QUICK_REPLY")
        sent = {"type": kind, "text": str(button.get("text") or "")}
        if kind == "URL":
            sent["url"] = placeholders.fill(str(button.get("url") or ""), custom_fields)
        elif kind == "PHONE_NUMBER":
            sent["phone_number"] = str(button.get("phone_number") or "")
        buttons.append(sent)
    return buttons
