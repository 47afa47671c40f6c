// 在线调解室: new messages arrive over Server-Sent Events and messages are sent without a
// reload. Without this script every form still posts and the page reloads.
(function () {
  "use strict";
  var list = document.getElementById("lines");
  if (!list || !window.EventSource) return;
  var seen = {};
  Array.prototype.forEach.call(list.children, function (li) { seen[li.id] = true; });

  function text(tag, cls, value) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = value;
    return el;
  }

  function add(line) {
    var id = "m" + line.id;
    if (seen[id]) return;
    seen[id] = true;
    var li = document.createElement("li");
    li.id = id;
    li.className = [line.mine ? "mine" : "", line.system ? "system" : "", line.private ? "private" : ""].join(" ").trim();
    if (!line.system) {
      var who = document.createElement("div");
      who.className = "who";
      who.appendChild(text("strong", "", line.author));
      who.appendChild(text("time", "", line.at));
      if (line.private) who.appendChild(text("span", "", line.private));
      li.appendChild(who);
    }
    li.appendChild(text("div", "body", line.body));
    if (line.file) {
      var a = document.createElement("a");
      a.href = line.file.href;
      if (line.file.image) {
        a.target = "_blank";
        a.rel = "noopener";
        var img = document.createElement("img");
        img.src = line.file.href;
        img.alt = line.file.label;
        a.appendChild(img);
      } else {
        a.textContent = line.file.label;
      }
      li.appendChild(a);
    }
    var atEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - 40;
    list.appendChild(li);
    if (atEnd || line.mine) list.scrollTop = list.scrollHeight;
  }

  var feed = new EventSource(list.getAttribute("data-feed"));
  feed.addEventListener("line", function (e) {
    try { add(JSON.parse(e.data)); } catch (err) { /* a malformed event is skipped */ }
  });
  list.scrollTop = list.scrollHeight;

  var form = document.getElementById("say");
  if (!form || !window.fetch || !window.FormData) return;
  var error = document.getElementById("say-error");
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    error.hidden = true;
    fetch(form.action, { method: "POST", body: new FormData(form), headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (r) {
        return r.text().then(function (t) {
          if (!r.ok) throw new Error(t || "发送失败，请重试");
          form.querySelector("textarea").value = "";
          var file = form.querySelector("input[type=file]");
          if (file) file.value = "";
        });
      })
      .catch(function (err) { error.textContent = err.message; error.hidden = false; })
      .then(function () { button.disabled = false; });
  });
})();
