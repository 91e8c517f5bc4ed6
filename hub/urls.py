"""Project URL wiring: pages, the REST API, its schema and docs, health, admin, i18n."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from hub.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("hub.api.urls")),
    path("api/v1/", include("publications.api.urls")),
    path("api/v1/", include("notifications.api.urls")),
    path("api/v1/", include("notifications.api.urls_sms")),
    path("api/v1/", include("forums.api.urls")),
    path("api/v1/", include("sessions_live.api.urls")),
    path("api/v1/", include("commitments.api.urls")),
    path("api/v1/", include("council.api.urls")),
    path("api/v1/", include("consultations.api.urls")),
    path("api/v1/", include("practices.api.urls")),
    path("api/v1/", include("evaluation.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("", include("frontend.urls_i18n")),
    path("", include("frontend.urls")),
]

handler400 = "frontend.views.bad_request"
handler403 = "frontend.views.permission_denied"
handler404 = "frontend.views.page_not_found"
handler500 = "frontend.views.server_error"
