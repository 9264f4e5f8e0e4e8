"""What crosses the wire about templates: Sportello's form (header, body, footer, buttons with
`%%CODE%%` placeholders and their examples)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from sportello.kit.schemas import InputSchema
from sportello.templates.models import ParameterFormat, TemplateCategory, TemplateStatus

Code = Annotated[str, StringConstraints(pattern="^[A-Z][A-Z0-9_]{0,63}$")]
Example = Annotated[str, StringConstraints(max_length=1024)]


class TemplateButton(InputSchema):
    type: Literal["QUICK_REPLY", "URL", "PHONE_NUMBER"] = "QUICK_REPLY"
    text: Annotated[str, StringConstraints(min_length=1, max_length=25)]
    url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    phone_number: Annotated[str, StringConstraints(max_length=40)] | None = None


class TemplateContent(InputSchema):
    header: Annotated[str, StringConstraints(max_length=1000)] = ""
    body: Annotated[str, StringConstraints(min_length=1, max_length=5000)]
    footer: Annotated[str, StringConstraints(max_length=1000)] = ""
    buttons: Annotated[list[TemplateButton], Field(max_length=10)] = []
    examples: dict[Code, Example] = {}


class TemplateCreate(InputSchema):
    model_config = {
        **InputSchema.model_config,
        "json_schema_extra": {
            "examples": [
                {
                    "name": "order_ready",
                    "language": "it",
                    "category": "UTILITY",
                    "content": {
                        "header": "Ordine %%ORDER%%",
                        "body": "Ciao %%NAME%%, il tuo ordine %%ORDER%% è pronto per il ritiro.",
                        "footer": "Demo Shop",
                        "buttons": [{"type": "QUICK_REPLY", "text": "Grazie"}],
                        "examples": {"NAME": "Giulia", "ORDER": "A-1042"},
                    },
                }
            ]
        },
    }

    name: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    language: Annotated[str, StringConstraints(pattern="^[a-z]{2,3}(_[A-Z]{2})?$")]
    category: TemplateCategory
    subcategory: Annotated[str, StringConstraints(max_length=40)] = ""
    content: TemplateContent
    parameter_format: ParameterFormat = Field(
        default=ParameterFormat.POSITIONAL,
        description="How Meta names the variables: POSITIONAL ({{1}} per component) or NAMED ({{order}}, "
        "from %%ORDER%%). URL buttons take one positional {{1}} either way.",
    )


class TemplateUpdate(InputSchema):
    model_config = {**InputSchema.model_config, "json_schema_extra": {"examples": [{"category": "MARKETING"}]}}

    name: Annotated[str, StringConstraints(min_length=1, max_length=512)] | None = None
    language: Annotated[str, StringConstraints(pattern="^[a-z]{2,3}(_[A-Z]{2})?$")] | None = None
    category: TemplateCategory | None = None
    subcategory: Annotated[str, StringConstraints(max_length=40)] | None = None
    content: TemplateContent | None = None
    parameter_format: ParameterFormat | None = None


class TemplateRead(BaseModel):
    id: int
    name: str
    language: str
    category: TemplateCategory
    subcategory: str
    status: TemplateStatus
    rejection_reason: str = Field(description="Meta's reason, in Meta's English.")
    rejection_code: str = Field(
        default="",
        description="Meta's reason code: ABUSIVE_CONTENT, CATEGORY_NOT_AVAILABLE, INCORRECT_CATEGORY, "
        "INVALID_FORMAT, NONE, PROMOTIONAL, SCAM, TAG_CONTENT_MISMATCH, or another Meta adds.",
    )
    rejection_recommendation: str = Field(default="", description="Meta's advice on what to change, if any.")
    parameter_format: ParameterFormat
    content: dict[str, object]
    placeholders: list[str] = Field(description="The %%CODE%% placeholders, in order: the custom_fields to fill.")
    created_datetime: datetime
    updated_datetime: datetime
