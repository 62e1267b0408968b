/* 红档 Hongdang — behaviour of the screens.  No framework, no network
 * beyond this server; everything degrades to plain links without it.
 * Data from pages is only ever put into the DOM with textContent. */
(function () {
  'use strict';
  var doc = document, body = doc.body, root = doc.documentElement;
  root.classList.add('js');

  function $(sel, ctx) { return (ctx || doc).querySelector(sel); }
  function $all(sel, ctx) { return Array.prototype.slice.call((ctx || doc).querySelectorAll(sel)); }
  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  /* ------------------------------------------------ study list */
  var KEY = 'hd-study';
  function loadStudy() {
    try { return JSON.parse(localStorage.getItem(KEY) || '[]') || []; } catch (e) { return []; }
  }
  function saveStudy(list) {
    try { localStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { /* private mode */ }
    updateBadge();
  }
  function updateBadge() {
    var n = loadStudy().length;
    $all('[data-study-count]').forEach(function (b) { b.textContent = String(n); });
  }
  function markAdded(btn) {
    btn.textContent = '已加入研学清单';
    btn.setAttribute('aria-pressed', 'true');
  }
  $all('[data-add-study]').forEach(function (btn) {
    var ref = btn.getAttribute('data-ref');
    if (loadStudy().some(function (x) { return x.ref === ref; })) { markAdded(btn); }
    btn.addEventListener('click', function () {
      var list = loadStudy();
      if (!list.some(function (x) { return x.ref === ref; })) {
        list.push({ ref: ref, title: btn.getAttribute('data-title'),
          date: btn.getAttribute('data-date'), url: btn.getAttribute('data-url') });
        saveStudy(list);
      }
      markAdded(btn);
    });
  });
  function renderStudy() {
    var ol = $('[data-study-list]');
    if (!ol) { return; }
    var list = loadStudy();
    ol.textContent = '';
    var empty = $('[data-study-empty]');
    if (empty) { empty.hidden = list.length > 0; }
    list.forEach(function (item, i) {
      var li = el('li'), row = el('div', 'study-row');
      var a = el('a', null, item.title || item.ref);
      a.href = item.url && item.url.charAt(0) === '/' ? item.url : '/search';
      var meta = el('span', 'muted', (item.date ? item.date + ' · ' : '') + item.ref);
      var rm = el('button', 'add-study', '移除');
      rm.type = 'button';
      rm.addEventListener('click', function () {
        var l = loadStudy(); l.splice(i, 1); saveStudy(l); renderStudy();
      });
      var text = el('div');
      text.appendChild(a); text.appendChild(el('br')); text.appendChild(meta);
      row.appendChild(text); row.appendChild(rm);
      li.appendChild(row); ol.appendChild(li);
    });
  }
  var clear = $('[data-study-clear]');
  if (clear) { clear.addEventListener('click', function () { saveStudy([]); renderStudy(); }); }
  $all('[data-print]').forEach(function (b) { b.addEventListener('click', function () { window.print(); }); });
  updateBadge();
  renderStudy();

  /* ------------------------------------------------ image zoom */
  $all('[data-zoom]').forEach(function (link) {
    link.addEventListener('click', function (ev) {
      ev.preventDefault();
      var scale = 1, box = el('div', 'lightbox'), img = el('img');
      img.src = link.getAttribute('href');
      img.alt = ($('img', link) || {}).alt || '';
      var bar = el('div', 'lightbox-bar');
      function button(label, fn) {
        var b = el('button', null, label); b.type = 'button';
        b.addEventListener('click', function (e) { e.stopPropagation(); fn(); });
        bar.appendChild(b); return b;
      }
      function apply() { img.style.transform = 'scale(' + scale + ')'; }
      button('放大', function () { scale = Math.min(4, scale * 1.5); apply(); });
      button('缩小', function () { scale = Math.max(1, scale / 1.5); apply(); });
      var close = button('关闭', function () { box.remove(); link.focus(); });
      box.setAttribute('role', 'dialog');
      box.setAttribute('aria-modal', 'true');
      box.setAttribute('aria-label', img.alt);
      box.appendChild(img); box.appendChild(bar);
      box.addEventListener('click', function () { box.remove(); });
      body.appendChild(box);
      close.focus();
    });
  });

  /* ------------------------------------------------ swipe helper */
  function onSwipe(node, left, right) {
    var x0 = null;
    node.addEventListener('pointerdown', function (e) { x0 = e.clientX; });
    node.addEventListener('pointerup', function (e) {
      if (x0 === null) { return; }
      var dx = e.clientX - x0; x0 = null;
      if (dx < -60) { left(); } else if (dx > 60) { right(); }
    });
  }

  /* ------------------------------------------------ demonstrations */
  /* Each step is a form the server answers with the page again (303):
   * the demonstration works without this script.  Here: the busy state
   * of a step being done, and the autoplay for guided talks, which
   * fills in and submits the current step's form every few seconds
   * (?pace=N sets the seconds, ?autoplay=1 starts it) across the page
   * loads, until the last step is done.  A touch anywhere but the
   * autoplay button hands the demonstration back to the visitor. */
  function stored(k) { try { return sessionStorage.getItem(k); } catch (e) { return null; } }
  function store(k, v) {
    try { if (v === null) { sessionStorage.removeItem(k); } else { sessionStorage.setItem(k, v); } } catch (e) { /* storage off */ }
  }
  var AUTO = 'hd-demo-auto', PACE = 'hd-demo-pace', SEEN = 'hd-demo-seen';
  var autoplaying = false;     /* the kiosk's idle check reads it */
  var demo = $('[data-demo]');
  if (demo) {
    store(SEEN, '1');          /* this kiosk has a sandbox to end */
    var auto = $('[data-autoplay]', demo), autoTimer = null;
    var dq = new URLSearchParams(location.search);
    var p = parseInt(dq.get('pace'), 10);
    if (p >= 1 && p <= 30) { store(PACE, String(p)); }
    if (dq.get('autoplay') === '1') { store(AUTO, '1'); }
    var pace = (parseInt(stored(PACE), 10) || 4) * 1000;
    var playStep = function () {
      if ($('[data-pending]', demo)) { return; }   /* the reload comes */
      var step = $('.dstep.current', demo);
      var btn = step && $('[data-auto]:not([data-auto="false"])', step);
      if (!btn || !btn.form) { setAuto(false); return; }
      var form = btn.form;
      $all('[data-auto-value]', form).forEach(function (i) {
        if (!i.value) { i.value = i.getAttribute('data-auto-value'); }
      });
      $all('[data-auto-check="true"]', form).forEach(function (i) {
        if (!form.querySelector('input[name="' + i.name + '"]:checked')) { i.checked = true; }
      });
      form.requestSubmit(btn);
    };
    var setAuto = function (on) {
      var done = demo.hasAttribute('data-done');
      store(AUTO, on && !done ? '1' : null);
      autoplaying = on && !done;
      auto.setAttribute('aria-pressed', autoplaying ? 'true' : 'false');
      auto.textContent = autoplaying ? '停止播放' : '自动播放';
      clearTimeout(autoTimer);
      $all('.dot.ticking', demo).forEach(function (d) { d.classList.remove('ticking'); });
      if (autoplaying) {
        var dot = $('.dot.current', demo);
        if (dot) { dot.style.setProperty('--pace', pace + 'ms'); dot.classList.add('ticking'); }
        autoTimer = setTimeout(playStep, pace);
      }
    };
    auto.addEventListener('click', function () {
      if (demo.hasAttribute('data-done') && auto.getAttribute('aria-pressed') !== 'true') {
        /* done: play it again from the start */
        store(AUTO, '1');
        $('[data-restart]', demo).form.submit();
        return;
      }
      setAuto(auto.getAttribute('aria-pressed') !== 'true');
    });
    demo.addEventListener('pointerdown', function (e) {
      if (autoplaying && !e.target.closest('[data-autoplay]')) { setAuto(false); }
    }, true);
    demo.addEventListener('submit', function (e) {
      var form = e.target, btn = e.submitter;
      if (form.getAttribute('aria-busy') === 'true') { e.preventDefault(); return; }
      form.setAttribute('aria-busy', 'true');
      if (btn && btn.getAttribute('data-busy-text')) { btn.textContent = btn.getAttribute('data-busy-text'); }
      if (form.action.indexOf('/demo/reset') < 0 && !autoplaying) { store(AUTO, null); }
    });
    setAuto(stored(AUTO) === '1');
    /* a slow step (OCR) under way on the server: look again shortly */
    if ($('[data-pending]', demo)) {
      autoplaying = true;        /* waiting is not idleness either */
      setTimeout(function () { location.reload(); }, 800);
    }
  }

  /* ------------------------------------------------ corridor */
  var chapters = $all('[data-chapter]');
  if (chapters.length) {
    var stops = $all('[data-chapter-link]');
    var at = 0;
    function goChapter(i) {
      at = Math.max(0, Math.min(chapters.length - 1, i));
      chapters[at].scrollIntoView({ behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
    }
    var nb = $('[data-next-chapter]'), pb = $('[data-prev-chapter]');
    if (nb) { nb.addEventListener('click', function () { goChapter(at + 1); }); }
    if (pb) { pb.addEventListener('click', function () { goChapter(at - 1); }); }
    onSwipe($('[data-swipe]'), function () { goChapter(at + 1); }, function () { goChapter(at - 1); });
    if ('IntersectionObserver' in window) {
      var io = new IntersectionObserver(function (entries) {
        entries.forEach(function (en) {
          if (!en.isIntersecting) { return; }
          at = chapters.indexOf(en.target);
          stops.forEach(function (s) {
            s.classList.toggle('current', s.getAttribute('data-chapter-link') === en.target.id);
          });
        });
      }, { rootMargin: '-40% 0px -55% 0px' });
      chapters.forEach(function (c) { io.observe(c); });
    }
  }

  /* ------------------------------------------------ kiosk */
  var params = new URLSearchParams(location.search);
  try {
    if (params.get('kiosk') === '1' || body.getAttribute('data-kiosk') === 'true') {
      sessionStorage.setItem('hd-kiosk', '1');
    } else if (params.get('kiosk') === '0') {
      sessionStorage.removeItem('hd-kiosk');
    }
  } catch (e) { /* storage off */ }
  var kiosk = false;
  try { kiosk = sessionStorage.getItem('hd-kiosk') === '1'; } catch (e) { kiosk = false; }
  if (!kiosk) { return; }
  body.classList.add('kiosk');
  doc.addEventListener('contextmenu', function (e) { e.preventDefault(); });
  doc.addEventListener('selectstart', function (e) {
    if (!(e.target instanceof HTMLInputElement)) { e.preventDefault(); }
  });

  var idleAfter = (parseInt(body.getAttribute('data-idle'), 10) || 90) * 1000;
  var attractAfter = (parseInt(body.getAttribute('data-attract'), 10) || 180) * 1000;
  var COUNTDOWN = 30;
  var idleBox = $('#idle'), attract = $('#attract');
  var lastTouch = Date.now(), counting = false, left = COUNTDOWN, tick = null;
  var slides = [], slide = 0, slideTimer = null, loadingSlides = false;

  function touched() {
    lastTouch = Date.now();
    if (counting) { stopCountdown(); }
    if (!attract.hidden) { stopAttract(); }
  }
  ['pointerdown', 'keydown', 'wheel', 'touchstart'].forEach(function (t) {
    doc.addEventListener(t, touched, { passive: true, capture: true });
  });
  function stopCountdown() {
    counting = false; idleBox.hidden = true; clearInterval(tick);
  }
  function goHome() {
    var gone = false;
    function go() { if (!gone) { gone = true; location.href = '/'; } }
    try { localStorage.removeItem(KEY); } catch (e) { /* ignore */ }
    store(AUTO, null);
    if (stored(SEEN) !== '1') { go(); return; }
    /* the next visitor starts the demonstrations afresh: this kiosk's
     * sandbox goes now, not after the server's idle time */
    store(SEEN, null);
    fetch('/demo/end', { method: 'POST', keepalive: true }).then(go, go);
    setTimeout(go, 1500);
  }
  function startCountdown() {
    counting = true; left = COUNTDOWN; idleBox.hidden = false;
    $('[data-countdown]', idleBox).textContent = String(left);
    $('[data-stay]', idleBox).focus();
    tick = setInterval(function () {
      left -= 1;
      $('[data-countdown]', idleBox).textContent = String(left);
      if (left <= 0) { clearInterval(tick); goHome(); }
    }, 1000);
  }
  $('[data-stay]', idleBox).addEventListener('click', touched);

  function showSlide() {
    if (!slides.length) { return; }
    var s = slides[slide % slides.length];
    $('[data-attract-img]', attract).src = s.img;
    $('[data-attract-img]', attract).alt = s.title;
    $('[data-attract-caption]', attract).textContent = s.caption;
    slide += 1;
  }
  function startAttract() {
    if (!slides.length) {
      /* one request at a time: the idle check ticks every second */
      if (loadingSlides) { return; }
      loadingSlides = true;
      Promise.all([
        fetch('/api/corridor').then(function (r) { return r.json(); }),
        fetch('/api/demos').then(function (r) { return r.json(); }).catch(function () { return {}; })
      ]).then(function (both) {
        var d = both[0], demos = both[1].demos || [], k = 0;
        (d.chapters || []).forEach(function (c) {
          (c.items || []).forEach(function (it) {
            if (it.thumb) {
              slides.push({ img: it.thumb.replace('/img/thumb/', '/img/screen/'),
                title: it.title, caption: c.label + ' · ' + it.title });
              /* every third slide, a demonstration over the photo */
              if (slides.length % 4 === 3 && demos.length) {
                var dm = demos[k++ % demos.length];
                slides.push({ img: slides[slides.length - 1].img, title: it.title,
                  caption: '档案工作演示 · ' + dm.name + '：' + dm.steps.join(' → ') });
              }
            }
          });
        });
        loadingSlides = false;
        if (slides.length && Date.now() - lastTouch >= attractAfter) { startAttract(); }
      }).catch(function () { loadingSlides = false; /* no slides: stay home */ });
      return;
    }
    attract.hidden = false;
    showSlide();
    clearInterval(slideTimer);
    slideTimer = setInterval(showSlide, 6000);
  }
  function stopAttract() {
    attract.hidden = true; clearInterval(slideTimer);
  }
  setInterval(function () {
    if (autoplaying) { lastTouch = Date.now(); }  /* a guided talk */
    var idle = Date.now() - lastTouch;
    var home = location.pathname === '/';
    if (!home && !counting && idle >= idleAfter) { startCountdown(); }
    if (home && attract.hidden && idle >= attractAfter) { startAttract(); }
  }, 1000);
})();
