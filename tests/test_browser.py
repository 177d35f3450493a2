"""The step-through view as a person uses it: in headless Chromium, clicking Next and Previous.

The pages are written to files and opened from disk with every network request blocked and recorded:
the view must work with no kernel and no network (an exported notebook, a static viewer). Screenshots
go to the test's tmp folder; ``AGL_SCREENSHOTS=docs`` also copies them into docs/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lite import Value, step_through
from tests.conftest import IN_CI, require, require_dot

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    """Debian's chromium (never a downloaded browser); in CI its absence fails the test."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    msg = "Chromium is not installed (Debian: apt-get install chromium)"
    if IN_CI:
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = require("playwright.sync_api")
    path = chromium_path()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


class Page:
    """A page opened from a file, recording console errors and every request it makes."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        # nothing leaves the machine, whatever the page asks for
        self.page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            ("file:", "data:")) else route.abort())
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")
        self.url = path.as_uri()

    def network(self) -> list[str]:
        return [u for u in self.requests if u != self.url and not u.startswith("data:")]

    def state(self, view: Any) -> tuple[str, str, str]:
        """(step number, ids of the highlighted nodes, text shown) of one view."""
        return tuple(view.evaluate("""v => [v.getAttribute('data-step'),
            Array.prototype.map.call(v.querySelectorAll('g.agl-cur'), e => e.id).join(' '),
            v.querySelector('.agl-text').textContent]"""))

    def close(self) -> None:
        self.page.close()


def neuron() -> Value:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    z = (x1 * w1 + x2 * w2 + b).tanh()
    z.label = "z"
    return z


def small_tensor_net() -> Any:
    from autograd_lite.tensor import Tensor

    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(4, 2)), label="x")
    W = Tensor(rng.normal(size=(3, 2)), requires_grad=True, label="W")
    b = Tensor(np.zeros(3), requires_grad=True, label="b")
    return ((x @ W.T + b).tanh() ** 2.0).mean()


def write_page(path: Path, *views: Any) -> Path:
    path.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>step-through</title></head>"
                    "<body>" + "".join(v._repr_html_() for v in views) + "</body></html>",
                    encoding="utf-8")
    return path


def to_docs(src: Path, name: str) -> None:
    if os.environ.get("AGL_SCREENSHOTS") == "docs":
        dest = ROOT / "docs" / "screenshots"
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, dest / name)


def test_step_through_next_and_previous(browser: Any, shots: Path, tmp_path: Path) -> None:
    require_dot()
    walk = step_through(neuron())
    page = Page(browser, write_page(tmp_path / "neuron.html", walk))
    try:
        view = page.page.locator(".agl-step").first
        assert view.locator("svg").count() == 1
        start = page.state(view)
        assert start[0] == "0" and "Start" in start[2]
        assert view.locator("text=grad ?").count() == 5 + 5  # nothing backpropagated yet
        page.page.screenshot(path=str(shots / "neuron_start.png"), full_page=True)

        view.locator(".agl-next").click()
        first = page.state(view)
        assert first[0] == "1" and first[1] != start[1] and "forward 1: t1 = x1 * w1" in first[2]
        for _ in range(6):  # five forward steps, the seed, the tanh step
            view.locator(".agl-next").click()
        tanh = page.state(view)
        assert tanh[0] == "7" and "∂z/∂t4 = ∂z/∂z · ∂z/∂t4 = 1.0 · 0.5 = 0.5" in tanh[2]
        assert view.locator("text=grad 0.5").count() >= 1  # the gradient that arrived is filled in
        path = shots / "neuron_backward_tanh.png"
        view.screenshot(path=str(path))
        to_docs(path, "step_through_neuron.png")

        view.locator(".agl-prev").click()
        back = page.state(view)
        assert back[0] == "6" and back[1] != tanh[1] and back[2] != tanh[2]
        for _ in range(20):  # past the end: Next stops at the last step
            if view.locator(".agl-next").is_disabled():
                break
            view.locator(".agl-next").click()
        last = page.state(view)
        assert last[0] == str(len(walk.steps)) and "∂z/∂w1" in last[2]
        assert view.locator("text=grad -1.5").count() == 1  # x1's gradient, as backward gave it
        page.page.screenshot(path=str(shots / "neuron_end.png"), full_page=True)
        assert page.errors == []
        assert page.network() == []
    finally:
        page.close()


def test_views_are_independent_and_tensors_show(browser: Any, shots: Path, tmp_path: Path) -> None:
    require_dot()
    pytest.importorskip("autograd_lite.tensor")
    one, two = step_through(neuron()), step_through(small_tensor_net())
    page = Page(browser, write_page(tmp_path / "two.html", one, two))
    try:
        views = page.page.locator(".agl-step")
        assert views.count() == 2
        a, b = views.nth(0), views.nth(1)
        before = page.state(b)
        for _ in range(3):
            a.locator(".agl-next").click()
        assert page.state(a)[0] == "3" and page.state(b) == before  # unique ids: no cross-talk
        for _ in range(9):
            b.locator(".agl-next").click()
        state = page.state(b)
        assert state[0] == "9" and "⊙" in state[2] and state[1]
        b.scroll_into_view_if_needed()
        path = shots / "tensor_backward.png"
        b.screenshot(path=str(path))
        to_docs(path, "step_through_tensor.png")
        assert page.errors == []
        assert page.network() == []
    finally:
        page.close()


def test_without_graphviz_the_text_walk_still_steps(browser: Any, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    monkeypatch.setattr(importlib.import_module("autograd_lite.draw"), "dot_available", lambda: False)
    page = Page(browser, write_page(tmp_path / "nodot.html", step_through(neuron())))
    try:
        view = page.page.locator(".agl-step").first
        assert view.locator("svg").count() == 0 and "not installed" in view.inner_text()
        view.locator(".agl-next").click()
        view.locator(".agl-next").click()
        assert page.state(view)[0] == "2" and "forward 2" in page.state(view)[2]
        assert page.errors == [] and page.network() == []
    finally:
        page.close()


def _notebook(uses: str, but_not: str = "", prefer: str = "") -> Path | None:
    """The first notebook under notebooks/ whose source mentions ``uses`` (and not ``but_not``),
    one whose name contains ``prefer`` first."""
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"), key=lambda p: (prefer not in p.stem, p.name))
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if uses in text and not (but_not and but_not in text):
            return path
    return None


def export(source: Path, tmp_path: Path) -> Path:
    """Execute a notebook in a fresh kernel and export it with nbconvert to a standalone HTML file."""
    nbformat, nbclient = require("nbformat"), require("nbclient")
    nbconvert = require("nbconvert")
    require("ipykernel")
    nb = nbformat.read(source, as_version=4)
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute(env=env)
    # the "basic" template is the notebook's own HTML, without the CDN scripts (MathJax, require.js)
    # that the full-page templates load from the network
    body, _ = nbconvert.HTMLExporter(template_name="basic").from_notebook_node(nb)
    html_path = tmp_path / f"{source.stem}.html"
    html_path.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>notebook</title>"
                         "<style>body{font-family:sans-serif;max-width:1200px;margin:auto}"
                         # Jupyter's own rules for images and text outputs (long lines wrap)
                         "img{max-width:100%}.output_text pre{white-space:pre-wrap}</style>"
                         "</head><body>" + body + "</body></html>",
                         encoding="utf-8")
    return html_path


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Each notebook executed and exported once for the tests of this module."""
    done: dict[Path, Path] = {}

    def get(source: Path) -> Path:
        if source not in done:
            done[source] = export(source, tmp_path_factory.mktemp(source.stem))
        return done[source]

    return get


