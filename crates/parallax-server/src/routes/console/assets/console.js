// Parallax console: the little script the pages use. Every page works without it; it adds
// suggestions to the filter bar (from GET /console/api/suggest), submits selects marked
// data-autosubmit, and focuses the filter bar on "/"; for review it counts and checks rows for
// bulk annotation, follows a running job's progress, and gives a record's page its keyboard
// shortcuts (j/k, 1–9, ?). It builds DOM with textContent only, never innerHTML, so data from
// the server is never parsed as markup.
"use strict";

(function () {
  const FIELDS = [
    "tag:", "metadata.", "name", "type", "model", "status_code", "duration", "input", "output",
    "input_tokens", "output_tokens", "tokens", "created_at", "id", "trace_id", "session_id",
    "external_id", "is_complete", "has(", "not", "and", "or",
  ];
  const WORD = /^[\p{L}\p{N}_\-./:+]+$/u;

  function quoteIfNeeded(text) {
    if (WORD.test(text) && !/^(and|or|not|in|true|false)$/i.test(text) && !/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) {
      return text;
    }
    return '"' + text.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"';
  }

  function quoteValue(text) {
    return '"' + text.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"';
  }

  // What is being typed at the caret: the kind of suggestion, the partial text, where it starts.
  function context(before) {
    let m = before.match(/tag\s*(?::|=~?|!=|!~)\s*("?)([^"\s()]*)$/i);
    if (m) return { kind: "tag", prefix: m[2], start: before.length - m[1].length - m[2].length, quote: "tag" };
    // A value after `metadata.<key> <op>`: an open quoted string, or a bareword being typed.
    m = before.match(/metadata\.(?:"((?:[^"\\]|\\.)*)"|([\p{L}\p{N}_\-./:+]+))\s*(?:=~?|!=|!~|~|contains_cs|in~?\s*\(\s*)\s*(?:"((?:[^"\\]|\\.)*)|([^\s"()]*))$/iu);
    if (m) {
      const key = m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2];
      const quoted = m[3] !== undefined;
      const typed = quoted ? m[3] : m[4];
      const start = before.length - typed.length - (quoted ? 1 : 0);
      return { kind: "value", key: key, prefix: typed.replace(/\\(.)/g, "$1"), start: start, quote: "value" };
    }
    m = before.match(/metadata\.("?)([^"\s=!<>~()]*)$/i);
    if (m) return { kind: "key", prefix: m[2], start: before.length - m[1].length - m[2].length, quote: "key" };
    m = before.match(/([A-Za-z_(:]*)$/);
    const word = m ? m[1] : "";
    return { kind: "field", prefix: word, start: before.length - word.length };
  }

  function setupFilter(input) {
    const list = document.getElementById("suggestions");
    if (!list) return;
    let items = [];
    let active = -1;
    let ctx = null;
    let seq = 0;

    function close() {
      list.hidden = true;
      items = [];
      active = -1;
    }

    function show(values) {
      while (list.firstChild) list.removeChild(list.firstChild);
      items = values;
      // Nothing is highlighted until the arrows move, so Enter still submits what was typed.
      active = -1;
      values.forEach(function (v, i) {
        const li = document.createElement("li");
        const text = document.createElement("span");
        text.textContent = v.label;
        li.appendChild(text);
        if (v.count !== undefined) {
          const n = document.createElement("span");
          n.className = "n";
          n.textContent = String(v.count);
          li.appendChild(n);
        }
        if (i === active) li.className = "active";
        li.addEventListener("mousedown", function (e) {
          e.preventDefault();
          accept(i);
        });
        list.appendChild(li);
      });
      list.hidden = values.length === 0;
    }

    function highlight(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, j) {
        li.className = j === i ? "active" : "";
        if (j === i) li.scrollIntoView({ block: "nearest" });
      });
    }

    function accept(i) {
      const v = items[i];
      if (!v || !ctx) return;
      const caret = input.selectionStart;
      const before = input.value.slice(0, ctx.start);
      const after = input.value.slice(caret);
      input.value = before + v.insert + after;
      const pos = before.length + v.insert.length;
      input.setSelectionRange(pos, pos);
      close();
      input.focus();
      refresh();
    }

    function refresh() {
      const caret = input.selectionStart;
      ctx = context(input.value.slice(0, caret));
      const mine = ++seq;
      if (ctx.kind === "field") {
        if (!ctx.prefix) return close();
        const p = ctx.prefix.toLowerCase();
        show(FIELDS.filter(function (f) { return f.startsWith(p) && f !== p; }).slice(0, 12).map(function (f) {
          return { label: f, insert: f };
        }));
        return;
      }
      const params = new URLSearchParams({
        project: input.dataset.project, stream: input.dataset.stream, kind: ctx.kind, prefix: ctx.prefix,
      });
      if (ctx.key) params.set("key", ctx.key);
      fetch("/console/api/suggest?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (body) {
          if (mine !== seq) return;
          const kind = ctx.kind;
          show((body.items || []).map(function (it) {
            let insert;
            if (kind === "value") insert = quoteValue(it.value);
            else if (kind === "key") insert = WORD.test(it.value) ? it.value : quoteValue(it.value);
            else insert = quoteIfNeeded(it.value);
            if (kind === "key") insert += " = ";
            return { label: it.value, count: it.count, insert: insert };
          }));
        })
        .catch(function () { close(); });
    }

    input.addEventListener("input", refresh);
    input.addEventListener("blur", function () { setTimeout(close, 100); });
    input.addEventListener("keydown", function (e) {
      if (list.hidden || items.length === 0) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight((active + 1) % items.length); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight((active - 1 + items.length) % items.length); }
      else if (e.key === "Tab") { e.preventDefault(); accept(active < 0 ? 0 : active); }
      else if (e.key === "Enter" && active >= 0 && !e.ctrlKey && !e.metaKey) {
        // Enter accepts a suggestion; with none open it submits the form as usual.
        e.preventDefault();
        accept(active);
      }
      else if (e.key === "Escape") { close(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const q = document.getElementById("q");
    if (q) setupFilter(q);
    document.addEventListener("keydown", function (e) {
      const tag = (e.target && e.target.tagName) || "";
      if (e.key === "/" && q && tag !== "INPUT" && tag !== "TEXTAREA" && tag !== "SELECT") {
        e.preventDefault();
        q.focus();
        q.setSelectionRange(q.value.length, q.value.length);
      }
    });
    document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
      s.addEventListener("change", function () { if (s.form) s.form.submit(); });
    });
  });
})();

