// The interactive map (Leaflet, vendored under /static/vendor/). Every map box holds the map the
// server drew as SVG; when Leaflet is loaded, this file draws the same layers over a real web
// map instead (tiles when configured, else a plain ground) and hides the SVG. Without
// JavaScript, or if Leaflet fails to load, the SVG stays. A box says what it needs:
//   data-map="report" (tap places the point into #lng/#lat) | "areas" (areas link to data-href + code)
//   data-layers  GeoJSON URL: areas (fill, note, label point), buildings, cases and disputes (a point's
//                own fill, e.g. a dispute's risk colour, wins over its kind's)
//   data-tiles   tile URL templates, space separated ("" = no tiles); data-attribution
//   data-coords  "gcj02" when the tiles are GCJ-02: our WGS-84 layers are shifted before drawing
(function () {
  "use strict";

  // GCJ-02, as domain::places::gcj02 (a browser test checks both agree).
  var A = 6378245.0, EE = 0.006693421622965943, PI = Math.PI;
  function inChina(lng, lat) { return lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271; }
  function sLat(x, y) {
    var r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
    r += (20 * Math.sin(y * PI) + 40 * Math.sin(y / 3 * PI)) * 2 / 3;
    return r + (160 * Math.sin(y / 12 * PI) + 320 * Math.sin(y * PI / 30)) * 2 / 3;
  }
  function sLng(x, y) {
    var r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
    r += (20 * Math.sin(x * PI) + 40 * Math.sin(x / 3 * PI)) * 2 / 3;
    return r + (150 * Math.sin(x / 12 * PI) + 300 * Math.sin(x / 30 * PI)) * 2 / 3;
  }
  function toGcj(lng, lat) {
    if (!inChina(lng, lat)) return [lng, lat];
    var dLat = sLat(lng - 105, lat - 35), dLng = sLng(lng - 105, lat - 35), rad = lat / 180 * PI;
    var magic = 1 - EE * Math.sin(rad) * Math.sin(rad), sq = Math.sqrt(magic);
    dLat = dLat * 180 / ((A * (1 - EE)) / (magic * sq) * PI);
    dLng = dLng * 180 / (A / sq * Math.cos(rad) * PI);
    return [lng + dLng, lat + dLat];
  }
  function toWgs(lng, lat) {
    if (!inChina(lng, lat)) return [lng, lat];
    var w = [lng, lat];
    for (var i = 0; i < 10; i++) {
      var g = toGcj(w[0], w[1]), dx = g[0] - lng, dy = g[1] - lat;
      w = [w[0] - dx, w[1] - dy];
      if (Math.abs(dx) < 1e-10 && Math.abs(dy) < 1e-10) break;
    }
    return w;
  }
  window.TongxinMap = { toGcj: toGcj, toWgs: toWgs };

  var L = window.L;
  if (!L || !window.fetch) return;
  // The zoom from which buildings are drawn (about 2 m a pixel).
  var BUILDING_ZOOM = 16;

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
  }

  // Labels: one per area at its label point, shown only where the area is wider and taller on
  // screen than the label, and never over a label already shown (larger areas first).
  function placeLabels(map, labels) {
    var shown = [];
    var order = labels.map(function (l) {
      var b = l.area.getBounds(), p1 = map.latLngToContainerPoint(b.getNorthWest()),
        p2 = map.latLngToContainerPoint(b.getSouthEast());
      return { l: l, w: Math.abs(p2.x - p1.x), h: Math.abs(p2.y - p1.y) };
    }).sort(function (a, b) { return b.w * b.h - a.w * a.h; });
    order.forEach(function (o) {
      var el = o.l.marker.getElement(), span = el && el.firstChild;
      if (!span) return;
      el.classList.remove("off");
      var r = span.getBoundingClientRect();
      var fits = r.width <= o.w * 0.9 && r.height <= o.h * 0.9;
      var free = fits && shown.every(function (s) {
        return r.right <= s.left || r.left >= s.right || r.bottom <= s.top || r.top >= s.bottom;
      });
      if (free) shown.push(r); else el.classList.add("off");
    });
  }

  function init(box) {
    var svg = box.querySelector("svg.map");
    var purpose = box.getAttribute("data-map"), href = box.getAttribute("data-href") || "";
    var gcj = box.getAttribute("data-coords") === "gcj02";
    var show = function (lng, lat) { return gcj ? toGcj(lng, lat) : [lng, lat]; };
    var host = document.createElement("div");
    host.className = "lmap";
    host.setAttribute("role", "application");
    host.setAttribute("aria-label", svg ? svg.getAttribute("aria-label") : "地图");
    box.insertBefore(host, svg || null);
    var map = L.map(host, { zoomSnap: 0.25, attributionControl: true });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    var tiles = (box.getAttribute("data-tiles") || "").split(" ").filter(Boolean);
    tiles.forEach(function (url, i) {
      L.tileLayer(url, {
        subdomains: url.indexOf("tianditu") >= 0 ? "01234567" : "abc",
        maxZoom: 18,
        attribution: i === 0 ? esc(box.getAttribute("data-attribution") || "") : ""
      }).addTo(map);
    });
    if (!tiles.length) host.classList.add("plain");

    fetch(box.getAttribute("data-layers"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        var opts = {
          coordsToLatLng: function (c) { var p = show(c[0], c[1]); return L.latLng(p[1], p[0]); },
          filter: function (f) { return f.properties && f.properties.kind === "area"; },
          style: function (f) {
            return { color: "#37474f", weight: 1.5, fillColor: f.properties.fill || "#e8f0e8", fillOpacity: tiles.length ? 0.45 : 0.85, className: "area" };
          },
          onEachFeature: function (f, layer) {
            var p = f.properties;
            layer.bindTooltip(esc(p.name) + (p.note ? " " + esc(p.note) : ""), { sticky: true });
            if (purpose === "areas" && href) layer.on("click", function () { window.location.href = href + encodeURIComponent(p.code); });
            if (p.label) {
              var at = show(p.label[0], p.label[1]);
              var html = "<span>" + esc(p.name) + (p.note ? "<small>" + esc(p.note) + "</small>" : "") + "</span>";
              labels.push({
                area: layer,
                marker: L.marker([at[1], at[0]], {
                  icon: L.divIcon({ className: "area-label", html: html, iconSize: [0, 0] }),
                  interactive: false, keyboard: false
                })
              });
            }
          }
        };
        var labels = [];
        var areas = L.geoJSON(data, opts).addTo(map);
        var points = L.geoJSON(data, {
          coordsToLatLng: opts.coordsToLatLng,
          filter: function (f) { return f.properties && f.properties.kind !== "area"; },
          pointToLayer: function (f, ll) {
            var k = f.properties.kind;
            return L.circleMarker(ll, k === "building"
              ? { radius: 4, color: "#fff", weight: 1, fillColor: "#1565c0", fillOpacity: 0.9, bubblingMouseEvents: true }
              : { radius: 8, color: "#fff", weight: 2, fillColor: f.properties.fill || (k === "overdue" ? "#c62828" : "#ef6c00"), fillOpacity: 1, className: "case-dot " + k });
          },
          onEachFeature: function (f, layer) {
            layer.bindTooltip(esc(f.properties.name));
            if (f.properties.href) layer.on("click", function () { window.location.href = f.properties.href; });
          }
        }).addTo(map);
        var group = L.featureGroup([areas, points]), bounds = group.getBounds();
        if (group.getLayers().length && bounds.isValid()) {
          // As tall as the area's true shape needs (a street that is a strip gets a short map).
          var nw = map.project(bounds.getNorthWest(), 18), se = map.project(bounds.getSouthEast(), 18);
          var tall = host.clientWidth * (se.y - nw.y) / Math.max(1, se.x - nw.x) + 24;
          host.style.height = Math.round(Math.max(260, Math.min(tall, window.innerHeight * 0.68, 560))) + "px";
          map.invalidateSize();
          map.fitBounds(bounds, { padding: [6, 6] });
        } else map.setView([29.08, 119.65], 13);
        // Buildings only where they can be told apart (a few hundred dots on a street are noise).
        var buildings = L.featureGroup();
        points.eachLayer(function (l) { if (l.feature.properties.kind === "building") { points.removeLayer(l); buildings.addLayer(l); } });
        var showBuildings = function () {
          if (map.getZoom() >= BUILDING_ZOOM) buildings.addTo(map); else buildings.remove();
        };
        map.on("zoomend", showBuildings);
        showBuildings();
        labels.forEach(function (l) { l.marker.addTo(map); });
        var relabel = function () { placeLabels(map, labels); };
        map.on("zoomend moveend resize", relabel);
        relabel();
        if (svg) svg.style.display = "none";
        box.classList.add("live");
        if (purpose === "report") picking(box, map, show);
      })
      .catch(function () {
        // The layers did not come: the SVG drawn by the server stays.
        map.remove();
        host.parentNode.removeChild(host);
      });
  }

  // The report form: a tap places the point (and a second tap moves it); "use my location"
  // asks the browser. The form's hidden #lng/#lat always hold WGS-84.
  function picking(box, map, show) {
    var lng = document.getElementById("lng"), lat = document.getElementById("lat"),
      picked = document.getElementById("picked"), dot = null;
    function place(wgsLng, wgsLat, said) {
      lng.value = wgsLng.toFixed(6);
      lat.value = wgsLat.toFixed(6);
      var p = show(wgsLng, wgsLat), ll = L.latLng(p[1], p[0]);
      if (!dot) dot = L.circleMarker(ll, { radius: 11, color: "#fff", weight: 3, fillColor: "#c62828", fillOpacity: 1, className: "picked-dot" }).addTo(map);
      else dot.setLatLng(ll);
      if (picked) picked.textContent = said + "（经度 " + lng.value + "，纬度 " + lat.value + "），可再次点击地图修改。";
    }
    if (lng.value && lat.value && isFinite(lng.value) && isFinite(lat.value)) place(+lng.value, +lat.value, "已标出位置");
    map.on("click", function (e) {
      var w = box.getAttribute("data-coords") === "gcj02" ? toWgs(e.latlng.lng, e.latlng.lat) : [e.latlng.lng, e.latlng.lat];
      place(w[0], w[1], "已标出位置");
    });
    if (!navigator.geolocation) return;
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "secondary locate-me";
    btn.textContent = "使用我的位置";
    box.parentNode.insertBefore(btn, box);
    btn.addEventListener("click", function () {
      if (picked) picked.textContent = "正在获取您的位置…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        place(pos.coords.longitude, pos.coords.latitude, "已按您的位置标出");
        var p = show(pos.coords.longitude, pos.coords.latitude);
        map.setView([p[1], p[0]], Math.max(map.getZoom(), 16));
      }, function () {
        if (picked) picked.textContent = "未能获取您的位置（可能未授权定位），请在地图上点击标出。";
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    });
  }

  var boxes = document.querySelectorAll(".map-box[data-map]");
  for (var i = 0; i < boxes.length; i++) init(boxes[i]);
})();
