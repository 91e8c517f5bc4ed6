"""Page routes of the forums pages (spliced into frontend.urls)."""

from django.urls import URLPattern, URLResolver, path

from forums.models import Thread
from frontend.forums import pages
from hub.readcache import all_read, commune_read, owned_by, public_read

# Anonymous reads answered from the public read cache (hub/readcache.py), by what they show.
thread_read = public_read(owned_by(Thread))

urlpatterns: list[URLPattern | URLResolver] = [
    path("forum/", all_read(pages.forum_index), name="forum-index"),
    path("communes/<slug:slug>/forum/", commune_read(pages.categories), name="forum-categories"),
    path("communes/<slug:slug>/forum/nouveau/", pages.thread_new, name="forum-new"),
    path("communes/<slug:slug>/forum/moderation/", pages.moderation, name="forum-moderation"),
    path(
        "communes/<slug:slug>/forum/<slug:category>/",
        commune_read(pages.thread_list),
        name="forum-category",
    ),
    path("forum/sujets/<int:pk>/", thread_read(pages.thread_page), name="forum-thread"),
    path(
        "forum/sujets/<int:pk>/messages/",
        thread_read(pages.thread_posts),
        name="forum-thread-posts",
    ),
    path("forum/sujets/<int:pk>/repondre/", pages.reply, name="forum-reply"),
    path("forum/sujets/<int:pk>/soutenir/", pages.support, name="forum-support"),
    path("forum/sujets/<int:pk>/suivre/", pages.follow, name="forum-follow"),
    path("forum/sujets/<int:pk>/signaler/", pages.flag, name="forum-flag"),
    path("forum/sujets/<int:pk>/statut/", pages.status, name="forum-status"),
    path("forum/sujets/<int:pk>/moderer/", pages.moderate, name="forum-moderate"),
    path("forum/messages/<int:pk>/modifier/", pages.post_edit, name="forum-post-edit"),
]
