from django.urls import path

from . import public_views, views

urlpatterns = [
    path("disclosure/", views.publication_list, name="publication-list"),
    path("disclosure/policy/", views.policy, name="disclosure-policy"),
    path("disclosure/<int:pk>/", views.publication_review, name="publication-review"),
    path("disclosure/<int:pk>/titles/", views.publication_title_view, name="publication-titles"),
    path("disclosure/<int:pk>/publish/", views.publication_publish_view, name="publication-publish"),
    path("disclosure/<int:pk>/correct/", views.publication_correct_view, name="publication-correct"),
    path("tip-offs/", views.tipoff_list, name="tipoff-list"),
    path("tip-offs/<int:pk>/", views.tipoff_detail, name="tipoff-detail"),
    path("public/<slug:tenant>/", public_views.index, name="public-index"),
    path("public/<slug:tenant>/feed.atom", public_views.PublicationsFeed(), name="public-feed"),
    path("public/<slug:tenant>/p/<str:public_id>/", public_views.publication, name="public-publication"),
    path(
        "public/<slug:tenant>/p/<str:public_id>.pdf",
        public_views.publication_pdf,
        name="public-publication-pdf",
    ),
    path(
        "public/<slug:tenant>/p/<str:public_id>.csv",
        public_views.publication_csv,
        name="public-publication-csv",
    ),
    path(
        "public/<slug:tenant>/p/<str:public_id>.json",
        public_views.publication_json,
        name="public-publication-json",
    ),
    path(
        "public/<slug:tenant>/enterprises/<str:credit_code>/",
        public_views.enterprise,
        name="public-enterprise",
    ),
    path("public/<slug:tenant>/tip-off/", public_views.tipoff_new, name="public-tipoff"),
    path("public/<slug:tenant>/tip-off/<str:code>/", public_views.tipoff_status, name="public-tipoff-status"),
]
