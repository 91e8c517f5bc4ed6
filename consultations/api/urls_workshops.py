"""REST routes of the consultations app: workshops (spliced into consultations.api.urls). Anonymous
reads (public once the consultation's results are) are cached under the commune's versions."""

from django.urls import URLPattern, URLResolver, path

from consultations.api import views_workshops as w
from consultations.models import Consultation, Workshop
from hub.readcache import owned_by, public_read

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "consultations/<int:consultation_id>/workshops/",
        public_read(owned_by(Consultation, kwarg="consultation_id"))(w.WorkshopListView.as_view()),
        name="workshops",
    ),
    path("workshops/photos/<int:photo_id>/", w.WorkshopPhotoView.as_view(), name="workshop-photo"),
    path(
        "workshops/<int:workshop_id>/",
        public_read(owned_by(Workshop, kwarg="workshop_id"))(w.WorkshopDetailView.as_view()),
        name="workshop",
    ),
    path("workshops/<int:workshop_id>/photos/", w.WorkshopPhotosView.as_view(), name="workshop-photos"),
]
