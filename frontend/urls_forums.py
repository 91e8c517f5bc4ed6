"""Page routes of the forums pages (spliced into frontend.urls)."""

from django.urls import URLPattern, URLResolver, path

from frontend.forums import pages

urlpatterns: list[URLPattern | URLResolver] = [
    path("forum/", pages.forum_index, name="forum-index"),
    path("communes/<slug:slug>/forum/", pages.categories, name="forum-categories"),
    path("communes/<slug:slug>/forum/nouveau/", pages.thread_new, name="forum-new"),
    path("communes/<slug:slug>/forum/moderation/", pages.moderation, name="forum-moderation"),
    path("communes/<slug:slug>/forum/<slug:category>/", pages.thread_list, name="forum-category"),
    path("forum/sujets/<int:pk>/", pages.thread_page, name="forum-thread"),
    path("forum/sujets/<int:pk>/messages/", pages.thread_posts, name="forum-thread-posts"),
    path("forum/sujets/<int:pk>/repondre/", pages.reply, name="forum-reply"),
    path("forum/sujets/<int:pk>/soutenir/", pages.support, name="forum-support"),
    path("forum/sujets/<int:pk>/suivre/", pages.follow, name="forum-follow"),
    path("forum/sujets/<int:pk>/signaler/", pages.flag, name="forum-flag"),
    path("forum/sujets/<int:pk>/statut/", pages.status, name="forum-status"),
    path("forum/sujets/<int:pk>/moderer/", pages.moderate, name="forum-moderate"),
    path("forum/messages/<int:pk>/modifier/", pages.post_edit, name="forum-post-edit"),
]
