# Alerts and generated exports arrive with their issues (alerts, Excel reports).
