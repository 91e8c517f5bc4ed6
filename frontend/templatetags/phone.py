"""``{{ number|benin_phone }}``: "+2290121300000" → "+229 01 21 30 00 00", read aloud in pairs."""

from django import template

register = template.Library()


@register.filter
def benin_phone(value: str | None) -> str:
    text = str(value or "")
    if text.startswith("+229") and len(text) == 14 and text[1:].isdigit():
        national = text[4:]
        return "+229 " + " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return text
