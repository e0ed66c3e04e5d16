from django.urls import path

from . import views

app_name = "conduct"

urlpatterns = [
    path("self-checks/", views.SelfCheckListView.as_view(), name="selfchecks"),
    path("self-checks/mine/", views.MySelfCheckView.as_view(), name="my-selfcheck"),
    path("self-checks/new-form/", views.FormCreateView.as_view(), name="form-create"),
    path("misconduct/", views.MisconductListView.as_view(), name="misconduct"),
    path("misconduct/new/", views.MisconductCreateView.as_view(), name="misconduct-create"),
    path("education/", views.EducationListView.as_view(), name="education"),
    path("education/new/", views.EducationCreateView.as_view(), name="education-create"),
    path("education/suggested/", views.SuggestionListView.as_view(), name="suggestions"),
]
