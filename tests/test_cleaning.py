"""The input helpers every app shares: ids (``hub.cleaning.as_id``) and photos
(``hub.uploads.images_check``)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hub.cleaning import as_id
from hub.errors import InvalidInput
from hub.limits import ID_MAX
from hub.uploads import FileKind, images_check
from tests.factories_publications import pdf_bytes, png_bytes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, 12),
        ("12", 12),
        (" 12 ", 12),
        (ID_MAX, ID_MAX),
        (str(ID_MAX), ID_MAX),
        (ID_MAX + 1, None),
        (10**20, None),
        ("100000000000000000000", None),
        (0, None),
        (-3, None),
        ("0", None),
        (True, None),
        ("12a", None),
        ("²", None),
        ("", None),
        (None, None),
        (1.0, None),
        ([1], None),
    ],
)
def test_an_id_is_a_bounded_positive_integer(value: object, expected: int | None) -> None:
    assert as_id(value) == expected


def test_photos_are_counted_and_checked_by_content_and_name_the_field() -> None:
    photo = SimpleUploadedFile("atelier.png", png_bytes(), content_type="image/png")
    checked = images_check([photo], max_count=2, field="photos", too_many="Trop de photos")
    assert [(item.kind, item.original_name) for item in checked] == [(FileKind.PNG, "atelier.png")]
    assert images_check([], max_count=2, field="photos", too_many="Trop") == []

    three = [SimpleUploadedFile(f"p{n}.png", png_bytes(), content_type="image/png") for n in range(3)]
    with pytest.raises(InvalidInput) as caught:
        images_check(three, max_count=2, field="photos", too_many="Trop de photos")
    assert caught.value.details["fields"] == {"photos": ["Trop de photos"]}

    # A PDF named and typed as a PNG is refused from its content, under the form's field.
    disguised = SimpleUploadedFile("photo.png", pdf_bytes("Compte rendu"), content_type="image/png")
    with pytest.raises(InvalidInput) as caught:
        images_check([disguised], max_count=2, field="photos", too_many="Trop")
    assert list(caught.value.details["fields"]) == ["photos"]
