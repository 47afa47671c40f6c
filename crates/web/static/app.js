// Small progressive touches; every page works without this file.
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) e.preventDefault();
});
// No inline scripts anywhere (the Content-Security-Policy allows only this file): page touches live here.
document.addEventListener("click", function (e) {
  if (e.target.closest && e.target.closest("[data-print]")) window.print();
});
// The patrol report: the on-the-spot reply box shows only when "solved on the spot" is ticked.
(function () {
  var c = document.getElementById("on_spot"), b = document.getElementById("on-spot-box");
  if (!c || !b) return;
  function t() { b.hidden = !c.checked; }
  c.addEventListener("change", t);
  t();
})();
// The resident report form: a click on the map picks the place.
(function () {
  var box = document.getElementById("report-map");
  if (!box) return;
  var svg = box.querySelector("svg"), lng = document.getElementById("lng"), lat = document.getElementById("lat");
  var picked = document.getElementById("picked"), NS = "http://www.w3.org/2000/svg";
  var bb = svg.getAttribute("data-bbox").split(",").map(Number), vb = svg.viewBox.baseVal;
  function mark(x, y) {
    var dot = svg.querySelector("#pick");
    if (!dot) {
      dot = document.createElementNS(NS, "circle");
      dot.setAttribute("id", "pick");
      dot.setAttribute("r", vb.width / 70);
      dot.setAttribute("fill", "#c62828");
      dot.setAttribute("stroke", "#fff");
      dot.setAttribute("stroke-width", vb.width / 300);
      svg.appendChild(dot);
    }
    dot.setAttribute("cx", x);
    dot.setAttribute("cy", y);
  }
  if (lng.value && lat.value) {
    mark((lng.value - bb[0]) / (bb[2] - bb[0]) * vb.width, (bb[3] - lat.value) / (bb[3] - bb[1]) * vb.height);
  }
  svg.addEventListener("click", function (e) {
    e.preventDefault();
    var pt = svg.createSVGPoint();
    pt.x = e.clientX;
    pt.y = e.clientY;
    var p = pt.matrixTransform(svg.getScreenCTM().inverse());
    lng.value = (bb[0] + p.x / vb.width * (bb[2] - bb[0])).toFixed(6);
    lat.value = (bb[3] - p.y / vb.height * (bb[3] - bb[1])).toFixed(6);
    mark(p.x, p.y);
    picked.textContent = "已标出位置（经度 " + lng.value + "，纬度 " + lat.value + "），可再次点击修改。";
  });
})();
// The hotline form (/hotline): buildings matching the address as one types, and the answer box
// only for a question answered on the phone. Without this file the form asks after submitting.
(function () {
  var form = document.getElementById("hotline-form");
  if (!form) return;
  var place = document.getElementById("place"), box = document.getElementById("building-box");
  var select = document.getElementById("building"), timer = null, asked = "";
  function fill(items) {
    var keep = select.value;
    while (select.options.length > 1) select.remove(1);
    items.forEach(function (b) {
      var o = document.createElement("option");
      o.value = String(b.id);
      o.textContent = b.label;
      select.appendChild(o);
    });
    if (items.length === 1) select.value = String(items[0].id);
    else if (keep) select.value = keep;
    box.hidden = items.length === 0;
  }
  place.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = place.value.trim();
      if (q === asked) return;
      asked = q;
      if (!q) { fill([]); return; }
      fetch("/hotline/places?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (d) { if (asked === q) fill(d.items || []); })
        .catch(function () {});
    }, 250);
  });
  var answered = document.getElementById("answered"), answerBox = document.getElementById("answer-box");
  var category = document.getElementById("category");
  var questions = (form.getAttribute("data-questions") || "").split(" ");
  function toggle() {
    var q = questions.indexOf(category.value) >= 0;
    answered.disabled = !q && !answered.checked;
    answerBox.hidden = !answered.checked;
  }
  answered.addEventListener("change", toggle);
  category.addEventListener("change", toggle);
  toggle();
})();
