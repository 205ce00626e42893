// The desk screen (接待登记), attached by data attribute (the CSP runs no inline script):
//   [data-desk-lookup]   a phone or ID field: as it is typed, #desk-lookup shows the person's
//                        earlier contacts and hardship file (GET, JSON, same origin)
//   [data-desk-show="collective"]  shown only while that channel button is chosen
(function () {
  "use strict";
  var panel = document.getElementById("desk-lookup");
  if (!panel) { return; }
  var body = document.getElementById("desk-lookup-body");
  var asked = 0;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }

  function link(href, text) {
    var a = el("a", text);
    a.href = href;
    a.target = "_blank";
    return a;
  }

  function show(answer) {
    body.textContent = "";
    if (!answer.people.length && !answer.file) {
      body.appendChild(el("p", panel.getAttribute("data-none"), "text-muted mb-0"));
      return;
    }
    answer.people.forEach(function (p) {
      var head = el("p", "", "mb-1 desk-person");
      head.appendChild(link(p.url, (p.name || p.phone) + (p.employer ? "（" + p.employer + "）" : "")));
      if (p.migrant) { head.appendChild(el("span", panel.getAttribute("data-migrant"), "badge badge-info ml-1")); }
      body.appendChild(head);
      if (p.file) {
        var f = el("p", panel.getAttribute("data-file") + "：", "mb-1");
        f.appendChild(link(p.file.url, p.file.name));
        body.appendChild(f);
      }
      var list = el("ul", "", "list-unstyled mb-2");
      p.cases.forEach(function (c) {
        var item = el("li", "", "desk-case");
        item.appendChild(link(c.url, "#" + c.id));
        item.appendChild(document.createTextNode(" " + c.at + " " + c.channel + " " + c.type + " " + c.state + " " + c.summary));
        list.appendChild(item);
      });
      body.appendChild(list);
    });
    if (answer.file) {
      var held = el("p", panel.getAttribute("data-file") + "：", "mb-0");
      held.appendChild(link(answer.file.url, answer.file.name));
      body.appendChild(held);
    }
  }

  function lookup(value) {
    value = (value || "").replace(/[\s-]/g, "");
    if (value.length < 5) { return; }
    var mine = ++asked;
    fetch(panel.getAttribute("data-url") + "?q=" + encodeURIComponent(value),
          { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) { if (answer && mine === asked) { show(answer); } });
  }

  var timer = null;
  document.querySelectorAll("[data-desk-lookup]").forEach(function (input) {
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { lookup(input.value); }, 250);
    });
  });

  function channel() {
    var chosen = document.querySelector("input[name='channel']:checked");
    return chosen ? chosen.value : "";
  }

  function showByChannel() {
    document.querySelectorAll("[data-desk-show]").forEach(function (field) {
      var group = field.closest(".form-group") || field;
      group.style.display = field.getAttribute("data-desk-show") === channel() ? "" : "none";
    });
  }
  document.querySelectorAll("input[name='channel']").forEach(function (radio) {
    radio.addEventListener("change", showByChannel);
  });
  showByChannel();
}());
