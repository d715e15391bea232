/* minshi-geo map page: one region layer restyled by the selected target, mode and period.
 *
 * Reads the data object described in minshi_geo/maps/page.py. Every text from data reaches
 * the page through textContent or as a DOM node (never innerHTML), so markup or template
 * syntax inside a region or scenario name shows as text and never runs.
 *
 * One function (or a few) per panel. They share one small object, `ctx`, passed explicitly:
 *   ctx.map, ctx.D (the data object), ctx.state (what is shown), ctx.shapes (a Leaflet
 *   layer per region), ctx.ui (the panels' DOM nodes), ctx.labels (name markers),
 *   ctx.page (window.minshiPage).
 * Actions that change what is shown are setLayer / setMode / setPeriod / openRegion (ctx, …).
 */
(function () {
  "use strict";

  var NO_DATA = "#d9d9d9";
  // 不参与 / 无数据 is hatched, so it never reads as the 未报送 grey of the progress map.
  var HATCH = "url(#minshi-hatch)";
  var HATCH_SWATCH = "repeating-linear-gradient(45deg, #ffffff 0 3px, #8c8c8c 3px 4px)";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var OUTLINE = { weight: 1, color: "#555555" };
  var HOVER = { weight: 3, color: "#222222" };

  /* ---- small DOM helpers ---- */
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function button(cls, id, text, onClick) {
    var b = el("button", cls, text);
    b.type = "button";
    if (id) { b.id = id; }
    b.addEventListener("click", onClick);
    return b;
  }

  function svgEl(tag, attrs) {
    var e = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
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

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  function regionIndices(D) { return D.regions.map(function (r, i) { return i; }); }
  function known(x) { return x !== null && x !== undefined; }

  /* ---- what is shown ---- */
  function viewKey(ctx) {
    var s = ctx.state;
    return s.layer + "|" + s.mode + (ctx.D.periods ? "|" + s.period : "");
  }
  function view(ctx) { return ctx.D.views[viewKey(ctx)]; }
  function viewOf(ctx, layer, mode) {
    return ctx.D.views[layer + "|" + mode + (ctx.D.periods ? "|" + ctx.state.period : "")];
  }

  function initialState(map, D) {
    return {
      rankAll: false,
      // On a small screen (a 1024-px laptop) the ranking would cover half the province:
      // it starts folded to its title there, one click away.
      rankFolded: map.getSize().x < 1200,
      layer: D.initial.layer,
      mode: D.initial.mode || (D.modes.length ? D.modes[0].id : ""),
      period: D.periods ? (D.initial.period !== undefined ? D.initial.period
                                                          : D.periods.length - 1) : null,
      region: null  // the region whose detail panel is open
    };
  }

  /* ---- the hatch pattern of 不参与 / 无数据, inside the regions' SVG ---- */
  function addHatch(map) {
    var svg = map.getPanes().overlayPane.querySelector("svg");
    if (!svg || svg.querySelector("#minshi-hatch")) { return; }
    var defs = svgEl("defs", {});
    var pattern = svgEl("pattern", { id: "minshi-hatch", patternUnits: "userSpaceOnUse",
                                     width: "6", height: "6", patternTransform: "rotate(45)" });
    pattern.appendChild(svgEl("rect", { width: "6", height: "6", fill: "#ffffff" }));
    pattern.appendChild(svgEl("rect", { width: "1.5", height: "6", fill: "#8c8c8c" }));
    defs.appendChild(pattern);
    svg.insertBefore(defs, svg.firstChild);
  }

  /* ---- a metric scale bar in 公里/米 from the public map.distance (no private hooks) ---- */
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
    return bar;
  }

  /* ---- the one region layer ---- */
  function highlight(ctx, i, on) { ctx.shapes[i].setStyle(on ? HOVER : OUTLINE); }

  function regionLayer(ctx, G) {
    var base = { weight: 1, color: "#555555", opacity: 1, fillOpacity: 0.85, fillColor: NO_DATA };
    return L.geoJSON(G, {
      style: function (f) {
        var s = L.extend({}, base);
        s.className = "minshi-region minshi-r" + f.properties.i;
        return s;
      },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 10 }); },
      onEachFeature: function (f, lyr) { bindRegion(ctx, f.properties.i, lyr); }
    }).addTo(ctx.map);
  }

  function bindRegion(ctx, i, lyr) {
    ctx.shapes[i] = lyr;
    lyr.bindTooltip(function () { return tooltipFor(ctx, i); },
                    { sticky: true, className: "minshi-tip", direction: "auto" });
    lyr.on("mouseover", function () { highlight(ctx, i, true); });
    lyr.on("mouseout", function () { highlight(ctx, i, false); });
    lyr.on("click", function () { openRegion(ctx, i); });
  }

  /* ---- tooltip: a small table built from DOM nodes ---- */
  function tipRow(table, label, value) {
    var tr = el("tr");
    tr.appendChild(el("th", null, label));
    tr.appendChild(el("td", null, value));
    table.appendChild(tr);
  }

  function tooltipFor(ctx, i) {
    var D = ctx.D, v = view(ctx), layer = D.layers[ctx.state.layer];
    var box = el("div", "minshi-tip-body");
    box.appendChild(el("div", "minshi-tip-name", D.regions[i].name));
    var t = el("table");
    if (v) { tipRow(t, v.heading, v.value[i]); }
    (layer.tips || []).forEach(function (tip) {
      // The mode's own row is already first; a tip row with the same heading would repeat it.
      if (v && tip[0] === v.heading) { return; }
      var cells = tip[1];
      tipRow(t, tip[0], Array.isArray(cells[0]) ? cells[ctx.state.period][i] : cells[i]);
    });
    (layer.facts || []).forEach(function (key) {
      var fact = D.facts[key];
      if (fact) { tipRow(t, fact.label, fact.cells[i]); }
    });
    box.appendChild(t);
    return box;
  }

  /* ---- region names as labels ---- */
  function regionLabels(ctx) {
    var group = L.layerGroup().addTo(ctx.map);
    ctx.labels = { markers: [], order: null, ready: false };  // ready: the map has its view
    ctx.D.regions.forEach(function (r, i) {
      ctx.labels.markers[i] = labelMarker(ctx, r, i).addTo(group);
    });
    ctx.map.on("zoomend", function () { placeLabels(ctx); });
  }

  function labelMarker(ctx, r, i) {
    var span = el("span", "minshi-label-text" + (r.point ? " minshi-label-point" : ""),
                  r.label || r.name);
    span.setAttribute("data-minshi-region", String(i));
    span.addEventListener("mouseover", function () {
      highlight(ctx, i, true);
      ctx.shapes[i].openTooltip(ctx.D.labels[i]);
    });
    span.addEventListener("mouseout", function () {
      highlight(ctx, i, false);
      ctx.shapes[i].closeTooltip();
    });
    span.addEventListener("click", function () { openRegion(ctx, i); });
    return L.marker(ctx.D.labels[i], {
      icon: L.divIcon({ className: "minshi-label", html: span, iconSize: null }),
      interactive: false,
      keyboard: false
    });
  }

  // Larger regions (and point regions, which have no area to spare) are named first.
  function labelOrder(ctx) {
    if (ctx.labels.order) { return ctx.labels.order; }
    var order = regionIndices(ctx.D);
    var areas = order.map(function (i) {
      var shape = ctx.shapes[i];
      if (ctx.D.regions[i].point || !shape.getBounds) { return Infinity; }
      var b = shape.getBounds();
      return (b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest());
    });
    order.sort(function (a, b) { return areas[b] - areas[a] || a - b; });
    return (ctx.labels.order = order);
  }

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  // The panels count as already taken: a name half under the ranking reads as another.
  function panelBoxes(ctx) {
    var taken = [];
    each(ctx.map.getContainer().querySelectorAll(".minshi-box, .leaflet-control-zoom"),
         function (box) {
           var r = box.getBoundingClientRect();
           if (r.width && r.height) { taken.push(r); }
         });
    return taken;
  }

  // Names must not sit on each other (60 counties at province zoom): a name is written only
  // where it does not overlap one already written; zooming in shows the rest.
  function placeLabels(ctx) {
    var placed = panelBoxes(ctx);
    labelOrder(ctx).forEach(function (i) { placeLabel(ctx, i, placed); });
  }

  function placeLabel(ctx, i, placed) {
    var icon = ctx.labels.markers[i].getElement();
    if (!icon) { return; }
    icon.classList.remove("minshi-label-off");
    var span = icon.firstChild;
    span.style.marginTop = "0px";
    span.style.marginLeft = "0px";
    var fit = labelFit(ctx, i, span.getBoundingClientRect(), placed);
    if (fit === null) {
      icon.classList.add("minshi-label-off");
    } else {
      span.style.marginTop = fit.dy + "px";
      span.style.marginLeft = fit.dx + "px";
      placed.push(fit.box);
    }
  }

  // Where the name clashes, try just above or below its point, then a little aside, before
  // leaving it out; a polygon's name must sit on that polygon (梅河口市 next to 辽源市 and
  // 通化市: hovering the name must point at 梅河口市).
  function labelFit(ctx, i, r, placed) {
    var h = r.bottom - r.top + 2, w = r.right - r.left;
    var fit = null;
    [[0, 0], [0, -h / 2], [0, h / 2], [0, -h], [0, h], [-w / 3, 0], [w / 3, 0],
     [-w / 3, -h / 2], [w / 3, -h / 2], [-w / 3, h / 2], [w / 3, h / 2]].some(function (d) {
      var box = { left: r.left + d[0] - 2, right: r.right + d[0] + 2,
                  top: r.top + d[1] - 1, bottom: r.bottom + d[1] + 1 };
      if (placed.some(function (p) { return overlaps(p, box); })) { return false; }
      if (!ctx.D.regions[i].point && onScreen(box) && !onOwnRegion(i, box)) { return false; }
      fit = { box: box, dx: d[0], dy: d[1] };
      return true;
    });
    return fit;
  }

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

  /* ---- optional numbers after the names ---- */
  function numbersToggle(ctx) {
    var toggle = el("label", "minshi-numbers minshi-export");
    var box = el("input");
    box.type = "checkbox";
    box.id = "minshi-numbers";
    box.addEventListener("change", function () { drawNumbers(ctx); });
    toggle.appendChild(box);
    toggle.appendChild(document.createTextNode("在地图上标数值"));
    ctx.ui.numbersBox = box;
    return toggle;
  }

  function drawNumbers(ctx) {
    var v = view(ctx), D = ctx.D, on = ctx.ui.numbersBox.checked;
    ctx.labels.markers.forEach(function (m, i) {
      var icon = m.getElement();
      if (!icon) { return; }
      var name = D.regions[i].label || D.regions[i].name;
      var shown = on && v && known(v.rank[i]);
      icon.firstChild.textContent = shown ? name + " " + v.value[i] : name;
    });
    if (ctx.labels.ready) { placeLabels(ctx); }
  }

  /* ---- panel: title, banner, selector, search, modes, period slider ---- */
  function titlePanel(ctx) {
    var D = ctx.D, panel = control(ctx.map, "topleft", "minshi-panel");
    panel.appendChild(el("h1", "minshi-title", D.title));
    if (D.subtitle) { panel.appendChild(el("div", "minshi-subtitle", D.subtitle)); }
    if (D.banner) { panel.appendChild(el("div", "minshi-banner", D.banner)); }
    if (D.note) { panel.appendChild(el("div", "minshi-note", D.note)); }
    panel.appendChild(targetField(ctx));
    panel.appendChild(printDate(ctx));
    if (D.modes.length > 1) { panel.appendChild(modeSwitch(ctx)); }
    if (D.periods) { panel.appendChild(timeSlider(ctx)); }
    return panel;
  }

  function targetField(ctx) {
    var pick = el("div", "minshi-field");
    var label = el("label", null, "指标");
    label.htmlFor = "minshi-target";
    pick.appendChild(label);
    var select = targetSelector(ctx);
    searchBox(ctx, pick, select);
    pick.appendChild(select);
    ctx.ui.basis = el("div", "minshi-basis");
    ctx.ui.basis.id = "minshi-basis";
    pick.appendChild(ctx.ui.basis);
    return pick;
  }

  /* ---- target selector: one <optgroup> per sector ---- */
  function targetSelector(ctx) {
    var D = ctx.D, select = el("select");
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
    select.value = ctx.state.layer;
    select.addEventListener("change", function () { setLayer(ctx, select.value); });
    ctx.ui.select = select;
    return select;
  }

  /* ---- search: targets by name or sector, regions by name, short name or code ---- */
  function searchBox(ctx, pick, select) {
    var search = el("input");
    search.type = "search";
    search.id = "minshi-search";
    search.placeholder = "搜索指标或地区…";
    search.setAttribute("aria-label", "搜索指标或地区");
    var noHit = el("div", "minshi-nohit", "无匹配指标或地区");
    noHit.id = "minshi-nohit";
    noHit.hidden = true;
    noHit.setAttribute("role", "status");
    var hits = el("div", "minshi-region-hits");
    hits.id = "minshi-region-hits";
    [search, noHit, hits].forEach(function (e) { pick.appendChild(e); });
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      var first = filterOptions(select, q), found = findRegions(ctx, q, hits);
      // Without a word the select would keep showing a target that does not match.
      noHit.hidden = first !== null || found.length > 0;
      var current = select.options[select.selectedIndex];
      if (first && (!current || current.hidden)) { setLayer(ctx, first.value); }
    });
    search.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") { return; }
      var q = search.value.trim().toLowerCase();
      var first = filterOptions(select, q), found = findRegions(ctx, q, hits);
      if (first) { setLayer(ctx, first.value); }
      if (found.length) { openRegion(ctx, found[0]); }
    });
  }

  function filterOptions(select, q) {
    var first = null;
    each(select.getElementsByTagName("optgroup"), function (og) {
      var any = false;
      each(og.getElementsByTagName("option"), function (opt) {
        var hit = !q || opt.textContent.toLowerCase().indexOf(q) >= 0 ||
          og.label.toLowerCase().indexOf(q) >= 0;
        opt.hidden = !hit;
        if (hit) { any = true; if (first === null) { first = opt; } }
      });
      og.hidden = !any;
    });
    return first;
  }

  function findRegions(ctx, q, box) {
    var D = ctx.D;
    box.textContent = "";
    if (!q) { return []; }
    var found = regionIndices(D).filter(function (i) {
      var r = D.regions[i];
      return [r.name, r.label || "", r.code].some(function (t) {
        return String(t).toLowerCase().indexOf(q) >= 0;
      });
    });
    found.slice(0, 6).forEach(function (i) {
      box.appendChild(button("minshi-region-hit", null, "地区：" + D.regions[i].name,
                             function () { openRegion(ctx, i); }));
    });
    return found;
  }

  /* ---- 打印日期 (shown on paper only) ---- */
  function printDate(ctx) {
    ctx.ui.printDate = el("div", "minshi-print-date");
    ctx.ui.printDate.id = "minshi-print-date";
    stampDate(ctx);
    return ctx.ui.printDate;
  }

  function today() {
    var d = new Date();
    return d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日";
  }

  function stampDate(ctx) { ctx.ui.printDate.textContent = "打印日期：" + today(); }

  /* ---- mode switch (数量 / 每万人 / 占全省比例 …) ---- */
  function modeSwitch(ctx) {
    var modes = el("div", "minshi-field minshi-modes");
    modes.id = "minshi-modes";
    modes.setAttribute("role", "radiogroup");
    modes.setAttribute("aria-label", "显示方式");
    ctx.D.modes.forEach(function (m) {
      var lab = el("label", "minshi-mode");
      var input = el("input");
      input.type = "radio";
      input.name = "minshi-mode";
      input.value = m.id;
      input.checked = m.id === ctx.state.mode;
      input.addEventListener("change", function () { if (input.checked) { setMode(ctx, m.id); } });
      lab.appendChild(input);
      lab.appendChild(document.createTextNode(m.label));
      modes.appendChild(lab);
    });
    return modes;
  }

  /* ---- time slider of the progress map (报告期) ---- */
  function timeSlider(ctx) {
    var D = ctx.D, time = el("div", "minshi-field minshi-time");
    var label = el("label", null, "报告期");
    label.htmlFor = "minshi-period";
    time.appendChild(label);
    var slider = ctx.ui.slider = el("input");
    slider.type = "range";
    slider.id = "minshi-period";
    slider.min = "0";
    slider.max = String(D.periods.length - 1);
    slider.step = "1";
    slider.value = String(ctx.state.period);
    ctx.ui.periodLabel = el("span", "minshi-period-label");
    ctx.ui.periodLabel.id = "minshi-period-label";
    slider.addEventListener("input", function () { setPeriod(ctx, parseInt(slider.value, 10)); });
    time.appendChild(slider);
    time.appendChild(ctx.ui.periodLabel);
    return time;
  }

  /* ---- legend ---- */
  function legendEntries(v) {
    var entries = v.legend.slice();
    if (v.cls.indexOf(-1) >= 0) { entries.push([HATCH, "无数据 / 不参与"]); }
    return entries;
  }

  function drawLegend(ctx, v) {
    var legend = ctx.ui.legend;
    legend.textContent = "";
    legend.appendChild(el("div", "minshi-legend-title", v ? v.heading : ""));
    if (!v) { return; }
    legendEntries(v).forEach(function (e) {
      var r = el("div", "minshi-legend-row");
      var sw = el("span", "minshi-swatch");
      sw.style.background = e[0] === HATCH ? HATCH_SWATCH : e[0];
      r.appendChild(sw);
      r.appendChild(el("span", null, e[1]));
      legend.appendChild(r);
    });
    legend.appendChild(ctx.ui.numbers);
    legend.appendChild(ctx.ui.png);
  }

  /* ---- ranking table ---- */
  function drawRanking(ctx, v) {
    var ranking = ctx.ui.ranking, D = ctx.D, state = ctx.state;
    ranking.textContent = "";
    ranking.appendChild(rankHead(ctx));
    if (!v || state.rankFolded) { return; }
    var order = regionIndices(D).filter(function (i) { return known(v.rank[i]); });
    order.sort(function (a, b) { return v.rank[b] - v.rank[a] || a - b; });
    // With many regions the full table would cover the map: top 10 until asked for all.
    var shown = (order.length > 12 && !state.rankAll) ? order.slice(0, 10) : order;
    ranking.appendChild(rankTable(ctx, v, shown));
    if (order.length > 12) {
      ranking.appendChild(button("minshi-more", "minshi-rank-more",
                                 state.rankAll ? "收起" : "显示全部 " + order.length + " 个",
                                 function () {
                                   state.rankAll = !state.rankAll;
                                   drawRanking(ctx, view(ctx));
                                   fitPanels(ctx);
                                   if (ctx.labels.ready) { placeLabels(ctx); }
                                 }));
    }
  }

  function rankHead(ctx) {
    var state = ctx.state;
    var head = el("div", "minshi-legend-title minshi-rank-head");
    head.appendChild(el("span", null, "排名 · " + ctx.D.layers[state.layer].label));
    var fold = button("minshi-fold", "minshi-rank-fold", state.rankFolded ? "展开" : "收起",
                      function () {
                        state.rankFolded = !state.rankFolded;
                        drawRanking(ctx, view(ctx));
                        if (ctx.labels.ready) { placeLabels(ctx); }
                      });
    fold.setAttribute("aria-expanded", state.rankFolded ? "false" : "true");
    head.appendChild(ctx.ui.csv);
    head.appendChild(fold);
    return head;
  }

  function rankTable(ctx, v, shown) {
    var table = el("table", "minshi-rank-table");
    var head = el("tr");
    ["#", "地区", v.rank_heading || v.heading].forEach(function (h) {
      head.appendChild(el("th", null, h));
    });
    table.appendChild(head);
    shown.forEach(function (i, k) {
      var tr = el("tr");
      tr.appendChild(el("td", "minshi-rank-n", k + 1));
      tr.appendChild(el("td", null, ctx.D.regions[i].name));
      tr.appendChild(el("td", "minshi-rank-v", (v.rank_value || v.value)[i]));
      tr.addEventListener("mouseover", function () { highlight(ctx, i, true); });
      tr.addEventListener("mouseout", function () { highlight(ctx, i, false); });
      table.appendChild(tr);
    });
    return table;
  }

  /* ---- extra list (progress: red regions) ---- */
  function drawList(ctx) {
    var box = ctx.ui.list, D = ctx.D;
    if (!box) { return; }
    box.textContent = "";
    var list = D.lists[ctx.state.layer + (D.periods ? "|" + ctx.state.period : "")];
    if (!list) { return; }
    box.appendChild(el("div", "minshi-legend-title", list.title));
    if (!list.rows.length) { box.appendChild(el("div", "minshi-empty", "无")); }
    var ul = el("ul");
    list.rows.forEach(function (r) {
      var li = el("li");
      li.appendChild(el("b", null, D.regions[r[0]].name));
      li.appendChild(document.createTextNode(" " + r[1]));
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  /* ---- panel heights: nothing covers what is under it on a short screen ---- */
  function fitPanels(ctx) {
    var ui = ctx.ui, map = ctx.map, h = map.getSize().y;
    // The ranking sits above the legend and the list below the panel: each gets only the
    // height left.
    var rankRoom = Math.min(h * 0.6, h - ui.legend.offsetHeight - 50);
    ui.ranking.style.maxHeight = Math.max(rankRoom, 44) + "px";
    var top = map.getContainer().getBoundingClientRect().top;
    if (ui.list && !ui.list.hidden) { fitPanelAboveList(ctx, h, top); }
    var panelBottom = ui.panel.getBoundingClientRect().bottom - top;
    var room = h - panelBottom - 50;  // margins + the scale bar
    if (ui.list) {
      ui.list.style.maxHeight = Math.max(Math.min(room, h * 0.35), 44) + "px";
      room -= ui.list.hidden ? 0 : ui.list.offsetHeight + 10;
    }
    if (!ui.detail.hidden) { ui.detail.style.maxHeight = Math.max(room, 80) + "px"; }
  }

  function fitPanelAboveList(ctx, h, top) {
    // The panel scrolls rather than push the list over itself: it keeps room for the list's
    // smallest height (44) + margins (10) + the scale bar (50) under it.
    var panel = ctx.ui.panel;
    panel.style.maxHeight = "";
    var panelRoom = h - (panel.getBoundingClientRect().top - top) - 104;
    if (panel.offsetHeight > panelRoom) {
      panel.style.maxHeight = Math.max(panelRoom, 120) + "px";
      panel.style.overflowY = "auto";
    }
  }

  /* ---- detail panel of one region: every target, in every mode ---- */
  function drawDetail(ctx) {
    var i = ctx.state.region, detail = ctx.ui.detail;
    detail.textContent = "";
    detail.hidden = i === null;
    if (i === null) { return; }
    var head = el("div", "minshi-legend-title minshi-rank-head");
    head.appendChild(el("span", "minshi-detail-name", ctx.D.regions[i].name));
    head.appendChild(button("minshi-fold", "minshi-detail-close", "关闭",
                            function () { openRegion(ctx, null); }));
    detail.appendChild(head);
    var explain = explainBox(ctx, i);  // the shown target's 测算说明 first, then every target
    if (explain) { detail.appendChild(explain); }
    detail.appendChild(detailTable(ctx, i));
  }

  function detailTable(ctx, i) {
    var D = ctx.D, table = el("table", "minshi-rank-table minshi-detail-table");
    var tr = el("tr");
    tr.appendChild(el("th", null, "指标"));
    D.modes.forEach(function (m) { tr.appendChild(el("th", null, m.label)); });
    table.appendChild(tr);
    D.groups.forEach(function (g) {
      g.layers.forEach(function (id) {
        var row = el("tr");
        if (id === ctx.state.layer) { row.className = "minshi-detail-current"; }
        row.appendChild(el("td", null, D.layers[id].label));
        D.modes.forEach(function (m) {
          var v = viewOf(ctx, id, m.id);
          row.appendChild(el("td", "minshi-rank-v", v && known(v.rank[i]) ? v.value[i] : "—"));
        });
        row.addEventListener("click", function () { setLayer(ctx, id); });
        table.appendChild(row);
      });
    });
    return table;
  }

  /* 测算说明 of the shown target for region i (explanation.csv rows; text only) */
  function explainBox(ctx, i) {
    var D = ctx.D, layer = D.layers[ctx.state.layer];
    if (!layer.explain || !layer.explain.length) { return null; }
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
    rows.forEach(function (r) { tipRow(t, r[0], r[1]); });
    box.appendChild(t);
    return box;
  }

  /* ---- the shown table as CSV (numbers, not display text) ---- */
  function csvButton(ctx) {
    var b = button("minshi-fold minshi-export minshi-export-csv", "minshi-export-csv", "导出CSV",
                   function () {
                     ctx.page.download(fileName(ctx, ctx.D.layers[ctx.state.layer].label) +
                                       ".csv", tableCsv(ctx), "text/csv");
                   });
    b.title = "把当前指标的表格导出为 CSV（Excel/WPS 可打开）";
    return b;
  }

  function csvCell(value) {
    if (value === null || value === undefined) { return ""; }
    var text = String(value);
    // A spreadsheet must not read a name as a formula.
    if (typeof value === "string" && /^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/.test(text)) {
      text = "'" + text;
    }
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function tableCsv(ctx) {
    var D = ctx.D, layer = ctx.state.layer;
    var modes = D.modes.filter(function (m) { return viewOf(ctx, layer, m.id); });
    var lines = [["target_id", "指标", "region_code", "地区"].concat(modes.map(function (m) {
      return viewOf(ctx, layer, m.id).heading;
    }))];
    D.regions.forEach(function (r, i) {
      var values = modes.map(function (m) { return viewOf(ctx, layer, m.id).rank[i]; });
      if (values.every(function (x) { return !known(x); })) { return; }
      lines.push([layer, D.layers[layer].label, r.code, r.name].concat(values));
    });
    return "\ufeff" + lines.map(function (l) { return l.map(csvCell).join(","); }).join("\r\n") +
      "\r\n";
  }

  // A file name from the title: no path separators, reserved or control characters.
  function fileName(ctx, text) {
    return String(ctx.D.title + "-" + text).replace(/[\\/:*?"<>|\x00-\x1f]/g, "_").slice(0, 120);
  }

  /* ---- restyling to the shown view ---- */
  function restyle(ctx) {
    var v = view(ctx), ui = ctx.ui;
    ctx.shapes.forEach(function (lyr, i) {
      var c = v ? v.cls[i] : -1;
      lyr.setStyle({ fillColor: c >= 0 ? v.legend[c][0] : HATCH });
    });
    if (ui.periodLabel) { ui.periodLabel.textContent = ctx.D.periods[ctx.state.period]; }
    ui.basis.textContent = ctx.D.layers[ctx.state.layer].basis || "";
    drawLegend(ctx, v);
    drawRanking(ctx, v);
    drawList(ctx);
    drawDetail(ctx);
    fitPanels(ctx);
    if (ui.numbersBox.checked) {
      drawNumbers(ctx);
    } else if (ctx.labels.ready) {
      placeLabels(ctx);
    }
    ctx.map.getContainer().setAttribute("data-minshi-view", viewKey(ctx));
  }

  function setLayer(ctx, id) {
    if (!ctx.D.layers[id]) { return; }
    ctx.state.layer = id;
    if (ctx.ui.select.value !== id) { ctx.ui.select.value = id; }
    restyle(ctx);
  }

  function setMode(ctx, id) {
    ctx.state.mode = id;
    each(document.getElementsByName("minshi-mode"), function (r) { r.checked = r.value === id; });
    restyle(ctx);
  }

  function setPeriod(ctx, p) {
    var slider = ctx.ui.slider;
    ctx.state.period = p;
    if (slider && slider.value !== String(p)) { slider.value = String(p); }
    restyle(ctx);
  }

  function openRegion(ctx, i) {
    ctx.state.region = i;
    drawDetail(ctx);
    fitPanels(ctx);
  }

  /* ---- the province in view, beside the panels where the screen allows it ---- */
  function fitProvince(ctx, printing) {
    var map = ctx.map, size = map.getSize(), ranking = ctx.ui.ranking;
    var left = size.x > 900 || printing ? ctx.ui.panel.offsetWidth + 20 : 10;
    var room = size.x - left - ranking.offsetWidth - 20;
    // On paper nothing can be moved aside, so the ranking always gets its own strip.
    var right = room >= 500 || (printing && room >= 250) ? ranking.offsetWidth + 20 : 10;
    map.fitBounds(ctx.D.bounds, {
      paddingTopLeft: [left, 10],
      paddingBottomRight: [right, 10],
      animate: false
    });
  }

  /* ---- printing: a printed map has no button to unfold the ranking ---- */
  function printing(ctx) {
    var foldedBefore = null;
    function redraw(onPaper) {
      drawRanking(ctx, view(ctx));
      ctx.map.invalidateSize({ animate: false });
      fitProvince(ctx, onPaper);
      placeLabels(ctx);
    }
    window.addEventListener("beforeprint", function () {
      stampDate(ctx);
      foldedBefore = ctx.state.rankFolded;
      ctx.state.rankFolded = false;
      redraw(true);
    });
    window.addEventListener("afterprint", function () {
      if (foldedBefore === null) { return; }
      ctx.state.rankFolded = foldedBefore;
      foldedBefore = null;
      redraw(false);
    });
  }


  /* ---- 导出图片: a PNG of what the planner sees, drawn offline on a canvas ----
   * The regions' SVG (and a county map's border SVG) are serialised and drawn as images;
   * names, title, legend, scale and date are drawn on the canvas in the page's font stack. */
  var PNG_SCALE = 2, PNG_PAD = 16;

  // Under the legend (what the picture shows): always in view, even where the panel scrolls;
  // the ranking's head would widen the ranking over the province.
  function pngButton(ctx) {
    var tip = "把当前地图（含地名、标题、图例、日期）导出为 PNG 图片";
    var b = button("minshi-fold minshi-export minshi-export-png", "minshi-export-png", "导出图片",
                   function () {
                     b.disabled = true;
                     exportPng(ctx).then(function () {
                       b.disabled = false;
                       b.textContent = "导出图片";
                       b.title = tip;
                     }, function (err) {
                       b.disabled = false;
                       b.textContent = "导出失败，重试";
                       b.title = String(err && err.message ? err.message : err);
                     });
                   });
    b.title = tip;
    return b;
  }

  function exportPng(ctx) {
    var crop = mapCrop(ctx), labels = visibleLabels(ctx, crop);
    return Promise.all(svgLayers(ctx)).then(function (layers) {
      var canvas = document.createElement("canvas");
      var sheet = pngSheet(ctx, crop, canvas.getContext("2d"));
      canvas.width = Math.ceil(sheet.width * PNG_SCALE);
      canvas.height = Math.ceil(sheet.height * PNG_SCALE);
      drawSheet(ctx, canvas.getContext("2d"), sheet, layers, labels, crop);
      return toBlob(canvas).then(function (blob) {
        var name = fileName(ctx, pngSubject(ctx)) + ".png";
        ctx.page.lastPng = { name: name, width: canvas.width, height: canvas.height,
                             scale: PNG_SCALE, mapX: sheet.map.x, mapY: sheet.map.y,
                             left: crop.left, top: crop.top, texts: sheet.texts };
        ctx.page.download(name, blob, "image/png");
        return blob;
      });
    });
  }

  function pngSubject(ctx) {
    var D = ctx.D, s = ctx.state, m = D.modes.filter(function (x) { return x.id === s.mode; })[0];
    return D.layers[s.layer].label + (m ? "-" + m.label : "") +
      (D.periods ? "-" + D.periods[s.period] : "");
  }

  function toBlob(canvas) {
    return new Promise(function (resolve, reject) {
      canvas.toBlob(function (blob) {
        if (blob) { resolve(blob); } else { reject(new Error("canvas.toBlob")); }
      }, "image/png");
    });
  }

  // The province with a margin, cut to what is on screen (zoomed in: what is seen).
  function mapCrop(ctx) {
    var map = ctx.map, size = map.getSize(), b = L.latLngBounds(ctx.D.bounds);
    var nw = map.latLngToContainerPoint(b.getNorthWest());
    var se = map.latLngToContainerPoint(b.getSouthEast());
    var left = Math.max(0, Math.floor(nw.x) - PNG_PAD), top = Math.max(0, Math.floor(nw.y) - PNG_PAD);
    var right = Math.min(size.x, Math.ceil(se.x) + PNG_PAD);
    var bottom = Math.min(size.y, Math.ceil(se.y) + PNG_PAD);
    if (right - left < 100 || bottom - top < 100) { left = 0; top = 0; right = size.x; bottom = size.y; }
    return { left: left, top: top, width: right - left, height: bottom - top };
  }

  function svgLayers(ctx) {
    var box = ctx.map.getContainer().getBoundingClientRect();
    var svgs = ctx.map.getContainer().querySelectorAll(".leaflet-pane svg");
    return Array.prototype.map.call(svgs, function (svg) {
      var r = svg.getBoundingClientRect();
      return loadImage(svgDataUrl(svg)).then(function (img) {
        return { img: img, x: r.left - box.left, y: r.top - box.top, w: r.width, h: r.height };
      });
    });
  }

  function svgDataUrl(svg) {
    var copy = svg.cloneNode(true);
    copy.removeAttribute("style");  // its screen position; the canvas places it instead
    var text = new XMLSerializer().serializeToString(copy);
    if (!/^<svg[^>]*\sxmlns=/.test(text)) {
      text = text.replace("<svg", '<svg xmlns="' + SVG_NS + '"');
    }
    return "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
  }

  function loadImage(src) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () { resolve(img); };
      img.onerror = function () { reject(new Error("SVG")); };
      img.src = src;
    });
  }

  function visibleLabels(ctx, crop) {
    var box = ctx.map.getContainer().getBoundingClientRect(), out = [];
    ctx.labels.markers.forEach(function (m) {
      var icon = m.getElement();
      if (!icon || icon.classList.contains("minshi-label-off")) { return; }
      var span = icon.firstChild, r = span.getBoundingClientRect(), cs = getComputedStyle(span);
      var x = (r.left + r.right) / 2 - box.left, y = (r.top + r.bottom) / 2 - box.top;
      if (x < crop.left || y < crop.top || x > crop.left + crop.width ||
          y > crop.top + crop.height) { return; }
      out.push({ text: span.textContent, x: x, y: y, color: cs.color,
                 font: cs.fontWeight + " " + cs.fontSize + " " + cs.fontFamily });
    });
    return out;
  }

  /* Sizes and texts of the picture: header, map, legend beside it, footer (CSS pixels). */
  function pngSheet(ctx, crop, g) {
    var family = getComputedStyle(ctx.map.getContainer()).fontFamily, v = view(ctx);
    var legend = legendSize(g, v, family);
    var width = Math.max(560, crop.width + legend.width + 3 * PNG_PAD);
    var header = textLines(g, headerSpecs(ctx, v, family), width - 2 * PNG_PAD);
    var footer = textLines(g, footerSpecs(ctx, family), width - 2 * PNG_PAD);
    var headerH = linesHeight(header), footerH = linesHeight(footer);
    var mapY = PNG_PAD + headerH + 8;
    var bodyH = Math.max(crop.height, legend.height);
    var texts = header.concat(footer).map(function (l) { return l.text; });
    return {
      width: width, height: mapY + bodyH + 10 + footerH + PNG_PAD, family: family, v: v,
      header: header, footer: footer, legend: legend, texts: texts.concat(legend.texts),
      map: { x: PNG_PAD, y: mapY, w: crop.width, h: crop.height },
      legendAt: { x: 2 * PNG_PAD + crop.width, y: mapY },
      footerY: mapY + bodyH + 10,
      background: getComputedStyle(ctx.map.getContainer()).backgroundColor
    };
  }

  function spec(text, weight, size, color, family) {
    return { text: text, font: weight + " " + size + "px " + family, size: size, color: color };
  }

  function headerSpecs(ctx, v, family) {
    var D = ctx.D, s = ctx.state;
    var what = D.layers[s.layer].label + (v ? " · " + v.heading : "") +
      (D.periods ? " · 报告期 " + D.periods[s.period] : "");
    var specs = [spec(D.title + (D.banner ? "（示例数据）" : ""), "bold", 20, "#111111", family),
                 spec(what, "normal", 15, "#222222", family)];
    if (D.subtitle) { specs.push(spec(D.subtitle, "normal", 13, "#555555", family)); }
    return specs;
  }

  function footerSpecs(ctx, family) {
    var D = ctx.D, specs = [spec("导出日期：" + today(), "normal", 12, "#555555", family)];
    if (D.note) { specs.push(spec(D.note, "normal", 12, "#666666", family)); }
    if (D.banner) { specs.push(spec(D.banner, "bold", 12, "#a05000", family)); }
    return specs;
  }

  function textLines(g, specs, width) {
    var out = [];
    specs.forEach(function (s) {
      g.font = s.font;
      wrapText(g, s.text, width).forEach(function (t) {
        out.push({ text: t, font: s.font, color: s.color, height: Math.round(s.size * 1.45) });
      });
    });
    return out;
  }

  // Chinese has no spaces to break at: a line ends at the last character that still fits,
  // after a " · " or space in its second half if there is one, and never before a closing
  // mark (，。：；、）) — that stays on the line it closes.
  var NO_LINE_START = "，。：；、！？）》」』】,.:;!?)";
  function wrapText(g, text, width) {
    var lines = [], line = "";
    Array.from(String(text)).forEach(function (ch) {
      if (!line && /\s/.test(ch)) { return; }
      if (!line || NO_LINE_START.indexOf(ch) >= 0 || g.measureText(line + ch).width <= width) {
        line += ch;
        return;
      }
      var cut = line.lastIndexOf(" ");
      if (cut < line.length / 2) { cut = line.length; }
      lines.push(line.slice(0, cut).replace(/[\s·]+$/, ""));
      line = (line.slice(cut) + ch).replace(/^[\s·]+/, "");
    });
    if (line) { lines.push(line); }
    return lines;
  }

  function linesHeight(lines) {
    return lines.reduce(function (sum, l) { return sum + l.height; }, 0);
  }

  function legendSize(g, v, family) {
    if (!v) { return { width: 0, height: 0, rows: [], texts: [] }; }
    var rows = legendEntries(v);
    g.font = "bold 13px " + family;
    var w = g.measureText(v.heading).width;
    g.font = "12px " + family;
    rows.forEach(function (e) { w = Math.max(w, 24 + g.measureText(e[1]).width); });
    return { width: Math.ceil(w) + 20, height: 36 + rows.length * 20, rows: rows,
             texts: [v.heading].concat(rows.map(function (e) { return e[1]; })) };
  }

  function drawSheet(ctx, g, sheet, layers, labels, crop) {
    g.scale(PNG_SCALE, PNG_SCALE);
    g.fillStyle = "#ffffff";
    g.fillRect(0, 0, sheet.width, sheet.height);
    drawLines(g, sheet.header, PNG_PAD, PNG_PAD);
    drawMap(g, sheet, layers, labels, crop);
    drawScale(g, sheet, ctx.ui.scale);
    drawLegendBox(g, sheet);
    drawLines(g, sheet.footer, PNG_PAD, sheet.footerY);
  }

  function drawLines(g, lines, x, y) {
    g.textAlign = "left";
    g.textBaseline = "middle";
    lines.forEach(function (l) {
      g.font = l.font;
      g.fillStyle = l.color;
      g.fillText(l.text, x, y + l.height / 2);
      y += l.height;
    });
  }

  function drawMap(g, sheet, layers, labels, crop) {
    var m = sheet.map, dx = m.x - crop.left, dy = m.y - crop.top;
    g.save();
    g.beginPath();
    g.rect(m.x, m.y, m.w, m.h);
    g.clip();
    g.fillStyle = sheet.background;
    g.fillRect(m.x, m.y, m.w, m.h);
    layers.forEach(function (s) { g.drawImage(s.img, s.x + dx, s.y + dy, s.w, s.h); });
    g.textAlign = "center";
    g.textBaseline = "middle";
    g.lineJoin = "round";
    labels.forEach(function (l) {
      g.font = l.font;
      g.lineWidth = 3;
      g.strokeStyle = "rgba(255, 255, 255, 0.9)";
      g.strokeText(l.text, l.x + dx, l.y + dy);
      g.fillStyle = l.color;
      g.fillText(l.text, l.x + dx, l.y + dy);
    });
    g.restore();
    g.strokeStyle = "#bbbbbb";
    g.lineWidth = 1;
    g.strokeRect(m.x + 0.5, m.y + 0.5, m.w - 1, m.h - 1);
  }

  // The scale bar as on screen: the picture keeps the screen's pixels, so its length holds.
  function drawScale(g, sheet, bar) {
    var w = bar.offsetWidth, text = bar.textContent;
    if (!w || !text) { return; }
    var x = sheet.map.x + 10, y = sheet.map.y + sheet.map.h - 10;
    g.fillStyle = "rgba(255, 255, 255, 0.8)";
    g.fillRect(x, y - 16, w, 16);
    g.strokeStyle = "#555555";
    g.lineWidth = 2;
    g.beginPath();
    g.moveTo(x + 1, y - 16);
    g.lineTo(x + 1, y - 1);
    g.lineTo(x + w - 1, y - 1);
    g.lineTo(x + w - 1, y - 16);
    g.stroke();
    g.font = "11px " + sheet.family;
    g.fillStyle = "#222222";
    g.textAlign = "left";
    g.textBaseline = "middle";
    g.fillText(text, x + 5, y - 8);
  }

  function drawLegendBox(g, sheet) {
    var lg = sheet.legend, x = sheet.legendAt.x, y = sheet.legendAt.y;
    if (!lg.rows.length) { return; }
    g.fillStyle = "#ffffff";
    g.fillRect(x, y, lg.width, lg.height);
    g.strokeStyle = "#999999";
    g.lineWidth = 1;
    g.strokeRect(x + 0.5, y + 0.5, lg.width - 1, lg.height - 1);
    g.textAlign = "left";
    g.textBaseline = "middle";
    g.font = "bold 13px " + sheet.family;
    g.fillStyle = "#111111";
    g.fillText(sheet.v.heading, x + 10, y + 18);
    g.font = "12px " + sheet.family;
    lg.rows.forEach(function (e, k) {
      var ry = y + 30 + k * 20;
      swatch(g, e[0], x + 10, ry + 2, 18, 12);
      g.fillStyle = "#222222";
      g.fillText(e[1], x + 34, ry + 8);
    });
  }

  function swatch(g, colour, x, y, w, h) {
    g.save();
    g.fillStyle = colour === HATCH ? "#ffffff" : colour;
    g.fillRect(x, y, w, h);
    if (colour === HATCH) {
      g.beginPath();
      g.rect(x, y, w, h);
      g.clip();
      g.strokeStyle = "#8c8c8c";
      g.lineWidth = 1;
      for (var k = -h; k < w; k += 4) { g.moveTo(x + k, y + h); g.lineTo(x + k + h, y); }
      g.stroke();
    }
    g.restore();
    g.strokeStyle = "#777777";
    g.lineWidth = 1;
    g.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
  }

  /* ---- window.minshiPage: what tests, benchmarks and the server page call ---- */
  function publicFace(ctx, regionLayer) {
    return {
      map: ctx.map, data: ctx.D, layer: regionLayer, shapes: ctx.shapes, state: ctx.state,
      setLayer: function (id) { setLayer(ctx, id); },
      setMode: function (id) { setMode(ctx, id); },
      setPeriod: function (p) { setPeriod(ctx, p); },
      openRegion: function (i) { openRegion(ctx, i); },
      tableCsv: function () { return tableCsv(ctx); },
      exportPng: function () { return exportPng(ctx); },
      // One way out of the page for files (offline: a Blob link, nothing uploaded).
      download: download
    };
  }

  function download(name, content, type) {
    var a = el("a");
    var blob = content instanceof Blob ? content
      : new Blob([content], { type: type + ";charset=utf-8" });
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  window.minshiMap = function (map, D, G) {
    var ctx = { map: map, D: D, state: initialState(map, D), shapes: [], ui: {}, page: null };
    var layer = regionLayer(ctx, G);
    addHatch(map);
    ctx.ui.scale = scaleBar(map);
    regionLabels(ctx);
    ctx.ui.csv = csvButton(ctx);
    ctx.ui.png = pngButton(ctx);
    ctx.ui.numbers = numbersToggle(ctx);
    ctx.ui.panel = titlePanel(ctx);
    ctx.ui.legend = control(map, "bottomright", "minshi-legend");
    ctx.ui.ranking = control(map, "topright", "minshi-ranking");
    if (D.lists && Object.keys(D.lists).length) {
      ctx.ui.list = control(map, "bottomleft", "minshi-list");
    }
    map.on("resize", function () { fitPanels(ctx); });
    ctx.ui.detail = control(map, "bottomleft", "minshi-detail");
    ctx.ui.detail.hidden = true;
    restyle(ctx);
    // Let the zoom settle between whole levels so the province fills what is left.
    map.options.zoomSnap = 0.25;
    fitProvince(ctx, false);
    ctx.labels.ready = true;
    placeLabels(ctx);
    printing(ctx);
    ctx.page = window.minshiPage = publicFace(ctx, layer);
  };
})();