def test_exported_notebook(browser: Any, shots: Path, exported: Any) -> None:
    """An executed notebook exported by nbconvert (the static HTML of a page without a kernel)."""
    source = _notebook("step_through")
    if source is None:
        pytest.skip("no notebook under notebooks/ uses step_through yet")
    require_dot()
    page = Page(browser, exported(source))
    try:
        views = page.page.locator(".agl-step")
        assert views.count() >= 1
        view = views.first
        view.scroll_into_view_if_needed()
        start = page.state(view)
        for _ in range(3):
            view.locator(".agl-next").click()
        moved = page.state(view)
        assert moved[0] == "3" and moved[1] != start[1]
        view.locator(".agl-prev").click()
        assert page.state(view)[0] == "2"
        path = shots / "notebook_step_through.png"
        view.screenshot(path=str(path))
        to_docs(path, "notebook_step_through.png")
        page.page.screenshot(path=str(shots / "notebook_full.png"), full_page=True)
        assert page.errors == []
        assert page.network() == []
    finally:
        page.close()


def test_exported_notebook_plots(browser: Any, shots: Path, tmp_path: Path) -> None:
    """A notebook's matplotlib figures are in its exported page, drawn, with no network."""
    source = _notebook("plt.", but_not="step_through", prefer="gradient_descent")
    if source is None:
        pytest.skip("no notebook under notebooks/ plots with matplotlib yet")
    require("matplotlib")
    page = Page(browser, export(source, tmp_path))
    try:
        images = page.page.locator("img")
        assert images.count() >= 1
        sizes = page.page.evaluate("() => Array.from(document.images).map(i => [i.naturalWidth, "
                                   "i.src.slice(0, 22)])")
        assert all(w > 0 and src.startswith("data:image/png") for w, src in sizes), sizes
        images.first.scroll_into_view_if_needed()
        path = shots / "notebook_plot.png"
        images.first.screenshot(path=str(path))
        to_docs(path, f"notebook_{source.stem}_plot.png")
        page.page.screenshot(path=str(shots / "notebook_plots_full.png"), full_page=True)
        assert page.errors == []
        assert page.network() == []
    finally:
        page.close()


