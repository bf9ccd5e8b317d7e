from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("period/", views.period_report, name="period"),
    path("period.csv", views.period_csv, name="period-csv"),
    path("campaigns/", views.campaigns, name="campaigns"),
]
