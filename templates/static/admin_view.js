/* 红档 Hongdang - zooming into a scan on the staff record view
 * (admin_view.html): the tiles of the master's DeepZoom pyramid
 * (/admin/tile/REF/SHA/Z/X_Y.jpg, info.json) drawn on a canvas; drag to
 * pan, the wheel, the buttons or + - 0 and the arrow keys to zoom. */
(function () {
  "use strict";

  /* One viewer on element el (its data-tiles is the pyramid's URL). */
  function viewer(el) {
    var base = el.getAttribute("data-tiles");
    var canvas = el.querySelector("canvas");
    var ctx = canvas.getContext("2d");
    var label = el.querySelector("[data-zoom-level]");
    var info = null, cache = {}, s = 1, ox = 0, oy = 0, drag = null;

    /* Fit the canvas to its box and the image to the canvas. */
    function fit() {
      canvas.width = canvas.clientWidth || 960;
      canvas.height = Math.round(canvas.width * 0.7);
      s = Math.min(canvas.width / info.width, canvas.height / info.height);
      ox = (info.width - canvas.width / s) / 2;
      oy = (info.height - canvas.height / s) / 2;
      draw();
    }

    /* The tile image of level z, column x, row y (loading it first). */
    function tile(z, x, y) {
      var key = z + "/" + x + "/" + y, img = cache[key];
      if (!img) {
        img = new Image();
        img.onload = draw;
        img.src = base + z + "/" + x + "/" + y + ".jpg";
        cache[key] = img;
      }
      return img;
    }

    /* Draw what the canvas shows at the level that fits the scale. */
    function draw() {
      var n = info.levels - 1, z, f, size, x0, y0, x1, y1, x, y, img;
      z = Math.max(0, Math.min(n, n + Math.ceil(Math.log2(s))));
      f = Math.pow(2, z - n);
      size = info.tile;
      ctx.fillStyle = "#eee";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      x0 = Math.max(0, Math.floor(ox * f / size));
      y0 = Math.max(0, Math.floor(oy * f / size));
      x1 = Math.min(Math.ceil(info.width * f / size),
        Math.ceil((ox + canvas.width / s) * f / size));
      y1 = Math.min(Math.ceil(info.height * f / size),
        Math.ceil((oy + canvas.height / s) * f / size));
      for (y = y0; y < y1; y++) {
        for (x = x0; x < x1; x++) {
          img = tile(z, x, y);
          if (img.complete && img.naturalWidth) {
            ctx.drawImage(img, (x * size / f - ox) * s,
              (y * size / f - oy) * s, img.naturalWidth / f * s,
              img.naturalHeight / f * s);
          }
        }
      }
      if (label) {
        label.textContent = Math.round(s * 100) + "%";
      }
    }

    /* Zoom by k keeping canvas point (cx, cy) where it is. */
    function zoom(k, cx, cy) {
      var ns = Math.max(0.01, Math.min(4, s * k));
      ox += cx / s - cx / ns;
      oy += cy / s - cy / ns;
      s = ns;
      draw();
    }

    el.addEventListener("click", function (ev) {
      var what = ev.target.getAttribute("data-zoom");
      if (!info || !what) {
        return;
      }
      if (what === "fit") {
        fit();
      } else if (what === "full") {
        zoom(1 / s, canvas.width / 2, canvas.height / 2);
      } else {
        zoom(what === "in" ? 1.5 : 1 / 1.5, canvas.width / 2,
          canvas.height / 2);
      }
    });
    canvas.addEventListener("wheel", function (ev) {
      var r = canvas.getBoundingClientRect();
      ev.preventDefault();
      zoom(ev.deltaY < 0 ? 1.25 : 0.8, (ev.clientX - r.left) *
        canvas.width / r.width, (ev.clientY - r.top) *
        canvas.height / r.height);
    });
    canvas.addEventListener("pointerdown", function (ev) {
      drag = { x: ev.clientX, y: ev.clientY };
      canvas.setPointerCapture(ev.pointerId);
    });
    canvas.addEventListener("pointermove", function (ev) {
      var r = canvas.getBoundingClientRect(), k = canvas.width / r.width;
      if (!drag || !info) {
        return;
      }
      ox -= (ev.clientX - drag.x) * k / s;
      oy -= (ev.clientY - drag.y) * k / s;
      drag = { x: ev.clientX, y: ev.clientY };
      draw();
    });
    canvas.addEventListener("pointerup", function () { drag = null; });
    canvas.addEventListener("keydown", function (ev) {
      var step = 64 / s, keys = {
        "+": function () { zoom(1.5, canvas.width / 2, canvas.height / 2); },
        "-": function () { zoom(1 / 1.5, canvas.width / 2, canvas.height / 2); },
        "0": fit,
        ArrowLeft: function () { ox -= step; draw(); },
        ArrowRight: function () { ox += step; draw(); },
        ArrowUp: function () { oy -= step; draw(); },
        ArrowDown: function () { oy += step; draw(); }
      };
      if (info && keys[ev.key]) {
        ev.preventDefault();
        keys[ev.key]();
      }
    });
    fetch(base + "info.json", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (j) {
          info = j;
          fit();
        }
      });
  }

  document.querySelectorAll("[data-tiles]").forEach(viewer);
})();