# --- views at the scale of a network: they fit the screen and name what the model names -------------
# For every output (a notebook cell's output area, or a whole view): how far its content reaches
# beyond it, the smallest graph text in CSS pixels after the SVG's scaling, and its text.
MEASURE = """(sel) => Array.from(document.querySelectorAll(sel)).map(a => {
  const box = a.getBoundingClientRect();
  let over = a.scrollWidth - a.clientWidth;
  const texts = [];
  let small = 1e9;
  a.querySelectorAll('svg').forEach(s => {
    const vb = s.viewBox && s.viewBox.baseVal, w = s.getBoundingClientRect().width;
    over = Math.max(over, s.getBoundingClientRect().right - box.right);
    if (!vb || !vb.width || !w) { return; }
    s.querySelectorAll('text').forEach(t => {
      small = Math.min(small, parseFloat(t.getAttribute('font-size') || '14') * w / vb.width);
      texts.push(t.textContent);
    });
  });
  return {over: over, small: small, svgText: texts.join(' '), text: a.innerText,
          right: box.right, bottom: box.bottom, note: a.innerText.indexOf('hard to read') >= 0};
})"""
PARAMETER_LIKE = re.compile(r"\bin\d+\b")


def check_fits(page: Page, selector: str) -> list[dict]:
    """Every output under ``selector``: no horizontal overflow, graph text >= 9 px (or a note that
    says how to get a smaller graph), and no in1-style names."""
    outs = page.page.evaluate(MEASURE, selector)
    assert outs
    for o in outs:
        assert o["over"] <= 1, (o["over"], o["text"][:120])
        assert o["small"] >= 9 or o["note"], (o["small"], o["svgText"][:120])
        assert not PARAMETER_LIKE.search(o["svgText"] + " " + o["text"]), o["text"][:200]
    return outs


def screen(browser: Any, path: Path) -> Page:
    page = Page(browser, path)
    page.page.set_viewport_size({"width": 1280, "height": 720})
    return page


def test_demo_views_are_layer_level_and_fit_the_screen(browser: Any, shots: Path,
                                                      tmp_path: Path) -> None:
    require_dot()
    pytest.importorskip("nn")
    from autograd_lite.cli import main

    assert main(["demo", "-o", str(tmp_path), "-q"]) == 0
    page = screen(browser, tmp_path / "network.svg")
    try:
        size = page.page.evaluate("() => { const r = document.documentElement.getBoundingClientRect();"
                                  " return [r.width, r.height]; }")
        assert size[0] <= 1280 and size[1] <= 720, size  # the whole network on one screen
        text = page.page.evaluate("() => document.documentElement.textContent")
        assert "0.weight" in text and "4: Linear(16→2)" in text and "CrossEntropyLoss" in text
        assert not PARAMETER_LIKE.search(text)
        page.page.screenshot(path=str(shots / "demo_network.png"))
        to_docs(shots / "demo_network.png", "demo_network.png")
    finally:
        page.close()
    page = screen(browser, tmp_path / "network_steps.html")
    try:
        view = page.page.locator(".agl-step").first
        (fit,) = check_fits(page, ".agl-step")
        assert fit["right"] <= 1280 and fit["bottom"] <= 720, fit  # buttons, text and graph
        assert "0.weight" in fit["svgText"]
        assert page.state(view)[0] == "0"
        for _ in range(10):  # forward through the six modules, then back to the second Linear
            view.locator(".agl-next").click()
        state = page.state(view)
        assert state[0] == "10" and "δ2 = f'2 ⊙ (W3ᵀ δ3)" in state[2] and state[1]
        path = shots / "demo_network_steps.png"
        page.page.screenshot(path=str(path))
        to_docs(path, "demo_network_steps.png")
        assert page.errors == [] and page.network() == []
    finally:
        page.close()


@pytest.mark.parametrize("stem, names", [("04_the_graph", ["0.weight", "2.bias"]),
                                         ("08_backprop_step_by_step", ["L0.n0.w0", "0.weight"])])
def test_notebook_views_fit_their_cells(browser: Any, shots: Path, exported: Any, stem: str,
                                        names: list[str]) -> None:
    require_dot()
    page = screen(browser, exported(ROOT / "notebooks" / f"{stem}.ipynb"))
    try:
        outs = check_fits(page, ".output_area")
        shown = " ".join(o["svgText"] + " " + o["text"] for o in outs)
        for name in names:
            assert name in shown, name
        graphs = page.page.locator(".output_area:has(svg)").filter(has_text="Linear(")
        last = graphs.nth(graphs.count() - 1)  # the network, one box per layer
        last.scroll_into_view_if_needed()
        path = shots / f"notebook_{stem[:2]}_network.png"
        last.screenshot(path=str(path))
        to_docs(path, f"notebook_{stem[:2]}_network.png")
        assert page.errors == [] and page.network() == []
    finally:
        page.close()
