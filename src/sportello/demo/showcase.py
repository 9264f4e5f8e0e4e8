"""What the demo account shows on first open: approved templates (one with a header variable and
buttons, one plain, one with body variables), PayPal on, and two quick replies.

The demo's Meta is the emulator, which keeps its templates in memory: every template Sportello
holds as approved is handed to the emulator as approved when it starts (`emulator_templates`),
so the two always agree, run after run, and a template sent from the demo is accepted."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from sportello.accounts.actor import Actor
from sportello.accounts.models import User
from sportello.emulator.state import StoredTemplate
from sportello.kit.pagination import PageRequest
from sportello.payments import service as payments_service
from sportello.quick_replies import service as quick_replies_service
from sportello.quick_replies.schemas import QuickReplyCreate
from sportello.templates import service as templates_service
from sportello.templates.models import TemplateCategory, TemplateStatus
from sportello.templates.schemas import TemplateButton, TemplateContent, TemplateCreate

DEMO_PAYPAL_EMAIL = "payments@demo-shop.example.com"
DEMO_TEMPLATES = (
    TemplateCreate(
        name="order_ready",
        language="it",
        category=TemplateCategory.UTILITY,
        content=TemplateContent(
            header="Ordine %%ORDER%%",
            body="Ciao %%NAME%%, il tuo ordine %%ORDER%% è pronto per il ritiro in negozio da oggi.",
            footer="Demo Shop",
            buttons=[
                TemplateButton(type="QUICK_REPLY", text="Passo oggi"),
                TemplateButton(type="QUICK_REPLY", text="Passo domani"),
                TemplateButton(type="URL", text="Orari del negozio", url="https://demo-shop.example.com/orari"),
            ],
            examples={"NAME": "Giulia", "ORDER": "A-1042"},
        ),
    ),
    TemplateCreate(
        name="thanks_for_visiting",
        language="it",
        category=TemplateCategory.MARKETING,
        content=TemplateContent(
            body="Grazie per essere passato da Demo Shop! Se hai domande su un prodotto, rispondi a questo messaggio.",
            footer="Demo Shop",
        ),
    ),
    TemplateCreate(
        name="delivery_update",
        language="es",
        category=TemplateCategory.UTILITY,
        content=TemplateContent(
            body="Hola %%NAME%%, tu pedido %%ORDER%% llegará el %%DATE%% entre las 9:00 y las 13:00.",
            examples={"NAME": "Pablo", "ORDER": "B-2210", "DATE": "12/12"},
        ),
    ),
)
DEMO_QUICK_REPLIES = (
    QuickReplyCreate(
        title="Orari",
        text="Ciao {{first_name}}! Siamo aperti dal lunedì al sabato, 9:30-19:30. Ti aspettiamo in Via Roma 12.",
    ),
    QuickReplyCreate(
        title="Taglie",
        text="Ciao {{first_name}}, ti scrivo le taglie disponibili e, se vuoi, te ne tengo una da parte fino a domani.",
    ),
)


def meta_template_id(account_id: int, template_id: int) -> str:
    """A stable id at the emulator, so the same template keeps it across runs of the demo."""
    return f"9{account_id:05d}{template_id:09d}"


async def seed_showcase(session: AsyncSession, *, owner: User, waba_id: str, app_url: str) -> None:
    account_id = owner.account_id
    for data in DEMO_TEMPLATES:
        if await templates_service.find_by_name(session, account_id=account_id, name=data.name, language=data.language):
            continue
        await templates_service.create_draft(session, account_id=account_id, data=data)
    settings = await payments_service.get_settings(session, account_id=account_id)
    if settings is None or not settings.enabled:
        # Payment links go to PayPal's own checkout with this email: no PayPal credentials needed.
        await payments_service.enable(
            session,
            actor=Actor.of(owner),
            email=DEMO_PAYPAL_EMAIL,
            default_currency="EUR",
            app_url=app_url,
            graph=None,
        )
    # Every draft of the demo (its own templates, PayPal's payment templates) is approved at once:
    # the emulator is told of it when it starts.
    _, templates = await templates_service.list_templates(
        session, account_id=account_id, search=None, page=PageRequest(1, 100)
    )
    for template in templates:
        if template.status is TemplateStatus.DRAFT and not template.meta_template_id:
            await templates_service.record_as_approved(
                session,
                account_id=account_id,
                template_id=template.id,
                meta_template_id=meta_template_id(account_id, template.id),
                waba_id=waba_id,
            )
    for reply in DEMO_QUICK_REPLIES:
        found = await quick_replies_service.list_quick_replies(
            session, account_id=account_id, search=reply.title, page=PageRequest(1, 100)
        )
        if not any(existing.title.lower() == reply.title.lower() for existing in found[1]):
            await quick_replies_service.create_quick_reply(session, account_id=account_id, data=reply)


async def emulator_templates(session: AsyncSession, *, account_id: int) -> list[StoredTemplate]:
    """The account's templates as the emulator must hold them: the approved ones approved, with
    the components Sportello sent (or would send) for review."""
    held = await templates_service.list_at_meta(session, account_id=account_id)
    return [
        StoredTemplate(
            template_id=str(t.meta_template_id),
            waba_id=t.waba_id,
            name=t.name,
            language=t.language,
            category=t.category.value,
            components=templates_service.meta_components(t),
            status="APPROVED",
            parameter_format=t.parameter_format.value,
        )
        for t in held
        if t.status is TemplateStatus.APPROVED
    ]
