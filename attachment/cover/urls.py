"""URLs of the cover pages and of break-glass, included by
:mod:`attachment.urls` under its namespace."""

from django.urls import path

from attachment.cover import views

urlpatterns = [
    path("clients/<int:client_id>/cover/", views.cover_page, name="cover_page"),
    path(
        "clients/<int:client_id>/cover/contacts/new/",
        views.cover_contact_new,
        name="cover_contact_new",
    ),
    path("cover/absences/<int:absence_id>/", views.cover_absence, name="cover_absence"),
    path("break-glass/", views.break_glass, name="break_glass"),
    path("break-glass/review/", views.break_glass_review, name="break_glass_review"),
    path(
        "break-glass/review/<int:grant_id>/",
        views.break_glass_review_grant,
        name="break_glass_review_grant",
    ),
]
