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
    new window.vega.View(window.vega.parse(spec), options)
      .runAsync()
      .then(function () {
        var still = view.querySelector(".exodus-chart-static");
        if (still) { still.remove(); }
        view.style.minHeight = "";
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

  function upgrade() {
    loadVega().then(function () {
      document.querySelectorAll(".exodus-chart").forEach(draw);
    }).catch(function (err) { console.error("exodus charts: " + err.message); });
  }

  function start() {
    var boxes = document.querySelectorAll(".exodus-chart");
    if (!boxes.length) { return; }
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
