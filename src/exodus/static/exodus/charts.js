/* Draws every chart on the page from its inert JSON spec with the Vega runtime shipped
   with the book. Nothing is fetched: the spec and its data are in the page. */
(function () {
  "use strict";
  function draw(box) {
    var view = box.querySelector(".exodus-chart-view");
    var specEl = box.querySelector("script.exodus-chart-spec");
    if (!view || !specEl || box.getAttribute("data-rendered")) { return; }
    var spec;
    try {
      spec = JSON.parse(specEl.textContent);
    } catch (err) {
      box.setAttribute("data-rendered", "error");
      console.error("exodus chart " + box.id + ": bad spec", err);
      return;
    }
    new window.vega.View(window.vega.parse(spec), { renderer: "svg", container: view, hover: true })
      .runAsync()
      .then(function () {
        box.setAttribute("data-rendered", "true");
        box.setAttribute("data-rendered-at", String(Math.round(performance.now())));
      })
      .catch(function (err) {
        box.setAttribute("data-rendered", "error");
        console.error("exodus chart " + box.id, err);
      });
  }
  function drawAll() {
    if (!window.vega) { console.error("exodus charts: the Vega runtime did not load"); return; }
    document.querySelectorAll(".exodus-chart").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
