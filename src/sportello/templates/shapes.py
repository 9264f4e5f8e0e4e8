"""Builds the wire `Template` (the REST API, the templates page and its live events)."""

from __future__ import annotations

from sportello.templates import service
from sportello.templates.models import Template
from sportello.templates.schemas import TemplateRead


def template_read(template: Template) -> TemplateRead:
    return TemplateRead(
        id=template.id,
        name=template.name,
        language=template.language,
        category=template.category,
        subcategory=template.subcategory,
        status=template.status,
        rejection_reason=template.rejection_reason,
        parameter_format=template.parameter_format,
        rejection_code=template.rejection_code,
        rejection_recommendation=template.rejection_recommendation,
        content=template.components,
        placeholders=service.order_of(template),
        created_datetime=template.created_at,
        updated_datetime=template.updated_at,
    )
