"""REST routes of the practices app under /api/v1/ (wired in hub.urls)."""

from django.urls import URLPattern, URLResolver, path

from hub.readcache import all_communes, commune_in_path, commune_in_query, owned_by, public_read
from practices.api import views as v
from practices.models import PracticeSheet

app_name = "practices-api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("practices/", public_read(commune_in_query)(v.SheetListView.as_view()), name="list"),
    path("practices/themes/", public_read(all_communes)(v.ThemeListView.as_view()), name="themes"),
    path("practices/themes/<slug:slug>/follow/", v.ThemeFollowView.as_view(), name="theme-follow"),
    path(
        "practices/<int:sheet_id>/",
        public_read(owned_by(PracticeSheet, kwarg="sheet_id"))(v.SheetDetailView.as_view()),
        name="detail",
    ),
    path("practices/<int:sheet_id>/publish/", v.SheetPublishView.as_view(), name="publish"),
    path("practices/<int:sheet_id>/withdraw/", v.SheetWithdrawView.as_view(), name="withdraw"),
    path("practices/<int:sheet_id>/questions/", v.QuestionCreateView.as_view(), name="questions"),
    path(
        "communes/<slug:slug>/practices/",
        public_read(commune_in_path)(v.CommuneSheetListView.as_view()),
        name="commune",
    ),
]
