"""`{% deployment_chart cluster namespace name as chart %}`: the Deployment chart's geometry
(web/loop_views.py), for web/deployment_chart.html, so that the Deployment page's live partial
and its socket draw the chart without their views knowing about it."""
from __future__ import annotations

from typing import Any

from django import template

from playground.web.loop_views import deployment_chart as chart_of

register = template.Library()


@register.simple_tag
def deployment_chart(cluster: str, namespace: str, name: str) -> dict[str, Any]:
    return chart_of(cluster, namespace, name)
