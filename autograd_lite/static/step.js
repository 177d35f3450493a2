(function () {
  var root = document.getElementById("PID");
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var D = JSON.parse(document.getElementById("PID-data").textContent);
  var frames = D.frames, text = document.getElementById("PID-text");
  var pos = document.getElementById("PID-pos");
  var prev = document.getElementById("PID-prev"), next = document.getElementById("PID-next");
  var cells = {}, shown = {}, marked = [];
  function slice(t, a, b) {
    var out = [];
    for (var i = a; i < b; i++) { out.push([t[i], t[i].textContent]); }
    return out;
  }
  D.nodes.forEach(function (n) {
    var g = document.getElementById(n[0]);
    if (!g) { return; }
    var t = g.getElementsByTagName("text"), gi = -1, di = -1, i;
    for (i = t.length - 1; i >= 0 && gi < 0; i--) { if (t[i].textContent.indexOf("grad") === 0) { gi = i; } }
    for (i = gi - 1; i >= 0 && di < 0; i--) { if (t[i].textContent.indexOf("data") === 0) { di = i; } }
    if (gi < 0) { return; }
    cells[n[0]] = {d: di >= 0 ? slice(t, di, gi) : [], g: slice(t, gi, t.length)};
  });
  // what a box shows: null (not known yet: "data ?"), a partial sum, or the final number as drawn
  function state(k) {
    var s = {};
    D.nodes.forEach(function (n) { s[n[0] + " d"] = n[1] ? ["", 1] : null; s[n[0] + " g"] = null; });
    for (var i = 1; i <= k; i++) {
      frames[i].set.forEach(function (u) { s[u[0] + " " + u[1]] = [u[2], u[3]]; });
    }
    return s;
  }
  function paint(lines, field, st) {
    if (!lines.length) { return; }
    lines.forEach(function (l, i) {
      var blank = field === "d" ? "data ?" : "grad ?";
      l[0].textContent = st && st[1] ? l[1] : (i === 0 ? (st ? st[0] : blank) : "");
    });
  }
  function mark(ids, cls) {
    ids.forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { el.classList.add(cls); marked.push([el, cls]); }
    });
  }
  var k = 0;
  function show(to) {
    k = Math.max(0, Math.min(frames.length - 1, to));
    var s = state(k);
    Object.keys(cells).forEach(function (id) {
      ["d", "g"].forEach(function (f) {
        var key = id + " " + f, v = s[key], tag = JSON.stringify(v);
        if (shown[key] !== tag) { paint(cells[id][f], f, v); shown[key] = tag; }
      });
    });
    marked.forEach(function (m) { m[0].classList.remove(m[1]); });
    marked = [];
    var fr = frames[k];
    mark(fr.ins, "agl-in");
    mark(fr.cur, "agl-cur");
    mark(fr.set.map(function (u) { return u[0]; }), "agl-new");
    text.textContent = fr.t;
    var here = document.getElementById(fr.cur[0]);
    if (here && box.classList.contains("agl-full") && here.getBoundingClientRect) {
      var r = here.getBoundingClientRect(), b = box.getBoundingClientRect();
      if (r.right > b.right || r.left < b.left || r.bottom > b.bottom || r.top < b.top) {
        box.scrollLeft += r.left - b.left - b.width / 3;
        box.scrollTop += r.top - b.top - b.height / 3;
      }
    }
    pos.textContent = "step " + k + " / " + (frames.length - 1);
    root.setAttribute("data-step", String(k));
    prev.disabled = k === 0;
    next.disabled = k === frames.length - 1;
  }
  var box = document.getElementById("PID-graph-box"), zoom = document.getElementById("PID-zoom");
  var svg = box.getElementsByTagName("svg")[0];
  function setFull(full) {
    if (full) { box.classList.add("agl-full"); } else { box.classList.remove("agl-full"); }
    zoom.textContent = full ? "Fit to width" : "Full size";
  }
  if (!svg) { zoom.style.display = "none"; }
  // a graph far wider than the page would shrink to unreadable: show it full size, scrolled to the step
  else if (svg.width && svg.width.baseVal && box.clientWidth &&
           svg.width.baseVal.value > 1.8 * box.clientWidth) { setFull(true); }
  zoom.addEventListener("click", function () {
    setFull(!box.classList.contains("agl-full"));
    show(k);
  });
  prev.addEventListener("click", function () { show(k - 1); });
  next.addEventListener("click", function () { show(k + 1); });
  root.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") { show(k + 1); } else if (e.key === "ArrowLeft") { show(k - 1); }
  });
  show(0);
})();
