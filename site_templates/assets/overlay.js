// Listing pages and the home page: merge in the reader's restricted entries (overlays.py). The
// portal serves /restricted/unit/ and /restricted/user/ from the reader's own overlays only;
// a reader without one gets 404 here and sees the base's entries alone. Text only (textContent):
// titles are user text.
// Every page: the unit's registers, when the reader's unit overlay has them, get their link in
// the site's navigation (the base never carries them).
(function () {
  var nav = document.querySelector(".site-nav");
  if (!nav || !window.fetch || nav.querySelector("a[href$='/registers/']")) { return; }
  fetch("/restricted/unit/entries.json", { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : {}; })
    .then(function (data) {
      var link = data.registers;
      if (!link || link.url !== "/registers/") { return; }
      var a = document.createElement("a");
      a.href = link.url;
      a.textContent = link.title;
      nav.appendChild(a);
    })
    .catch(function () {});
})();
(function () {
  var section = document.querySelector("[data-oa-listing]");
  if (!section || !window.fetch) { return; }
  var base = section.getAttribute("data-oa-listing");
  var list = section.querySelector("ul");
  function add(e) {
    var li = document.createElement("li");
    li.className = "entry entry-" + e.kind + " entry-restricted";
    var a = document.createElement("a");
    a.className = "entry-title";
    a.href = "/" + e.url;
    a.textContent = e.title;
    li.appendChild(a);
    var meta = document.createElement("span");
    meta.className = "entry-meta";
    [e.number, e.unit, e.type, e.column, e.date].forEach(function (text) {
      if (text) { var s = document.createElement("span"); s.textContent = text; meta.appendChild(s); }
    });
    li.appendChild(meta);
    list.appendChild(li);
  }
  ["/restricted/user/entries.json", "/restricted/unit/entries.json"].forEach(function (src) {
    fetch(src, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { entries: [] }; })
      .then(function (data) {
        (data.entries || []).forEach(function (e) {
          if ((e.lists || []).indexOf(base) >= 0) { add(e); section.hidden = false; }
        });
      })
      .catch(function () {});
  });
})();
