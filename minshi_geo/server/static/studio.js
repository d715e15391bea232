// Scenario studio: collects the edits of the form, asks the server to allocate (the server's
// allocator is the only one), and shows the answer. Text enters the page through textContent.
(function () {
  "use strict";
  var root = document.getElementById("studio");
  if (!root) return;
  var csrf = root.dataset.csrf, scenario = root.dataset.scenario;
  var targets = JSON.parse(document.getElementById("studio-targets").textContent);
  var byId = {};
  targets.forEach(function (t) { byId[t.id] = t; });
  var edits = {};
  var select = document.getElementById("target-select");
  var timer = null, seq = 0, lastToken = null, dirty = false;

  function $(id) { return document.getElementById(id); }
  function num(v, digits) {
    if (v === null || v === undefined || v === "") return "";
    var n = Number(v);
    return n.toLocaleString("zh-CN", { maximumFractionDigits: digits === undefined ? 2 : digits });
  }
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }

  function showRule(tid) {
    var t = byId[tid], e = edits[tid] || {};
    var factors = e.factors || t.factors;
    document.querySelectorAll(".factor-input").forEach(function (inp) {
      var v = factors[inp.dataset.indicator];
      inp.value = v === undefined ? "" : v;
    });
    $("min-input").value = e.min !== undefined ? e.min : t.min;
    $("max-input").value = e.max !== undefined ? e.max : t.max;
    var locks = e.locks || t.locks;
    document.querySelectorAll(".lock-input").forEach(function (inp) {
      var v = locks[inp.dataset.region];
      inp.value = v === undefined ? "" : v;
    });
  }

  function readRule() {
    var factors = {}, locks = {};
    document.querySelectorAll(".factor-input").forEach(function (inp) {
      if (inp.value !== "") factors[inp.dataset.indicator] = Number(inp.value);
    });
    document.querySelectorAll(".lock-input").forEach(function (inp) {
      if (inp.value !== "") locks[inp.dataset.region] = Number(inp.value);
    });
    return { factors: factors, min: $("min-input").value, max: $("max-input").value, locks: locks };
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return { ok: false, error: "服务器返回错误（" + r.status + "）" }; });
    });
  }

  function run() {
    var tid = select.value, mine = ++seq;
    edits[tid] = readRule();
    $("run-status").textContent = "测算中…";
    var t0 = performance.now();
    post("/studio/run", { scenario: scenario, edits: edits }).then(function (res) {
      if (mine !== seq) return;  // a newer edit is on its way
      var err = $("run-error");
      if (!res.ok) {
        err.hidden = false;
        err.textContent = (res.error || res.detail || "测算失败") + (res.hint ? "（" + res.hint + "）" : "");
        $("run-status").textContent = "";
        return;
      }
      err.hidden = true;
      lastToken = res.token;
      show(res, tid);
      $("run-status").textContent = "已测算（服务器 " + num(res.runtime_s, 2) + " 秒，往返 " +
        num((performance.now() - t0) / 1000, 2) + " 秒，求解：" + (res.engine || "") + "）";
      root.dataset.runs = String((Number(root.dataset.runs) || 0) + 1);
    });
  }

  function show(res, tid) {
    var tbody = document.querySelector("#result-table tbody");
    tbody.textContent = "";
    var rows = res.rows.filter(function (r) { return r.target_id === tid; });
    $("result-title").textContent = "分配结果：" + tid + " " + (byId[tid] ? byId[tid].metric : "");
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      var change = r.baseline === null ? "" : r.quantity - r.baseline;
      cell(tr, r.region_name);
      cell(tr, num(r.quantity) + " " + (r.unit || ""), "num quantity");
      cell(tr, num(r.baseline), "num");
      cell(tr, change === "" ? "" : (change > 0 ? "+" : "") + num(change), "num");
      cell(tr, r.share === null ? "" : num(r.share * 100, 1) + "%", "num");
      cell(tr, num(r.lower), "num");
      cell(tr, num(r.upper), "num");
      cell(tr, r.locked ? "锁定" : "");
      tr.dataset.region = r.region_code;
      tbody.appendChild(tr);
    });
    $("basis").textContent = rows.length ? "分配依据：" + rows[0].basis : "";
    $("studio-map").src = "/studio/map/" + encodeURIComponent(res.token) + "?target=" + encodeURIComponent(tid);
    var ex = document.querySelector("#explanation tbody");
    ex.textContent = "";
    var caveat = "";
    (res.explanation || []).filter(function (r) { return r.target_id === tid; }).forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, r.region_name);
      cell(tr, r.factor_label || "");
      cell(tr, num(r.weight, 2), "num");
      cell(tr, r.value === null ? "—" : num(r.value) + " " + (r.factor_unit || ""), "num");
      cell(tr, r.factor_share === null ? "—" : num(r.factor_share * 100, 2) + "%", "num");
      cell(tr, r.weighted_share === null ? "—" : num(r.weighted_share * 100, 2) + "%", "num");
      cell(tr, r.share === null ? "—" : num(r.share * 100, 2) + "%", "num");
      cell(tr, num(r.capped_quota, 2), "num");
      cell(tr, r.rule_note || "");
      cell(tr, r.rounding_note || "");
      if (r.proxy_caveat) caveat = r.proxy_caveat;
      ex.appendChild(tr);
    });
    $("proxy-caveat").textContent = caveat;
    var ch = document.querySelector("#changes tbody");
    ch.textContent = "";
    $("changed-count").textContent = "与原方案相比，共 " + res.changed_count + " 处分配数变化";
    res.changes.forEach(function (c) {
      var tr = document.createElement("tr");
      cell(tr, c.target_id + " " + c.metric);
      cell(tr, c.region_name);
      cell(tr, num(c.quantity_a), "num");
      cell(tr, num(c.quantity_b), "num");
      cell(tr, (c.change > 0 ? "+" : "") + num(c.change), "num");
      ch.appendChild(tr);
    });
  }

  function later() { dirty = true; clearTimeout(timer); timer = setTimeout(run, 250); }

  select.addEventListener("change", function () { showRule(select.value); run(); });
  document.querySelectorAll("#editor input").forEach(function (inp) {
    if (inp.id === "save-name" || inp.id === "save-title") return;
    inp.addEventListener("input", later);
  });
  $("run-button").addEventListener("click", run);
  $("reset-button").addEventListener("click", function () {
    delete edits[select.value]; showRule(select.value); run();
  });
  $("save-button").addEventListener("click", function () {
    edits[select.value] = readRule();
    $("save-status").textContent = "保存中…";
    post("/studio/save", { scenario: scenario, edits: edits, name: $("save-name").value,
                           title: $("save-title").value }).then(function (res) {
      if (!res.ok) { $("save-status").textContent = res.error || res.detail || "保存失败"; return; }
      $("save-status").textContent = "已保存为新方案 " + res.scenario.slice(2) + "，正在打开…";
      window.location.href = "/studio?scenario=" + encodeURIComponent(res.scenario);
    });
  });
  var pub = $("publish-button");
  if (pub) pub.addEventListener("click", function () {
    if (dirty && !window.confirm("未保存的修改不会发布；发布的是已保存的方案本身。继续？")) return;
    $("save-status").textContent = "发布中（分配并生成各地区任务分解表）…";
    post("/studio/publish", { scenario: scenario }).then(function (res) {
      $("save-status").textContent = res.ok ? "已发布为" + res.label + "，各地区即可下载新的任务分解表"
                                            : (res.error || res.detail || "发布失败");
      if (res.ok) root.dataset.published = String(res.version);
    });
  });
  showRule(select.value);
  run();
})();
