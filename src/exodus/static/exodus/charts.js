/* Charts, static first and interactive after.

   Every chart is already in the page as a static SVG, drawn by the build from the same spec
   as the PDF's, so it shows at first paint and with scripts turned off. This file (small)
   loads the Vega runtime shipped with the book (vega.min.js, beside this file) only when
   it is wanted: on the first pointer, touch or keyboard interaction with a chart, or when
   the reader scrolls and a chart comes near the screen. Vega then redraws each chart from
   its inert JSON spec, at the width of its column, with tooltips and controls. Nothing is
   fetched from another host: the spec and its data are in the page. */
(function () {
  "use strict";
  var self = document.currentScript;
  var vegaSrc = self ? self.src.replace(/charts\.js(\?.*)?$/, "vega.min.js") : "vega.min.js";
  var loading = null;

  function loadVega() {
    if (window.vega) { return Promise.resolve(window.vega); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = vegaSrc;
        s.async = true;
        s.onload = function () { resolve(window.vega); };
        s.onerror = function () { reject(new Error("the Vega runtime did not load")); };
        document.head.appendChild(s);
      });
    }
    return loading;
  }

  // A faceted or concatenated chart has fixed panel widths (Vega-Lite cannot fit them to
  // a container). On a column narrower than its drawing, the panels are narrowed instead,
  // so that the type keeps its size rather than the whole drawing being scaled down: the
  // excess comes off the panel width before the first run, and, where panels stand side
  // by side, once more by the measured share of each panel.
  var MIN_PANEL = 120;
  function narrower(spec, view) {
    var still = view.querySelector(".exodus-chart-static svg");
    var drawn = still ? still.width.baseVal.value : 0;
    var room = view.clientWidth;
    if (!drawn || !room || drawn <= room) { return null; }
    var panel = (spec.signals || []).filter(function (s) {
      return s.name === "child_width" && typeof s.value === "number";
    })[0];
    var before;
    if (panel) {
      before = panel.value;
      panel.value = Math.max(MIN_PANEL, before - (drawn - room));
    } else if (typeof spec.width === "number") {
      before = spec.width;
      spec.width = Math.max(MIN_PANEL, before - (drawn - room));
    } else {
      return null;
    }
    var after = panel ? panel.value : spec.width;
    return function (live, stage) {
      var svg = stage.querySelector("svg");
      var now = svg ? parseFloat(svg.getAttribute("width")) : room;
      var perPanel = (drawn - now) / Math.max(1, before - after);
      if (now <= room || perPanel <= 1.01) { return live; }
      var again = Math.max(MIN_PANEL, after - (now - room) / perPanel);
      return (panel ? live.signal("child_width", again) : live.width(again)).runAsync();
    };
  }

  function draw(box) {
    var view = box.querySelector(".exodus-chart-view");
    var specEl = box.querySelector("script.exodus-chart-spec");
    if (!view || !specEl || box.getAttribute("data-rendered")) { return; }
    box.setAttribute("data-rendered", "pending");
    var spec;
    try {
      spec = JSON.parse(specEl.textContent);
    } catch (err) {
      box.setAttribute("data-rendered", "error");
      console.error("exodus chart " + box.id + ": bad spec", err);
      return;
    }
    // Keep the static drawing's height while Vega draws, so the page does not jump.
    view.style.minHeight = view.offsetHeight + "px";
    var stage = document.createElement("div");
    stage.className = "exodus-chart-live";
    view.appendChild(stage);
    var options = { renderer: "svg", container: stage, hover: true };
    // Sliders and menus go beside the drawing, not inside it: the drawing is one image
    // (role="img") and may not contain controls.
    if ((spec.signals || []).some(function (s) { return s.bind; })) {
      var controls = box.querySelector(".exodus-chart-controls");
      if (!controls) {
        controls = document.createElement("div");
        controls.className = "exodus-chart-controls";
        view.insertAdjacentElement("afterend", controls);
      }
      options.bind = controls;
    }
    var fit = box.getAttribute("data-layout") === "fixed" ? narrower(spec, view) : null;
    var live = new window.vega.View(window.vega.parse(spec), options);
    live.runAsync()
      .then(function () { return fit ? fit(live, stage) : live; })
      .then(function () {
        var still = view.querySelector(".exodus-chart-static");
        if (still) { still.remove(); }
        view.style.minHeight = "";
        keyboardTips(box, view, live);
        box.setAttribute("data-rendered", "true");
        box.setAttribute("data-rendered-at", String(Math.round(performance.now())));
      })
      .catch(function (err) {
        stage.remove();
        view.style.minHeight = "";
        box.setAttribute("data-rendered", "error");
        console.error("exodus chart " + box.id, err);
      });
  }

  // Tooltips by keyboard. The drawing takes focus (Tab); the arrow keys then step through
  // the marks that carry a tooltip, left to right, and Home and End go to the first and the
  // last. The tooltip's text is written in a live region under the drawing, so a screen
  // reader says it too, and a ring marks the point; Escape hides both.
  function tipText(tip) {
    if (tip === null || tip === undefined) { return ""; }
    if (typeof tip !== "object") { return String(tip); }
    return Object.keys(tip).map(function (k) { return k + ": " + tip[k]; }).join("\n");
  }

  function tipItems(live) {
    var found = [];
    (function walk(mark) {
      (mark && mark.items || []).forEach(function (item) {
        if (item._svg && tipText(item.tooltip)) { found.push(item); }
        (item.items || []).forEach(walk);
      });
    })(live.scenegraph().root);
    return found.map(function (item) {
      return { item: item, rect: item._svg.getBoundingClientRect() };
    }).sort(function (a, b) {
      return (a.rect.left + a.rect.width / 2) - (b.rect.left + b.rect.width / 2) ||
        a.rect.top - b.rect.top;
    }).map(function (entry) { return entry.item; });
  }

  function keyboardTips(box, view, live) {
    var readout = document.createElement("p");
    readout.className = "exodus-chart-tip";
    readout.setAttribute("role", "status");
    readout.hidden = true;
    view.insertAdjacentElement("afterend", readout);
    var ring = document.createElement("span");
    ring.className = "exodus-chart-ring";
    ring.hidden = true;
    view.appendChild(ring);
    var at = -1;
    function hide() { readout.hidden = true; ring.hidden = true; at = -1; }
    function show(items, i) {
      at = Math.max(0, Math.min(items.length - 1, i));
      var item = items[at];
      readout.textContent = tipText(item.tooltip);
      readout.hidden = false;
      var r = item._svg.getBoundingClientRect(), v = view.getBoundingClientRect();
      ring.style.left = (r.left - v.left + r.width / 2) + "px";
      ring.style.top = (r.top - v.top + r.height / 2) + "px";
      ring.hidden = false;
    }
    view.addEventListener("keydown", function (event) {
      var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
      if (event.key === "Escape") { hide(); return; }
      if (!step && event.key !== "Home" && event.key !== "End") { return; }
      var items = tipItems(live);
      if (!items.length) { return; }
      event.preventDefault();
      if (event.key === "Home") { show(items, 0); }
      else if (event.key === "End") { show(items, items.length - 1); }
      else { show(items, at < 0 ? (step > 0 ? 0 : items.length - 1) : at + step); }
    });
    view.addEventListener("blur", hide);
  }

  function upgrade() {
    loadVega().then(function () {
      document.querySelectorAll(".exodus-chart").forEach(draw);
    }).catch(function (err) { console.error("exodus charts: " + err.message); });
  }

  function start() {
    var boxes = document.querySelectorAll(".exodus-chart");
    if (!boxes.length) { return; }
    // With scripts on, each drawing is one tab stop: focus brings Vega, and the arrow keys
    // then read its points (above). Its name says how.
    boxes.forEach(function (box) {
      var view = box.querySelector(".exodus-chart-view");
      if (!view) { return; }
      view.setAttribute("tabindex", "0");
      view.setAttribute("aria-description", "Arrow keys read the points one by one.");
    });
    ["pointerover", "touchstart", "focusin", "keydown"].forEach(function (type) {
      boxes.forEach(function (box) {
        box.addEventListener(type, upgrade, { once: true, passive: true });
      });
    });
    // Otherwise once the reader scrolls and a chart comes near the screen: until then the
    // static drawings are what the reader sees, and a reader who never moves never pays
    // for the runtime (nor does the page's first load).
    function watch() {
      if (!("IntersectionObserver" in window)) { upgrade(); return; }
      var seen = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) {
          seen.disconnect();
          upgrade();
        }
      }, { rootMargin: "200px 0px" });
      boxes.forEach(function (box) { seen.observe(box); });
    }
    window.addEventListener("scroll", watch, { once: true, passive: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
