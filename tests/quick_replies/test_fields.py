"""How a quick reply's `{{fields}}` are filled from a contact."""

from __future__ import annotations

from sportello.contacts.models import Contact
from sportello.quick_replies.service import contact_fields, fill


def test_a_name_from_whatsapp_is_split_into_first_and_last() -> None:
    # Also once the person has changed their WhatsApp name since the contact was made.
    contact = Contact(first_name="Giulia Rossi", last_name="", profile_name="Giuli", phone="+39333", email="")
    fields = contact_fields(contact)
    assert (fields["first_name"], fields["last_name"], fields["name"]) == ("Giulia", "Rossi", "Giulia Rossi")
    assert fill("Hi {{first_name}}, {{email}} {{unknown}}", fields) == "Hi Giulia, {{email}} {{unknown}}"


def test_a_name_a_person_wrote_is_kept_as_written() -> None:
    contact = Contact(first_name="Anna Maria", last_name="Bianchi", profile_name="Anna", phone=None, email="a@b.it")
    fields = contact_fields(contact)
    assert (fields["first_name"], fields["last_name"], fields["name"]) == (
        "Anna Maria",
        "Bianchi",
        "Anna Maria Bianchi",
    )
    assert fill("{{ first_name }} {{phone}} {{email}}", fields) == "Anna Maria {{phone}} a@b.it"


def test_a_username_only_contact_is_named_by_its_username() -> None:
    contact = Contact(first_name="", last_name="", profile_name="", username="giuli", phone=None, email="")
    assert fill("Ciao {{name}} / {{first_name}}", contact_fields(contact)) == "Ciao giuli / giuli"
