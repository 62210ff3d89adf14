// Draw manual redaction boxes on a recording's viewing copy (no build step, no libraries).
//
// The form works without this script: boxes are typed into the textarea as
// "x,y,w,h,FROM-TO" lines in source-video pixels. This script only fills that
// textarea from rectangles drawn with the mouse, so the server sees the same
// thing either way. Pixels are the source's (data-source-width/height on the
// stage), not the screen's nor the viewing copy's: a box drawn over a 960 px
// wide player on a 1280 px proxy of a 1920 px original is sent in 1920 px.
(function () {
  "use strict";
  var stage = document.getElementById("redact-stage");
  var textarea = document.getElementById("boxes");
  if (!stage || !textarea) return;
  var video = document.getElementById("redact-video");
  var overlay = document.getElementById("redact-overlay");
  var list = document.getElementById("redact-list");
  var tbody = list.querySelector("tbody");
  var srcW = parseInt(stage.dataset.sourceWidth, 10);
  var srcH = parseInt(stage.dataset.sourceHeight, 10);
  var maxBoxes = parseInt(stage.dataset.maxBoxes, 10) || 2000;
  var boxes = []; // {x, y, w, h} in source pixels, start and end in seconds
  var drag = null;

  stage.hidden = false;
  list.hidden = false;
  document.getElementById("redact-help").hidden = false;

  function duration() {
    var d = parseFloat(stage.dataset.duration);
    if (isFinite(video.duration) && video.duration > 0) d = isFinite(d) ? Math.min(d, video.duration) : video.duration;
    return isFinite(d) ? d : null;
  }

  function round2(t) { return Math.round(t * 100) / 100; }

  // The picture inside the element: a video keeps its aspect ratio (letterboxed).
  function pictureRect() {
    var r = video.getBoundingClientRect();
    var vw = video.videoWidth || srcW, vh = video.videoHeight || srcH;
    var scale = Math.min(r.width / vw, r.height / vh);
    var w = vw * scale, h = vh * scale;
    return { left: r.left + (r.width - w) / 2, top: r.top + (r.height - h) / 2, width: w, height: h };
  }

  function toSource(clientX, clientY) {
    var p = pictureRect();
    var fx = Math.min(1, Math.max(0, (clientX - p.left) / p.width));
    var fy = Math.min(1, Math.max(0, (clientY - p.top) / p.height));
    return { x: fx * srcW, y: fy * srcH };
  }

  // Source pixels -> position of the drawn rectangle inside the overlay.
  function toScreen(b) {
    var p = pictureRect(), o = overlay.getBoundingClientRect();
    return {
      left: p.left - o.left + b.x / srcW * p.width, top: p.top - o.top + b.y / srcH * p.height,
      width: b.w / srcW * p.width, height: b.h / srcH * p.height
    };
  }

  function lineOf(b) { return [b.x, b.y, b.w, b.h].join(",") + "," + round2(b.start) + "-" + round2(b.end); }

  function parseLines(text) {
    var out = [];
    text.split(/\r?\n/).forEach(function (line) {
      var m = /^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$/.exec(line);
      if (m) out.push({ x: +m[1], y: +m[2], w: +m[3], h: +m[4], start: +m[5], end: +m[6] });
    });
    return out;
  }

  function syncText() { textarea.value = boxes.map(lineOf).join("\n"); }

  function redraw() {
    overlay.querySelectorAll(".redact-box").forEach(function (el) { el.remove(); });
    var t = video.currentTime;
    boxes.forEach(function (b, i) {
      var s = toScreen(b), el = document.createElement("div");
      el.className = "redact-box" + (t >= b.start && t < b.end ? " live" : "");
      el.style.left = s.left + "px"; el.style.top = s.top + "px";
      el.style.width = s.width + "px"; el.style.height = s.height + "px";
      el.textContent = String(i + 1);
      overlay.appendChild(el);
    });
  }

  function button(label, cls, onclick) {
    var b = document.createElement("button");
    b.type = "button"; b.textContent = label; b.className = cls; b.addEventListener("click", onclick);
    return b;
  }

  function timeInput(b, key, cls) {
    var input = document.createElement("input");
    input.type = "number"; input.step = "0.01"; input.min = "0"; input.size = 7; input.className = cls;
    input.value = round2(b[key]);
    input.addEventListener("change", function () {
      var v = parseFloat(input.value);
      if (isFinite(v)) { b[key] = v; syncText(); redraw(); }
    });
    return input;
  }

  function renderList() {
    tbody.textContent = "";
    if (!boxes.length) {
      var empty = document.createElement("tr");
      empty.innerHTML = '<td colspan="5" class="muted">No boxes yet: pause the video and drag over it.</td>';
      tbody.appendChild(empty);
    }
    boxes.forEach(function (b, i) {
      var tr = document.createElement("tr");
      tr.className = "redact-row";
      var n = document.createElement("td"); n.textContent = String(i + 1);
      var where = document.createElement("td"); where.textContent = [b.x, b.y, b.w, b.h].join(", ");
      var from = document.createElement("td"), to = document.createElement("td"), act = document.createElement("td");
      var fromIn = timeInput(b, "start", "box-start"), toIn = timeInput(b, "end", "box-end");
      from.append(fromIn, button("from here", "box-from-here", function () {
        b.start = round2(video.currentTime); fromIn.value = b.start; syncText(); redraw();
      }));
      to.append(toIn, button("to here", "box-to-here", function () {
        b.end = round2(video.currentTime); toIn.value = b.end; syncText(); redraw();
      }));
      act.append(button("delete", "box-delete", function () {
        boxes.splice(i, 1); syncText(); renderList(); redraw();
      }));
      tr.append(n, where, from, to, act);
      tbody.appendChild(tr);
    });
  }

  overlay.addEventListener("mousedown", function (e) {
    if (e.button !== 0) return;
    e.preventDefault();
    video.pause();
    drag = { from: toSource(e.clientX, e.clientY), el: document.createElement("div") };
    drag.el.className = "redact-box drawing";
    overlay.appendChild(drag.el);
  });

  function rectOf(a, b) {
    var x0 = Math.round(Math.min(a.x, b.x)), y0 = Math.round(Math.min(a.y, b.y));
    var x1 = Math.round(Math.max(a.x, b.x)), y1 = Math.round(Math.max(a.y, b.y));
    return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
  }

  window.addEventListener("mousemove", function (e) {
    if (!drag) return;
    var s = toScreen(rectOf(drag.from, toSource(e.clientX, e.clientY)));
    drag.el.style.left = s.left + "px"; drag.el.style.top = s.top + "px";
    drag.el.style.width = s.width + "px"; drag.el.style.height = s.height + "px";
  });

  window.addEventListener("mouseup", function (e) {
    if (!drag) return;
    var r = rectOf(drag.from, toSource(e.clientX, e.clientY));
    drag.el.remove();
    drag = null;
    if (r.w < 2 || r.h < 2 || boxes.length >= maxBoxes) return; // a click, not a drag
    var start = round2(video.currentTime), d = duration();
    // Until "to here" says otherwise: a few seconds, not past the end.
    var end = round2(d === null ? start + 3 : Math.min(d, start + 3));
    if (end <= start) end = round2(start + 0.1);
    boxes.push({ x: r.x, y: r.y, w: r.w, h: r.h, start: start, end: end });
    syncText(); renderList(); redraw();
  });

  textarea.addEventListener("input", function () { boxes = parseLines(textarea.value); renderList(); redraw(); });
  video.addEventListener("timeupdate", redraw);
  video.addEventListener("seeked", redraw);
  video.addEventListener("loadedmetadata", redraw);
  window.addEventListener("resize", redraw);

  boxes = parseLines(textarea.value); // what the server sent back after a refused submission
  renderList();
  redraw();
})();
