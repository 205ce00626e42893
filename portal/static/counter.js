// The love-supermarket counter: find the card holder, add goods, redeem (admin/counter.html).
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var T = JSON.parse($("counter-texts").textContent);
  var initial = JSON.parse($("counter-state").textContent);
  var counter = $("counter");
  var URLS = {holders: counter.dataset.holdersUrl, items: counter.dataset.itemsUrl};
  var holder = null, cart = [], lists = {holder: [], item: []}, cursor = {holder: -1, item: -1};

  function cents(text) { return Math.round(parseFloat(text) * 100); }
  function show(cents_) { return (cents_ / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function fetchJson(url, q) {
    return fetch(url + "?q=" + encodeURIComponent(q), {credentials: "same-origin",
      headers: {"Accept": "application/json"}}).then(function (r) { return r.json(); });
  }

  // --- result lists, chosen with the arrows and Enter or by clicking ---------------------
  function renderList(kind, rows, label, onChoose, emptyText) {
    var box = $(kind + "-results");
    box.textContent = "";
    lists[kind] = rows;
    cursor[kind] = rows.length ? 0 : -1;
    if (!rows.length && emptyText) { box.appendChild(el("div", "list-group-item text-danger", emptyText)); }
    rows.forEach(function (row, i) {
      var item = el("button", "list-group-item list-group-item-action" + (i === 0 ? " active-choice" : ""));
      item.type = "button";
      item.appendChild(label(row));
      item.addEventListener("click", function () { onChoose(row); });
      box.appendChild(item);
    });
  }
  function moveCursor(kind, step) {
    var rows = $(kind + "-results").querySelectorAll("button");
    if (!rows.length) { return; }
    cursor[kind] = (cursor[kind] + step + rows.length) % rows.length;
    rows.forEach(function (r, i) { r.classList.toggle("active-choice", i === cursor[kind]); });
  }
  function clearList(kind) { $(kind + "-results").textContent = ""; lists[kind] = []; cursor[kind] = -1; }

  // --- the card holder -------------------------------------------------------------------
  function holderLabel(h) {
    var span = el("span");
    span.appendChild(el("strong", "", h.name));
    span.appendChild(document.createTextNode(" · " + h.card_no + " · " + h.id_number + " · " + h.balance));
    if (h.problem) { span.appendChild(el("div", "text-danger small", h.problem)); }
    return span;
  }
  function chooseHolder(h) {
    holder = h;
    clearList("holder");
    $("holder-q").value = "";
    $("holder").classList.remove("d-none");
    $("holder-name").textContent = h.name;
    var facts = [h.gender, h.age !== null ? T.age.replace("%(n)s", h.age) : "", h.category,
                 h.employer, T.household.replace("%(n)s", h.household), h.id_number];
    $("holder-facts").textContent = facts.filter(Boolean).join(" · ");
    $("holder-card").textContent = h.card_no;
    $("holder-valid").textContent = h.valid_until;
    $("holder-balance").textContent = show(cents(h.balance));
    $("holder-problem").textContent = h.problem;
    $("holder-problem").classList.toggle("d-none", !h.problem);
    $("holder-recent").textContent = h.recent.length ? T.recent + h.recent.map(function (r) {
      return r.number + "（" + r.at + "，" + r.points + "，" + r.state + "）"; }).join("；") : "";
    $("card-id").value = h.card_id;
    update();
    $("item-q").focus();
  }
  function findHolder() {
    var q = $("holder-q").value.trim();
    if (!q) { return; }
    fetchJson(URLS.holders, q).then(function (rows) {
      if (rows.length === 1) { chooseHolder(rows[0]); return; }
      renderList("holder", rows, holderLabel, chooseHolder, T.none);
    });
  }

  // --- the goods -------------------------------------------------------------------------
  function itemLabel(it) {
    var span = el("span");
    span.appendChild(el("strong", "", it.name));
    span.appendChild(document.createTextNode(" · " + it.price + " · " + T.stock.replace("%(n)s", it.usable + " " + it.unit)));
    return span;
  }
  function addItem(it) {
    clearList("item");
    $("item-q").value = "";
    var line = cart.filter(function (c) { return c.id === it.id; })[0];
    if (line) { line.qty += 1; } else { cart.push(Object.assign({qty: 1}, it)); }
    update();
    $("item-q").focus();
  }
  function findItem() {
    var q = $("item-q").value.trim();
    if (!q) { return; }
    fetchJson(URLS.items, q).then(function (rows) {
      if (rows.length === 1) { addItem(rows[0]); return; }
      renderList("item", rows, itemLabel, addItem, T.no_items);
    });
  }

  // --- the cart and its totals -----------------------------------------------------------
  function update() {
    var body = document.querySelector("#cart tbody"), total = 0, problems = [];
    body.textContent = "";
    cart.forEach(function (line, i) {
      var row = el("tr"), sub = cents(line.price) * line.qty;
      total += sub;
      row.appendChild(el("td", "", line.name + "（" + line.unit + "）"));
      row.appendChild(el("td", "text-right", line.price));
      var cell = el("td", "text-center text-nowrap");
      var minus = el("button", "btn btn-sm btn-outline-secondary", "−"), plus = el("button", "btn btn-sm btn-outline-secondary", "+");
      minus.type = plus.type = "button";
      var qty = el("input", "qty form-control form-control-sm d-inline-block mx-1");
      qty.type = "number"; qty.min = "1"; qty.step = "1"; qty.name = "quantity"; qty.value = line.qty;
      qty.setAttribute("aria-label", line.name);
      var id = el("input"); id.type = "hidden"; id.name = "item_id"; id.value = line.id;
      minus.addEventListener("click", function () { line.qty = Math.max(1, line.qty - 1); update(); });
      plus.addEventListener("click", function () { line.qty += 1; update(); });
      qty.addEventListener("change", function () { line.qty = Math.max(1, parseInt(qty.value, 10) || 1); update(); });
      cell.appendChild(minus); cell.appendChild(qty); cell.appendChild(plus); cell.appendChild(id);
      row.appendChild(cell);
      row.appendChild(el("td", "text-right", show(sub)));
      var drop = el("button", "btn btn-sm btn-link text-danger", "×");
      drop.type = "button"; drop.title = T.remove;
      drop.addEventListener("click", function () { cart.splice(i, 1); update(); });
      var last = el("td"); last.appendChild(drop); row.appendChild(last);
      if (line.qty > line.usable) {
        row.classList.add("table-danger");
        problems.push(line.name + "：" + T.stock.replace("%(n)s", line.usable + " " + line.unit));
      }
      body.appendChild(row);
    });
    $("cart-empty").classList.toggle("d-none", cart.length > 0);
    $("cart-total").textContent = show(total);
    $("expected-total").value = (total / 100).toFixed(2);
    var after = $("cart-after");
    if (holder) {
      var left = cents(holder.balance) - total;
      after.textContent = show(left);
      after.classList.toggle("short", left < 0);
      if (left < 0) { problems.unshift(T.over.replace("%(short)s", show(-left))); }
      if (holder.problem) { problems.unshift(holder.problem); }
    } else {
      after.textContent = "—";
    }
    $("cart-warning").textContent = problems.join("；");
    $("cart-warning").classList.toggle("d-none", !problems.length);
    $("confirm-redeem").disabled = !(holder && cart.length && !problems.length);
  }
  function reset() {
    holder = null; cart = [];
    $("holder").classList.add("d-none");
    $("card-id").value = "";
    clearList("holder"); clearList("item");
    update();
    $("holder-q").value = "";
    $("holder-q").focus();
  }

  // --- keyboard ---------------------------------------------------------------------------
  function keys(kind, search, choose) {
    $(kind + "-q").addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault(); moveCursor(kind, e.key === "ArrowDown" ? 1 : -1);
      } else if (e.key === "Enter") {
        e.preventDefault();
        if (lists[kind].length && cursor[kind] >= 0 && !e.target.value.trim()) {
          choose(lists[kind][cursor[kind]]);
        } else if (lists[kind].length && cursor[kind] >= 0 && e.target.dataset.searched === e.target.value) {
          choose(lists[kind][cursor[kind]]);
        } else {
          e.target.dataset.searched = e.target.value; search();
        }
      } else if (e.key === "Escape") {
        e.target.value = ""; clearList(kind);
      }
    });
  }
  keys("holder", findHolder, chooseHolder);
  keys("item", findItem, addItem);
  document.addEventListener("keydown", function (e) {
    if (e.key === "F9" || (e.key === "Enter" && (e.ctrlKey || e.metaKey))) {
      e.preventDefault();
      if (!$("confirm-redeem").disabled) { $("cart-form").requestSubmit(); }
    }
  });
  $("holder-change").addEventListener("click", reset);
  $("cart-clear").addEventListener("click", reset);
  $("cart-form").addEventListener("submit", function (e) {
    if ($("confirm-redeem").disabled) { e.preventDefault(); return; }
    $("confirm-redeem").disabled = true;  // one click, one redemption (the token guards too)
  });

  if (initial.holder) { chooseHolder(initial.holder); }
  cart = initial.cart || [];
  update();
  if (!initial.holder) { $("holder-q").focus(); }
})();