// Review: bulk selection on the log stream, job progress, and keyboard shortcuts on a record.
// Each is an enhancement over plain forms and links that work without script.
(function () {
  function typing(e) {
    const t = e.target;
    const tag = (t && t.tagName) || "";
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable);
  }

  // The bulk bar: count the checked rows, check a page at once, and point the key input at
  // tag or key suggestions depending on the operation.
  function setupBulk(form) {
    const rows = Array.prototype.slice.call(document.querySelectorAll("input.row-select"));
    const page = document.getElementById("select-page");
    const counter = document.getElementById("selected-count");
    const selected = form.querySelector("input[name=scope][value=selected]");
    const all = document.getElementById("select-all-matching");
    function update() {
      const n = rows.filter(function (r) { return r.checked; }).length;
      if (counter) counter.textContent = String(n);
      if (page) page.checked = n > 0 && n === rows.length;
      if (all) all.classList.toggle("offer", n > 0 && n === rows.length);
    }
    rows.forEach(function (r) {
      r.addEventListener("change", function () {
        if (r.checked && selected) selected.checked = true;
        update();
      });
    });
    if (page) {
      page.addEventListener("change", function () {
        rows.forEach(function (r) { r.checked = page.checked; });
        if (page.checked && selected) selected.checked = true;
        update();
      });
    }
    form.querySelectorAll(".bulk-op").forEach(function (op) {
      const select = op.querySelector("select");
      const key = op.querySelector("input[name^=key]");
      const value = op.querySelector("input.value");
      function sync() {
        const meta = select.value.indexOf("metadata") >= 0;
        key.setAttribute("list", meta ? "key-suggestions" : "tag-suggestions");
        key.placeholder = meta ? "metadata key" : "tag";
        value.hidden = select.value !== "set_metadata";
      }
      select.addEventListener("change", sync);
      sync();
    });
    update();
  }

  // A running job's page asks for its progress until it finishes, then reloads to show the
  // final state and the Undo button.
  function pollJob(section) {
    const url = section.dataset.poll;
    const progress = document.getElementById("job-progress");
    function tick() {
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (job) {
          if (!job) return setTimeout(tick, 2000);
          const done = document.getElementById("job-done");
          const total = document.getElementById("job-total");
          if (done) done.textContent = Number(job.done).toLocaleString("en");
          if (total) total.textContent = Number(job.total).toLocaleString("en");
          if (progress) { progress.max = Math.max(job.total, 1); progress.value = job.done; }
          if (job.state !== "running") {
            window.location.reload();
          } else {
            setTimeout(tick, 400);
          }
        })
        .catch(function () { setTimeout(tick, 2000); });
    }
    setTimeout(tick, 300);
  }

  // On a record's page: j/k follow the Next/Previous links of the stream, 1–9 press the
  // registry tag toggles, ? shows the list of shortcuts.
  function setupShortcuts() {
    const help = document.getElementById("shortcut-help");
    function toggleHelp(show) {
      if (!help) return;
      help.hidden = show === undefined ? !help.hidden : !show;
    }
    const button = document.getElementById("shortcut-toggle");
    if (button) button.addEventListener("click", function () { toggleHelp(); });
    document.addEventListener("keydown", function (e) {
      if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "j" || e.key === "k") {
        const link = document.getElementById(e.key === "j" ? "nav-next" : "nav-prev");
        if (link) { e.preventDefault(); window.location.href = link.href; }
      } else if (/^[1-9]$/.test(e.key)) {
        const toggle = document.querySelector('button[data-quick="' + e.key + '"]');
        if (toggle) { e.preventDefault(); toggle.click(); }
      } else if (e.key === "?") {
        e.preventDefault();
        toggleHelp();
      } else if (e.key === "Escape") {
        toggleHelp(false);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const bulk = document.getElementById("bulk");
    if (bulk) setupBulk(bulk);
    const job = document.getElementById("job");
    if (job && job.dataset.state === "running") pollJob(job);
    if (document.getElementById("parameters")) setupShortcuts();
  });
})();
