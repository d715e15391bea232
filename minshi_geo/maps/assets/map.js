/* minshi-geo map page: one region layer restyled by the selected target, mode and period.
 *
 * Reads the data object described in minshi_geo/maps/page.py. Every text from data reaches
 * the page through textContent or as a DOM node (never innerHTML), so markup or template
 * syntax inside a region or scenario name shows as text and never runs.
 */
(function () {
  "use strict";

  var NO_DATA = "#d9d9d9";
  // 不参与 / 无数据 is hatched, so it never reads as the 未报送 grey of the progress map.
  var HATCH = "url(#minshi-hatch)";
  var HATCH_SWATCH = "repeating-linear-gradient(45deg, #ffffff 0 3px, #8c8c8c 3px 4px)";
  function addHatch(map) {
    var svg = map.getPanes().overlayPane.querySelector("svg");
    if (!svg || svg.querySelector("#minshi-hatch")) { return; }
    var ns = "http://www.w3.org/2000/svg";
    var defs = document.createElementNS(ns, "defs");
    var pattern = document.createElementNS(ns, "pattern");
    pattern.setAttribute("id", "minshi-hatch");
    pattern.setAttribute("patternUnits", "userSpaceOnUse");
    pattern.setAttribute("width", "6");
    pattern.setAttribute("height", "6");
    pattern.setAttribute("patternTransform", "rotate(45)");
    var back = document.createElementNS(ns, "rect");
    back.setAttribute("width", "6");
    back.setAttribute("height", "6");
    back.setAttribute("fill", "#ffffff");
    var line = document.createElementNS(ns, "rect");
    line.setAttribute("width", "1.5");
    line.setAttribute("height", "6");
    line.setAttribute("fill", "#8c8c8c");
    pattern.appendChild(back);
    pattern.appendChild(line);
    defs.appendChild(pattern);
    svg.insertBefore(defs, svg.firstChild);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function control(map, position, id) {
    var c = L.control({ position: position });
    var box = el("div", "minshi-box leaflet-control");
    box.id = id;
    c.onAdd = function () {
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    c.addTo(map);
    return box;
  }

  /* A metric scale bar in 公里/米 from the public map.distance (no private Leaflet hooks). */
  function scaleBar(map) {
    var c = L.control({ position: "bottomleft" });
    var bar = el("div", "leaflet-control-scale-line minshi-scale");
    bar.id = "minshi-scale";
    c.onAdd = function () { return bar; };
    c.addTo(map);
    function update() {
      var y = map.getSize().y / 2, maxPx = 100;
      var metres = map.distance(map.containerPointToLatLng([0, y]),
                                map.containerPointToLatLng([maxPx, y]));
      if (!(metres > 0)) { return; }
      var p = Math.pow(10, Math.floor(Math.log(metres) / Math.LN10)), d = metres / p;
      var nice = p * (d >= 5 ? 5 : d >= 2 ? 2 : 1);
      bar.style.width = Math.round(maxPx * nice / metres) + "px";
      bar.textContent = nice >= 1000 ? (nice / 1000) + " 公里" : nice + " 米";
    }
    map.on("moveend zoomend resize", update);
    update();
  }

  window.minshiMap = function (map, D, G) {
    var state = {
      rankAll: false,
      // On a small screen (a 1024-px laptop) the ranking would cover half the province:
      // it starts folded to its title there, one click away.
      rankFolded: map.getSize().x < 1200,
      layer: D.initial.layer,
      mode: D.initial.mode || (D.modes.length ? D.modes[0].id : ""),
      period: D.periods ? (D.initial.period !== undefined ? D.initial.period : D.periods.length - 1) : null,
      region: null  // the region whose detail panel is open
    };
    var shapes = [];

    function viewKey() {
      return state.layer + "|" + state.mode + (D.periods ? "|" + state.period : "");
    }
    function view() { return D.views[viewKey()]; }

    /* ---- the one region layer ---- */
    var base = { weight: 1, color: "#555555", opacity: 1, fillOpacity: 0.85, fillColor: NO_DATA };
    var regionLayer = L.geoJSON(G, {
      style: function (f) {
        var s = L.extend({}, base);
        s.className = "minshi-region minshi-r" + f.properties.i;
        return s;
      },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 10 });
      },
      onEachFeature: function (f, lyr) {
        var i = f.properties.i;
        shapes[i] = lyr;
        lyr.bindTooltip(function () { return tooltipFor(i); },
                        { sticky: true, className: "minshi-tip", direction: "auto" });
        lyr.on("mouseover", function () { lyr.setStyle({ weight: 3, color: "#222222" }); });
        lyr.on("mouseout", function () { lyr.setStyle({ weight: 1, color: "#555555" }); });
        lyr.on("click", function () { openRegion(i); });
      }
    }).addTo(map);
    addHatch(map);
    scaleBar(map);

    /* ---- region names as labels ---- */
    var labelLayer = L.layerGroup().addTo(map);
    var labelMarkers = [];
    D.regions.forEach(function (r, i) {
      var span = el("span", "minshi-label-text" + (r.point ? " minshi-label-point" : ""),
                    r.label || r.name);
      span.setAttribute("data-minshi-region", String(i));
      span.addEventListener("mouseover", function () {
        shapes[i].setStyle({ weight: 3, color: "#222222" });
        shapes[i].openTooltip(D.labels[i]);
      });
      span.addEventListener("mouseout", function () {
        shapes[i].setStyle({ weight: 1, color: "#555555" });
        shapes[i].closeTooltip();
      });
      span.addEventListener("click", function () { openRegion(i); });
      labelMarkers[i] = L.marker(D.labels[i], {
        icon: L.divIcon({ className: "minshi-label", html: span, iconSize: null }),
        interactive: false,
        keyboard: false
      }).addTo(labelLayer);
    });
    // Larger regions (and point regions, which have no area to spare) are named first.
    function boundsArea(i) {
      if (D.regions[i].point || !shapes[i].getBounds) { return Infinity; }
      var b = shapes[i].getBounds();
      return (b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest());
    }
    var labelOrder = null;
    var labelsReady = false;  // set once the map has its first view
    function overlaps(a, b) {
      return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    }
    function placeLabels() {
      // Names must not sit on each other (60 counties at province zoom): a name is written
      // only where it does not overlap one already written; zooming in shows the rest.
      if (!labelOrder) {
        labelOrder = D.regions.map(function (r, i) { return i; });
        var areas = labelOrder.map(boundsArea);
        labelOrder.sort(function (a, b) { return areas[b] - areas[a] || a - b; });
      }
      // The panels count as already taken: a name half under the ranking reads as another.
      var placed = [];
      Array.prototype.forEach.call(
        map.getContainer().querySelectorAll(".minshi-box, .leaflet-control-zoom"),
        function (box) {
          var r = box.getBoundingClientRect();
          if (r.width && r.height) { placed.push(r); }
        });
      labelOrder.forEach(function (i) {
        var icon = labelMarkers[i].getElement();
        if (!icon) { return; }
        icon.classList.remove("minshi-label-off");
        var span = icon.firstChild;
        span.style.marginTop = "0px";
        span.style.marginLeft = "0px";
        var r = span.getBoundingClientRect();
        // Where the name clashes, try just above or below its point, then a little aside,
        // before leaving it out; a polygon's name must sit on that polygon (梅河口市 next to
        // 辽源市 and 通化市: hovering the name must point at 梅河口市).
        var h = r.bottom - r.top + 2, w = r.right - r.left;
        var fit = null;
        [[0, 0], [0, -h / 2], [0, h / 2], [0, -h], [0, h], [-w / 3, 0], [w / 3, 0],
         [-w / 3, -h / 2], [w / 3, -h / 2], [-w / 3, h / 2], [w / 3, h / 2]].some(function (d) {
          var box = { left: r.left + d[0] - 2, right: r.right + d[0] + 2,
                      top: r.top + d[1] - 1, bottom: r.bottom + d[1] + 1 };
          if (placed.some(function (p) { return overlaps(p, box); })) { return false; }
          if (!D.regions[i].point && onScreen(box) && !onOwnRegion(i, box)) { return false; }
          fit = { box: box, dx: d[0], dy: d[1] };
          return true;
        });
        if (fit === null) {
          icon.classList.add("minshi-label-off");
        } else {
          span.style.marginTop = fit.dy + "px";
          span.style.marginLeft = fit.dx + "px";
          placed.push(fit.box);
        }
      });
    }
    map.on("zoomend", placeLabels);
    function onScreen(box) {
      // Off screen nothing can be hit-tested (and nothing is seen); zooming back re-places.
      var x = (box.left + box.right) / 2, y = (box.top + box.bottom) / 2;
      return x >= 0 && y >= 0 && x < window.innerWidth && y < window.innerHeight;
    }
    function onOwnRegion(i, box) {
      // The region drawn under the middle of the name is region i. (A name wider than its
      // region answers for that region itself: hovering or clicking it acts on region i.)
      var hit = document.elementsFromPoint((box.left + box.right) / 2,
                                           (box.top + box.bottom) / 2).filter(function (e) {
        return e.classList && e.classList.contains("minshi-region");
      })[0];
      return !!hit && hit.classList.contains("minshi-r" + i);
    }

    /* ---- tooltip: a small table built from DOM nodes ---- */
    function row(table, label, value) {
      var tr = el("tr");
      tr.appendChild(el("th", null, label));
      tr.appendChild(el("td", null, value));
      table.appendChild(tr);
    }
    function tooltipFor(i) {
      var v = view();
      var layer = D.layers[state.layer];
      var box = el("div", "minshi-tip-body");
      box.appendChild(el("div", "minshi-tip-name", D.regions[i].name));
      var t = el("table");
      if (v) { row(t, v.heading, v.value[i]); }
      (layer.tips || []).forEach(function (tip) {
        // The mode's own row is already first; a tip row with the same heading would repeat it.
        if (v && tip[0] === v.heading) { return; }
        var cells = tip[1];
        var cell = Array.isArray(cells[0]) ? cells[state.period][i] : cells[i];
        row(t, tip[0], cell);
      });
      (layer.facts || []).forEach(function (key) {
        var fact = D.facts[key];
        if (fact) { row(t, fact.label, fact.cells[i]); }
      });
      box.appendChild(t);
      return box;
    }

    /* ---- panel: title, banner, selector, search, modes, period slider ---- */
    var panel = control(map, "topleft", "minshi-panel");
    panel.appendChild(el("h1", "minshi-title", D.title));
    if (D.subtitle) { panel.appendChild(el("div", "minshi-subtitle", D.subtitle)); }
    if (D.banner) { panel.appendChild(el("div", "minshi-banner", D.banner)); }
    if (D.note) { panel.appendChild(el("div", "minshi-note", D.note)); }

    var pick = el("div", "minshi-field");
    var pickLabel = el("label", null, "指标");
    pickLabel.htmlFor = "minshi-target";
    pick.appendChild(pickLabel);
    var search = el("input");
    search.type = "search";
    search.id = "minshi-search";
    search.placeholder = "搜索指标或地区…";
    search.setAttribute("aria-label", "搜索指标或地区");
    pick.appendChild(search);
    var select = el("select");
    select.id = "minshi-target";
    D.groups.forEach(function (g) {
      var og = el("optgroup");
      og.label = g.label;
      g.layers.forEach(function (id) {
        var opt = el("option", null, D.layers[id].label);
        opt.value = id;
        og.appendChild(opt);
      });
      select.appendChild(og);
    });
    select.value = state.layer;
    pick.appendChild(select);
    var basis = el("div", "minshi-basis");
    basis.id = "minshi-basis";
    pick.appendChild(basis);
    panel.appendChild(pick);
    var csvButton = el("button", "minshi-fold minshi-export minshi-export-csv", "导出CSV");
    csvButton.type = "button";
    csvButton.id = "minshi-export-csv";
    csvButton.addEventListener("click", function () {
      page.download(fileName(D.layers[state.layer].label) + ".csv", tableCsv(), "text/csv");
    });
    csvButton.title = "把当前指标的表格导出为 CSV（Excel/WPS 可打开）";
    var numbersToggle = el("label", "minshi-numbers minshi-export");
    var numbersBox = el("input");
    numbersBox.type = "checkbox";
    numbersBox.id = "minshi-numbers";
    numbersBox.addEventListener("change", function () { drawNumbers(); });
    numbersToggle.appendChild(numbersBox);
    numbersToggle.appendChild(document.createTextNode("在地图上标数值"));
    var printDate = el("div", "minshi-print-date");
    printDate.id = "minshi-print-date";
    panel.appendChild(printDate);
    function stampDate() {
      var d = new Date();
      printDate.textContent = "打印日期：" + d.getFullYear() + "年" + (d.getMonth() + 1) + "月" +
        d.getDate() + "日";
    }
    stampDate();

    function filterOptions() {
      var q = search.value.trim().toLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.getElementsByTagName("optgroup"), function (og) {
        var any = false;
        Array.prototype.forEach.call(og.getElementsByTagName("option"), function (opt) {
          var hit = !q || opt.textContent.toLowerCase().indexOf(q) >= 0 ||
            og.label.toLowerCase().indexOf(q) >= 0;
          opt.hidden = !hit;
          if (hit) { any = true; if (first === null) { first = opt; } }
        });
        og.hidden = !any;
      });
      return first;
    }
    var noHit = el("div", "minshi-nohit", "无匹配指标或地区");
    noHit.id = "minshi-nohit";
    noHit.hidden = true;
    noHit.setAttribute("role", "status");
    pick.insertBefore(noHit, select);
    var regionHits = el("div", "minshi-region-hits");
    regionHits.id = "minshi-region-hits";
    pick.insertBefore(regionHits, select);
    function findRegions() {
      var q = search.value.trim().toLowerCase();
      regionHits.textContent = "";
      if (!q) { return []; }
      var hits = D.regions.map(function (r, i) { return i; }).filter(function (i) {
        var r = D.regions[i];
        return [r.name, r.label || "", r.code].some(function (t) {
          return String(t).toLowerCase().indexOf(q) >= 0;
        });
      });
      hits.slice(0, 6).forEach(function (i) {
        var b = el("button", "minshi-region-hit", "地区：" + D.regions[i].name);
        b.type = "button";
        b.addEventListener("click", function () { openRegion(i); });
        regionHits.appendChild(b);
      });
      return hits;
    }
    search.addEventListener("input", function () {
      var first = filterOptions();
      var regionsFound = findRegions();
      // Without a word the select would keep showing a target that does not match.
      noHit.hidden = first !== null || regionsFound.length > 0;
      var current = select.options[select.selectedIndex];
      if (first && (!current || current.hidden)) { setLayer(first.value); }
    });
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        var first = filterOptions();
        var regionsFound = findRegions();
        if (first) { setLayer(first.value); }
        if (regionsFound.length) { openRegion(regionsFound[0]); }
      }
    });
    select.addEventListener("change", function () { setLayer(select.value); });

    if (D.modes.length > 1) {
      var modes = el("div", "minshi-field minshi-modes");
      modes.id = "minshi-modes";
      modes.setAttribute("role", "radiogroup");
      modes.setAttribute("aria-label", "显示方式");
      D.modes.forEach(function (m) {
        var lab = el("label", "minshi-mode");
        var input = el("input");
        input.type = "radio";
        input.name = "minshi-mode";
        input.value = m.id;
        input.checked = m.id === state.mode;
        input.addEventListener("change", function () { if (input.checked) { setMode(m.id); } });
        lab.appendChild(input);
        lab.appendChild(document.createTextNode(m.label));
        modes.appendChild(lab);
      });
      panel.appendChild(modes);
    }

    var slider = null, periodLabel = null;
    if (D.periods) {
      var time = el("div", "minshi-field minshi-time");
      var timeLabel = el("label", null, "报告期");
      timeLabel.htmlFor = "minshi-period";
      time.appendChild(timeLabel);
      slider = el("input");
      slider.type = "range";
      slider.id = "minshi-period";
      slider.min = "0";
      slider.max = String(D.periods.length - 1);
      slider.step = "1";
      slider.value = String(state.period);
      periodLabel = el("span", "minshi-period-label");
      periodLabel.id = "minshi-period-label";
      slider.addEventListener("input", function () { setPeriod(parseInt(slider.value, 10)); });
      time.appendChild(slider);
      time.appendChild(periodLabel);
      panel.appendChild(time);
    }

    /* ---- legend, ranking, extra list ---- */
    var legend = control(map, "bottomright", "minshi-legend");
    var ranking = control(map, "topright", "minshi-ranking");
    var listBox = null;
    if (D.lists && Object.keys(D.lists).length) {
      listBox = control(map, "bottomleft", "minshi-list");
    }

    function drawLegend(v) {
      legend.textContent = "";
      legend.appendChild(el("div", "minshi-legend-title", v ? v.heading : ""));
      if (!v) { return; }
      var entries = v.legend.slice();
      if (v.cls.indexOf(-1) >= 0) { entries.push([HATCH, "无数据 / 不参与"]); }
      entries.forEach(function (e) {
        var r = el("div", "minshi-legend-row");
        var sw = el("span", "minshi-swatch");
        sw.style.background = e[0] === HATCH ? HATCH_SWATCH : e[0];
        r.appendChild(sw);
        r.appendChild(el("span", null, e[1]));
        legend.appendChild(r);
      });
      legend.appendChild(numbersToggle);
    }

    function drawRanking(v) {
      ranking.textContent = "";
      var head0 = el("div", "minshi-legend-title minshi-rank-head");
      head0.appendChild(el("span", null, "排名 · " + D.layers[state.layer].label));
      var fold = el("button", "minshi-fold", state.rankFolded ? "展开" : "收起");
      fold.type = "button";
      fold.id = "minshi-rank-fold";
      fold.setAttribute("aria-expanded", state.rankFolded ? "false" : "true");
      fold.addEventListener("click", function () {
        state.rankFolded = !state.rankFolded;
        drawRanking(view());
        if (labelsReady) { placeLabels(); }
      });
      head0.appendChild(csvButton);
      head0.appendChild(fold);
      ranking.appendChild(head0);
      if (!v || state.rankFolded) { return; }
      var order = D.regions.map(function (r, i) { return i; }).filter(function (i) {
        return v.rank[i] !== null && v.rank[i] !== undefined;
      });
      order.sort(function (a, b) { return v.rank[b] - v.rank[a] || a - b; });
      var table = el("table", "minshi-rank-table");
      var head = el("tr");
      ["#", "地区", v.rank_heading || v.heading].forEach(function (h) {
        head.appendChild(el("th", null, h));
      });
      table.appendChild(head);
      // With many regions the full table would cover the map: top 10 until asked for all.
      var shown = (order.length > 12 && !state.rankAll) ? order.slice(0, 10) : order;
      shown.forEach(function (i, k) {
        var tr = el("tr");
        tr.appendChild(el("td", "minshi-rank-n", k + 1));
        tr.appendChild(el("td", null, D.regions[i].name));
        tr.appendChild(el("td", "minshi-rank-v", (v.rank_value || v.value)[i]));
        tr.addEventListener("mouseover", function () { shapes[i].setStyle({ weight: 3, color: "#222222" }); });
        tr.addEventListener("mouseout", function () { shapes[i].setStyle({ weight: 1, color: "#555555" }); });
        table.appendChild(tr);
      });
      ranking.appendChild(table);
      if (order.length > 12) {
        var more = el("button", "minshi-more",
                      state.rankAll ? "收起" : "显示全部 " + order.length + " 个");
        more.type = "button";
        more.id = "minshi-rank-more";
        more.addEventListener("click", function () {
          state.rankAll = !state.rankAll;
          drawRanking(view());
          fitList();
          if (labelsReady) { placeLabels(); }
        });
        ranking.appendChild(more);
      }
    }

    function fitList() {
      // The ranking sits above the legend and the list below the panel: on a short screen
      // neither may cover what is under it, so each gets only the height left.
      var h = map.getSize().y;
      var rankRoom = Math.min(h * 0.6, h - legend.offsetHeight - 50);
      ranking.style.maxHeight = Math.max(rankRoom, 44) + "px";
      var top = map.getContainer().getBoundingClientRect().top;
      if (listBox && !listBox.hidden) {
        // the panel scrolls rather than push the list over itself: it keeps room for the
        // list's smallest height (44) + margins (10) + the scale bar (50) under it
        panel.style.maxHeight = "";
        var panelTop = panel.getBoundingClientRect().top - top;
        var panelRoom = h - panelTop - 104;
        if (panel.offsetHeight > panelRoom) {
          panel.style.maxHeight = Math.max(panelRoom, 120) + "px";
          panel.style.overflowY = "auto";
        }
      }
      var panelBottom = panel.getBoundingClientRect().bottom - top;
      var room = map.getSize().y - panelBottom - 50;  // margins + the scale bar
      if (listBox) {
        listBox.style.maxHeight = Math.max(Math.min(room, map.getSize().y * 0.35), 44) + "px";
        room -= listBox.hidden ? 0 : listBox.offsetHeight + 10;
      }
      if (!detail.hidden) { detail.style.maxHeight = Math.max(room, 80) + "px"; }
    }
    map.on("resize", fitList);

    function drawList() {
      if (!listBox) { return; }
      listBox.textContent = "";
      var key = state.layer + (D.periods ? "|" + state.period : "");
      var list = D.lists[key];
      if (!list) { return; }
      listBox.appendChild(el("div", "minshi-legend-title", list.title));
      if (!list.rows.length) { listBox.appendChild(el("div", "minshi-empty", "无")); }
      var ul = el("ul");
      list.rows.forEach(function (r) {
        var li = el("li");
        li.appendChild(el("b", null, D.regions[r[0]].name));
        li.appendChild(document.createTextNode(" " + r[1]));
        ul.appendChild(li);
      });
      listBox.appendChild(ul);
    }

    /* ---- detail panel of one region: every target, in every mode ---- */
    var detail = control(map, "bottomleft", "minshi-detail");
    detail.hidden = true;
    function viewOf(layer, mode) {
      return D.views[layer + "|" + mode + (D.periods ? "|" + state.period : "")];
    }
    function drawDetail() {
      var i = state.region;
      detail.textContent = "";
      detail.hidden = i === null;
      if (i === null) { return; }
      var head = el("div", "minshi-legend-title minshi-rank-head");
      head.appendChild(el("span", "minshi-detail-name", D.regions[i].name));
      var close = el("button", "minshi-fold", "关闭");
      close.type = "button";
      close.id = "minshi-detail-close";
      close.addEventListener("click", function () { openRegion(null); });
      head.appendChild(close);
      detail.appendChild(head);
      explainDetail(i);  // the shown target's 测算说明 first, then every target
      var table = el("table", "minshi-rank-table minshi-detail-table");
      var tr = el("tr");
      tr.appendChild(el("th", null, "指标"));
      D.modes.forEach(function (m) { tr.appendChild(el("th", null, m.label)); });
      table.appendChild(tr);
      D.groups.forEach(function (g) {
        g.layers.forEach(function (id) {
          var row_ = el("tr");
          if (id === state.layer) { row_.className = "minshi-detail-current"; }
          row_.appendChild(el("td", null, D.layers[id].label));
          D.modes.forEach(function (m) {
            var v = viewOf(id, m.id);
            var shown = v && v.rank[i] !== null && v.rank[i] !== undefined ? v.value[i] : "—";
            row_.appendChild(el("td", "minshi-rank-v", shown));
          });
          row_.addEventListener("click", function () { setLayer(id); });
          table.appendChild(row_);
        });
      });
      detail.appendChild(table);
    }
    /* 测算说明 of the shown target for region i (explanation.csv rows; text only) */
    function explainDetail(i) {
      var layer = D.layers[state.layer];
      if (!layer.explain || !layer.explain.length) { return; }
      var box = el("div", "minshi-explain");
      box.id = "minshi-explain";
      box.appendChild(el("div", "minshi-legend-title", "测算说明 · " + layer.label));
      var t = el("table", "minshi-rank-table");
      var rows = layer.explain.map(function (r) { return [r[0], r[1][i]]; });
      (layer.facts || []).forEach(function (key) {
        var f = D.facts[key];
        if (f && f.sources && f.sources[i]) { rows.push(["来源 · " + f.label, f.sources[i]]); }
      });
      if (layer.caveat) { rows.push(["说明", layer.caveat]); }
      if (layer.sweep) { rows.push(["敏感性测算", layer.sweep]); }
      rows.forEach(function (r) {
        var tr = el("tr");
        tr.appendChild(el("th", null, r[0]));
        tr.appendChild(el("td", null, r[1]));
        t.appendChild(tr);
      });
      box.appendChild(t);
      detail.appendChild(box);
    }
    function openRegion(i) {
      state.region = i;
      drawDetail();
      fitList();
    }

    /* ---- the shown table as CSV (numbers, not display text) ---- */
    function csvCell(value) {
      if (value === null || value === undefined) { return ""; }
      var text = String(value);
      // A spreadsheet must not read a name as a formula.
      if (typeof value === "string" && /^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/.test(text)) {
        text = "'" + text;
      }
      return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
    }
    function tableCsv() {
      var modes = D.modes.filter(function (m) { return viewOf(state.layer, m.id); });
      var lines = [["target_id", "指标", "region_code", "地区"].concat(modes.map(function (m) {
        return viewOf(state.layer, m.id).heading;
      }))];
      D.regions.forEach(function (r, i) {
        var values = modes.map(function (m) { return viewOf(state.layer, m.id).rank[i]; });
        if (values.every(function (x) { return x === null || x === undefined; })) { return; }
        lines.push([state.layer, D.layers[state.layer].label, r.code, r.name].concat(values));
      });
      return "\ufeff" + lines.map(function (l) { return l.map(csvCell).join(","); }).join("\r\n") +
        "\r\n";
    }
    function fileName(text) {
      return String(D.title + "-" + text).replace(/[\\/:*?"<>|\x00-\x1f]/g, "_").slice(0, 120);
    }

    /* ---- optional numbers on the regions ---- */
    function drawNumbers() {
      var v = view();
      labelMarkers.forEach(function (m, i) {
        var icon = m.getElement();
        if (!icon) { return; }
        var span = icon.firstChild;
        var name = D.regions[i].label || D.regions[i].name;
        var shown = numbersBox.checked && v && v.rank[i] !== null && v.rank[i] !== undefined;
        span.textContent = shown ? name + " " + v.value[i] : name;
      });
      if (labelsReady) { placeLabels(); }
    }

    function restyle() {
      var v = view();
      shapes.forEach(function (lyr, i) {
        var c = v ? v.cls[i] : -1;
        lyr.setStyle({ fillColor: c >= 0 ? v.legend[c][0] : HATCH });
      });
      if (periodLabel) { periodLabel.textContent = D.periods[state.period]; }
      basis.textContent = D.layers[state.layer].basis || "";
      drawLegend(v);
      drawRanking(v);
      drawList();
      drawDetail();
      fitList();
      if (numbersBox.checked) { drawNumbers(); } else if (labelsReady) { placeLabels(); }
      map.getContainer().setAttribute("data-minshi-view", viewKey());
    }

    function setLayer(id) {
      if (!D.layers[id]) { return; }
      state.layer = id;
      if (select.value !== id) { select.value = id; }
      restyle();
    }
    function setMode(id) {
      state.mode = id;
      Array.prototype.forEach.call(document.getElementsByName("minshi-mode"), function (r) {
        r.checked = r.value === id;
      });
      restyle();
    }
    function setPeriod(p) {
      state.period = p;
      if (slider && slider.value !== String(p)) { slider.value = String(p); }
      restyle();
    }

    restyle();
    // Keep the title panel and the ranking off the province where the screen allows it,
    // and let the zoom settle between whole levels so the province fills what is left.
    map.options.zoomSnap = 0.25;
    function fitProvince(printing) {
      var size = map.getSize();
      var left = size.x > 900 || printing ? panel.offsetWidth + 20 : 10;
      var room = size.x - left - ranking.offsetWidth - 20;
      // On paper nothing can be moved aside, so the ranking always gets its own strip.
      var right = room >= 500 || (printing && room >= 250) ? ranking.offsetWidth + 20 : 10;
      map.fitBounds(D.bounds, {
        paddingTopLeft: [left, 10],
        paddingBottomRight: [right, 10],
        animate: false
      });
    }
    fitProvince(false);
    labelsReady = true;
    placeLabels();

    // A printed map has no button to unfold the ranking: print it unfolded, then restore.
    var foldedBeforePrint = null;
    window.addEventListener("beforeprint", function () {
      stampDate();
      foldedBeforePrint = state.rankFolded;
      state.rankFolded = false;
      drawRanking(view());
      map.invalidateSize({ animate: false });
      fitProvince(true);
      placeLabels();
    });
    window.addEventListener("afterprint", function () {
      if (foldedBeforePrint === null) { return; }
      state.rankFolded = foldedBeforePrint;
      foldedBeforePrint = null;
      drawRanking(view());
      map.invalidateSize({ animate: false });
      fitProvince(false);
      placeLabels();
    });
    var page = window.minshiPage = {
      map: map, data: D, layer: regionLayer, shapes: shapes, state: state,
      setLayer: setLayer, setMode: setMode, setPeriod: setPeriod, openRegion: openRegion,
      tableCsv: tableCsv,
      // One way out of the page for files (offline: a Blob link, nothing uploaded).
      download: function (name, text, type) {
        var a = el("a");
        a.href = URL.createObjectURL(new Blob([text], { type: type + ";charset=utf-8" }));
        a.download = name;
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
      }
    };
  };
})();
