"""The step-through as a self-contained HTML widget: the graph (inline SVG), the current step's
text and Previous/Next buttons, in plain ES5 with no libraries and no network, so it works in a
notebook, an exported notebook, a static viewer and an old browser.

The script and its style are package data (``static/step.js``, ``static/step.css``); each widget
gets its own id, so several on one page do not interfere.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .show import fmt, numbers_of

__all__ = ["save_page", "walk_html"]

MANY_OPS = 40  # a walk of a network longer than this says how to walk it layer by layer

_TEMPLATE = """<div class="agl-step" id="{pid}" tabindex="0">
<style>{style}</style>
{note}<div class="agl-bar"><button type="button" class="agl-prev" id="{pid}-prev">&#9664; Previous</button
><button type="button" class="agl-next" id="{pid}-next">Next &#9654;</button
><button type="button" class="agl-zoom" id="{pid}-zoom">Full size</button
><span class="agl-pos" id="{pid}-pos">step 0 / {n}</span></div>
<div class="agl-body{layout}"><pre class="agl-text" id="{pid}-text">{text}</pre>
<div class="agl-graph" id="{pid}-graph-box">{graph}</div></div>
<script type="application/json" id="{pid}-data">{data}</script>
<script>{script}</script>
</div>"""

NO_DOT = ("<p class='agl-note'>Graphviz's <code>dot</code> is not installed, so the graph is "
          "not drawn (install it: <code>apt-get install graphviz</code>, <code>brew install "
          "graphviz</code> or <code>conda install -c conda-forge graphviz</code>). "
          "The walk is below.</p>")


@cache
def _static(name: str) -> str:
    return resources.files("autograd_lite").joinpath("static", name).read_text(encoding="utf-8")


def svg_text(graph: Any) -> str:
    """A drawing as inline SVG, without graphviz's comments and <title>s (internal node names, a
    quarter of a big graph's bytes)."""
    svg = graph.pipe(format="svg").decode()
    svg = svg[svg.index("<svg"):]
    return re.sub(r"<!--.*?-->\n?|<title>[^<]*</title>\n?", "", svg, flags=re.S)


def walk_html(walk: Any, graph: Any = None, note: str = "", side: bool = False) -> str:
    """The widget for a ``StepThrough`` (or anything with its ``steps``, ``leaves``, ``ops``,
    ``names``, ``grad``): ``graph(pid)`` gives a drawing whose nodes carry ids and the ids by node
    (the op-level drawing when None). ``side`` puts a tall graph beside the text, not below it."""
    import importlib

    D = importlib.import_module(".draw", __package__)  # the module (the package exports draw())

    pid = "agl-step-" + uuid.uuid4().hex[:10]
    graph_html, vid, oid = "", {}, {}
    if D.dot_available():
        if graph is None:
            graph, vid, oid = D.drawing_with_ids(walk.root, pid, names=walk.names, grads=walk.grad)
        else:
            graph, vid, oid = graph(pid)
        graph.graph_attr["id"] = f"{pid}-graph"
        graph_html = svg_text(graph)
    else:
        note = NO_DOT + note
    if (getattr(walk, "depth", None) is None and getattr(walk.names, "scopes", None)
            and len(walk.ops) > MANY_OPS and not note):
        note = (f"<p class='agl-note'>{len(walk.ops)} ops, made by modules: "
                "<code>step_through(loss, depth=1)</code> walks them one layer at a time.</p>")
    nid = lambda v: vid.get(id(v), "")  # noqa: E731
    opid = lambda v: oid.get(id(v), "")  # noqa: E731
    # the last backward step that adds to a node: from then on its box shows the final gradient
    last = {id(x): s.index for s in walk.steps for x in s.inputs if s.phase == "backward"}
    partial = lambda t: f"grad {fmt(t)}" if not isinstance(numbers_of(t), np.ndarray) else "grad …"  # noqa: E731
    init = [[nid(v), int(not v.inputs)] for v in [*walk.leaves, *walk.ops] if nid(v)]
    frames = [{"t": f"Start: the inputs are known: {walk.inputs_text()}\nPress Next to run the ops.",
               "cur": [nid(v) for v in walk.leaves if nid(v)], "ins": [], "set": []}]
    # a frame's "set" entries: [node id, "d" or "g", text to show, 1 if it is the final number]
    for s in walk.steps:
        v = s.node
        if s.phase == "forward":
            sets = [[nid(v), "d", "", 1]]
        elif s.op == "seed":
            sets = [[nid(v), "g", partial(s.upstream), int(v not in s.inputs)]]
        else:
            sets = [[nid(x), "g", partial(t), int(last[id(x)] == s.index)]
                    for x, t in zip(s.inputs, s.totals) if t is not None]
        cur = [nid(v)] if s.op == "seed" else [nid(v), opid(v)]
        frames.append({"t": str(s), "cur": [c for c in cur if c],
                       "ins": [nid(x) for x in s.inputs if nid(x)], "set": [u for u in sets if u[0]]})
    blob = json.dumps({"nodes": init, "frames": frames}).replace("</", "<\\/")
    return _TEMPLATE.format(pid=pid, note=note, layout=" agl-side" if side else "",
                            graph=graph_html, n=len(frames) - 1,
                            style=_static("step.css").replace("PID", pid),
                            text=html.escape(str(walk)), data=blob,
                            script=_static("step.js").replace("PID", pid))


def save_page(view: Any, path: Any) -> None:
    """Write a view as a standalone HTML page (opens in any browser, no network)."""
    Path(path).write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>step-through"
                          "</title></head><body>" + view.to_html() + "</body></html>",
                          encoding="utf-8")
