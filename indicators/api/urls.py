from rest_framework.routers import DefaultRouter

from .views import MonitoringUploadViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("uploads", MonitoringUploadViewSet, basename="monitoring-upload")

app_name = "monitoring-api"
urlpatterns = router.urls
