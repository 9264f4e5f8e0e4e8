"""The rules of PayPal payment requests: the account's settings (and its default payment
templates), sending a request in a chat as a template message, and the short link's redirect."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.actor import Actor
from sportello.accounts.permissions import can_manage_users
from sportello.chats.models import Chat
from sportello.errors import Conflict, Forbidden, InvalidInput, NotFound
from sportello.kit.pagination import PageRequest
from sportello.messages import service as messages_service
from sportello.messages.models import Message
from sportello.payments import repository as repo
from sportello.payments.amounts import check_currency, customer_amount, parse_amount, paypal_amount
from sportello.payments.models import PaymentRequest, PaypalSettings
from sportello.realtime import service as live
from sportello.templates import service as templates_service
from sportello.templates.models import TemplateCategory, TemplateStatus
from sportello.templates.schemas import TemplateContent, TemplateCreate

DEFAULT_TEMPLATE_NAME = "paypal_payment_request"
# The default payment template, one per language; the placeholders are filled at each send.
DEFAULT_TEMPLATES = {
    "it": (
        "Ciao! Ecco la richiesta di pagamento di %%SPOKI_PAYMENT_REQUEST_AMOUNT%% per "
        "%%SPOKI_PAYMENT_REQUEST_DESCRIPTION%%. Puoi pagare con PayPal da questo link: "
        "%%SPOKI_PAYMENT_REQUEST_LINK%% Grazie!",
        "Ordine A-1042",
    ),
    "en": (
        "Hello! Here is the payment request of %%SPOKI_PAYMENT_REQUEST_AMOUNT%% for "
        "%%SPOKI_PAYMENT_REQUEST_DESCRIPTION%%. You can pay with PayPal at this link: "
        "%%SPOKI_PAYMENT_REQUEST_LINK%% Thank you!",
        "Order A-1042",
    ),
    "es": (
        "¡Hola! Aquí tienes la solicitud de pago de %%SPOKI_PAYMENT_REQUEST_AMOUNT%% por "
        "%%SPOKI_PAYMENT_REQUEST_DESCRIPTION%%. Puedes pagar con PayPal en este enlace: "
        "%%SPOKI_PAYMENT_REQUEST_LINK%% ¡Gracias!",
        "Pedido A-1042",
    ),
}


EXAMPLE_AMOUNT = Decimal("12.50")


@dataclass(frozen=True)
class Enabled:
    settings: PaypalSettings
    default_templates: list[int]
    notice: str


def _require_manager(actor: Actor) -> None:
    if not can_manage_users(actor.role):
        raise Forbidden("Only the Owner and Administrators set up integrations.", code="permission_denied")


async def get_settings(session: AsyncSession, *, account_id: int) -> PaypalSettings | None:
    return await repo.find_settings(session, account_id=account_id)


async def enabled_settings(session: AsyncSession, *, account_id: int) -> PaypalSettings:
    found = await repo.find_settings(session, account_id=account_id)
    if found is None or not found.enabled:
        raise Forbidden("PayPal is not enabled for this account: enable it in Integrations.", code="paypal_disabled")
    return found


async def enable(
    session: AsyncSession,
    *,
    actor: Actor,
    email: str,
    default_currency: str,
    app_url: str,
    graph: templates_service.Graph | None,
) -> Enabled:
    """Turn PayPal on (or change its email); the first time, the default payment template is
    made in Italian, English and Spanish and sent to Meta for review (`graph=None`: kept as
    drafts, for a caller that tells Meta itself, as the demo does with its emulator)."""
    _require_manager(actor)
    currency = check_currency(default_currency)
    settings = await repo.find_settings(session, account_id=actor.account_id)
    if settings is None:
        settings = PaypalSettings(account_id=actor.account_id, email=email, default_currency=currency)
    settings.email, settings.default_currency, settings.enabled = email, currency, True
    await repo.save_settings(session, settings)
    made, notice = await _default_templates(session, account_id=actor.account_id, app_url=app_url, graph=graph)
    return Enabled(settings=settings, default_templates=made, notice=notice)


async def _default_templates(
    session: AsyncSession, *, account_id: int, app_url: str, graph: templates_service.Graph | None
) -> tuple[list[int], str]:
    made: list[int] = []
    notice = ""
    for language, (body, description) in DEFAULT_TEMPLATES.items():
        existing = await templates_service.find_by_name(
            session, account_id=account_id, name=DEFAULT_TEMPLATE_NAME, language=language
        )
        if existing is not None:
            made.append(existing.id)
            continue
        draft = await templates_service.create_draft(
            session,
            account_id=account_id,
            data=TemplateCreate(
                name=DEFAULT_TEMPLATE_NAME,
                language=language,
                category=TemplateCategory.MARKETING,
                subcategory=templates_service.PAYMENT_SUBCATEGORY,
                content=TemplateContent(
                    body=body,
                    examples={
                        templates_service.PAYMENT_AMOUNT: customer_amount(
                            parse_amount("12.50", "EUR"), "EUR", language
                        ),
                        templates_service.PAYMENT_LINK: f"{app_url}/pay/3kP9xQ2mZ7vB1nL8",
                        templates_service.PAYMENT_DESCRIPTION: description,
                    },
                ),
            ),
        )
        made.append(draft.id)
        if graph is None:
            continue
        try:
            await templates_service.submit(session, account_id=account_id, template_id=draft.id, graph=graph)
        except (InvalidInput, Conflict) as error:
            # Kept as a draft, to submit from the templates page once the cause is fixed.
            notice = error.detail
    return made, notice


async def disable(session: AsyncSession, *, actor: Actor) -> None:
    _require_manager(actor)
    settings = await repo.find_settings(session, account_id=actor.account_id)
    if settings is not None:
        settings.enabled = False


async def send(
    session: AsyncSession,
    *,
    actor: Actor,
    chat: Chat,
    template_id: int,
    amount: str,
    currency: str,
    description: str,
    app_url: str,
) -> tuple[PaymentRequest, Message]:
    """A payment request in a chat: recorded, then sent as its template with the amount, the
    description and the short link filled in (a template goes even outside the 24-hour window)."""
    settings = await enabled_settings(session, account_id=chat.account_id)
    template = await templates_service.get_template(session, account_id=chat.account_id, template_id=template_id)
    if not templates_service.is_payment_template(template):
        raise InvalidInput("This template is not a payment template.", code="not_a_payment_template", field="template")
    if template.status is not TemplateStatus.APPROVED:
        raise Conflict("This payment template is not approved by Meta yet.", code="template_not_approved")
    code = check_currency(currency)
    value = parse_amount(amount, code)
    description = description.strip()
    codes = templates_service.order_of(template)
    if templates_service.PAYMENT_DESCRIPTION in codes and not description:
        raise InvalidInput(
            "Describe what the payment is for: the message shows it.", code="description_required", field="description"
        )
    request = await repo.insert_request(
        session,
        PaymentRequest(
            public_id=secrets.token_urlsafe(16),
            account_id=chat.account_id,
            chat_id=chat.id,
            sender_user_id=actor.user_id,
            template_id=template.id,
            amount=value,
            currency=code,
            description=description,
            receiver_email=settings.email,
        ),
    )
    fields = {
        templates_service.PAYMENT_AMOUNT: customer_amount(value, code, template.language),
        templates_service.PAYMENT_LINK: link_of(request, app_url),
    }
    if templates_service.PAYMENT_DESCRIPTION in codes:
        fields[templates_service.PAYMENT_DESCRIPTION] = description
    message = await messages_service.send_payment_template(
        session, chat=chat, template=template, fields=fields, sender_user_id=actor.user_id
    )
    request.message_id = message.id
    return request, message


def link_of(request: PaymentRequest, app_url: str) -> str:
    return f"{app_url}/pay/{request.public_id}"


def paypal_url(request: PaymentRequest, checkout_url: str) -> str:
    """PayPal's Payments Standard "Buy Now" (`_xclick`) page for the receiving email, with the
    amount, the currency and the description (`item_name`, at most 127 characters) filled in."""
    query = {
        "cmd": "_xclick",
        "business": request.receiver_email,
        "amount": paypal_amount(request.amount, request.currency),
        "currency_code": request.currency,
        "charset": "utf-8",
    }
    if request.description:
        query["item_name"] = request.description[:127]
    return f"{checkout_url}?{urlencode(query)}"


async def open_link(session: AsyncSession, *, public_id: str, now: datetime | None = None) -> PaymentRequest:
    """A customer opened the link: counted (the chat's card shows it), then sent on to PayPal."""
    request = await repo.find_by_public_id(session, public_id) if 0 < len(public_id) <= 32 else None
    if request is None:
        raise NotFound("There is no such payment link.", code="payment_request_not_found")
    now = now or datetime.now(UTC)
    request.opened_count += 1
    request.first_opened_at = request.first_opened_at or now
    request.last_opened_at = now
    live.record_payment(session, account_id=request.account_id, request_id=request.id)
    return request


async def list_requests(
    session: AsyncSession, *, account_id: int, chat_id: int | None, page: PageRequest
) -> tuple[int, Sequence[PaymentRequest]]:
    return await repo.list_page(
        session, account_id=account_id, chat_id=chat_id, offset=page.offset, limit=page.page_size
    )
