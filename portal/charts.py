"""Charts drawn on the server as SVG with pygal, for a page to put inline: readable without JavaScript and
within the portal's Content-Security-Policy, which allows no inline style or script. pygal writes both into
every chart; they are taken out here, and the style, the same for every chart, is served from the portal
itself at /charts.css (a page using a chart links it: ``url_for('charts.stylesheet')``)."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache

import pygal
from flask import Blueprint, Response
from flask_babel import gettext
from markupsafe import Markup
from pygal.etree import etree
from pygal.style import Style

bp = Blueprint("charts", __name__)

CHART_CLASS = "pygal-chart"
# The portal's palette (static/portal.css): accent, ok, warn, bad, info.
STYLE = Style(
    background="transparent", plot_background="#fff", foreground="#1f2933", foreground_strong="#1f2933",
    foreground_subtle="#66788a", guide_stroke_color="#d9e2ec", major_guide_stroke_color="#d9e2ec",
    colors=("#1d4ed8", "#15803d", "#b45309", "#b91c1c", "#0369a1"),
    font_family='system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', title_font_size=15,
    legend_font_size=13, label_font_size=12, major_label_font_size=12, opacity=".9", stroke_width="2",
)
LAYOUT = {
    "style": STYLE, "classes": [CHART_CLASS], "width": 800, "height": 320, "legend_at_bottom": True,
    "allow_interruptions": True,  # a month without data breaks the line instead of bridging it
    "js": [],  # pygal's default is a script from a CDN: no
    "disable_xml_declaration": True,  # inline in HTML
}
# How a chart sits in a page: as wide as its column, never wider than drawn.
PAGE_RULES = f"svg.{CHART_CLASS}{{display:block;width:100%;max-width:{LAYOUT['width']}px;height:auto}}"


def line_chart(*, title: str, labels: Sequence[str], series: Mapping[str, Sequence[float | None]],
               percent: bool = False) -> Markup:
    """An inline <svg> line chart of ``series`` (name -> one value per label, None for none); with
    ``percent`` the values are 0–100 and the axis runs from 0 to 100 %. Each point names its value in a
    <title>, which browsers show on hover without any script. The caller gives the title, labels and series
    names in the page's language."""
    formatter = _percent if percent else _number
    chart = pygal.Line(title=title, x_labels=list(labels), value_formatter=formatter,
                       range=(0, 100) if percent else None, no_data_text=gettext("No data"), **LAYOUT)
    for name, values in series.items():
        chart.add(name, list(values))
    chart.add_xml_filter(_for_the_page(list(series), formatter))
    return Markup(chart.render(is_unicode=True))


def bar_chart(*, title: str, labels: Sequence[str], series: Mapping[str, Sequence[float | None]]) -> Markup:
    """An inline <svg> bar chart of ``series`` (name -> one value per label, bars side by side per label), each
    bar naming its value in a <title> like the points of ``line_chart``."""
    chart = pygal.Bar(title=title, x_labels=list(labels), value_formatter=_number, no_data_text=gettext("No data"),
                      **LAYOUT)
    for name, values in series.items():
        chart.add(name, list(values))
    chart.add_xml_filter(_for_the_page(list(series), _number))
    return Markup(chart.render(is_unicode=True))


@cache
def chart_stylesheet() -> str:
    """The CSS every chart of STYLE needs, its selectors scoped to the chart class instead of one chart's id."""
    sample = pygal.Line(**LAYOUT)
    for index in range(len(STYLE.colors)):
        sample.add(f"series {index}", [1, 2])
    found: list[str] = []

    def keep_css(root):
        found.extend(node.text or "" for node in root.iter() if _tag(node) == "style")
        return root

    sample.add_xml_filter(keep_css)
    sample.render(is_unicode=True)
    return "\n".join(found).replace(f"#chart-{sample.uuid}", f".{CHART_CLASS}") + "\n" + PAGE_RULES + "\n"


@bp.get("/charts.css")
def stylesheet() -> Response:
    """The charts' stylesheet (public: it holds no data)."""
    response = Response(chart_stylesheet(), mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


def _for_the_page(names: list[str], formatter: Callable[[float], str]) -> Callable:
    """An xml filter: drop what the policy or the lack of script makes useless (the <style> and <script>,
    the tooltip box, ids the script needs, the generator comments) and give each point a <title>."""
    def rewrite(root):
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag is etree.Comment or _tag(child) in ("style", "script") or _has_class(child,
                                                                                               "tooltip-overlay"):
                    parent.remove(child)
            if parent.get("id", "").startswith("activate-serie"):
                del parent.attrib["id"]
        for serie in root.iter():
            index = _serie_index(serie)
            if index is None or index >= len(names):
                continue
            for dots in serie.iter():
                if _has_class(dots, "dots") or _has_class(dots, "bar"):
                    _add_point_title(dots, names[index])
        return root
    return rewrite


def _add_point_title(dots, name: str) -> None:
    texts = {(desc.get("class") or "").strip(): desc.text for desc in dots if _tag(desc) == "desc"}
    title = etree.Element("title")
    title.text = gettext("%(series)s, %(label)s: %(value)s", series=name, label=texts.get("x_label", ""),
                         value=texts.get("value", ""))
    dots.insert(0, title)  # a title names its parent when it comes first


def _serie_index(node) -> int | None:
    for name in (node.get("class") or "").split():
        if name.startswith("serie-") and name[len("serie-"):].isdigit():
            return int(name[len("serie-"):])
    return None


def _has_class(node, name: str) -> bool:
    return name in (node.get("class") or "").split()


def _tag(node) -> str:
    return node.tag.rsplit("}", 1)[-1] if isinstance(node.tag, str) else ""


def _percent(value: float) -> str:
    return f"{value:.1f} %"


def _number(value: float) -> str:
    return f"{value:g}"
