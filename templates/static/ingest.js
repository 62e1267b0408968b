/* 红档 Hongdang — the desk's import pages (导入).
 *
 * The form uploads with a progress bar and resumes after a dropped
 * connection: POST /admin/ingest makes the batch with the list of files
 * to come (manifest), the batch options and the sheet; POST
 * /admin/batches/ID/files sends the files.  When that fails midway, the
 * batch's JSON says what arrived: the files not yet whole are sent again,
 * one cut short from its last byte on (an "offset" field before it).
 * Without this script the form posts everything at once and still works.
 *
 * The batch page follows its batch from /admin/batches/ID.json every
 * second while it is under way, and reloads when its state changes.
 */
(function () {
  'use strict';

  var ACTIVE = { receiving: 1, checking: 1, queued: 1, ingesting: 1 };
  var RETRIES = 30;             /* attempts after a dropped connection */
  var sending = false;          /* this page is uploading: it navigates
                                   by itself once done */

  /* Wait ms milliseconds. */
  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  /* n bytes as megabytes. */
  function mb(n) {
    return (n / 1e6).toFixed(1) + ' MB';
  }

  /* Every file chosen in the form's inputs named "files", by its path in
   * the batch (a folder's files keep theirs), each once. */
  function chosen(form) {
    var out = [], seen = {};
    var inputs = form.querySelectorAll('input[type=file][name=files]');
    Array.prototype.forEach.call(inputs, function (input) {
      Array.prototype.forEach.call(input.files, function (f) {
        var path = (f.webkitRelativePath || f.name).replace(/\\/g, '/')
          .normalize('NFC');
        if (!seen[path]) {
          seen[path] = 1;
          out.push({ path: path, file: f });
        }
      });
    });
    return out;
  }

  /* The sentence of an error page (admin_message.html), or the status. */
  function errorText(html, status) {
    try {
      var doc = new DOMParser().parseFromString(html || '', 'text/html');
      var p = doc.querySelector('.admin-message h1 + p');
      if (p && p.textContent) {
        return p.textContent;
      }
    } catch (e) { /* not HTML: the status says it */ }
    return status ? '服务器回答 ' + status : '无法连接服务器。';
  }

  /* The upload's parts of the page inside form. */
  function ui(form) {
    return {
      box: form.querySelector('[data-upload]'),
      bar: form.querySelector('[data-upload-bar]'),
      status: form.querySelector('[data-upload-status]'),
      error: form.querySelector('[data-upload-error]'),
      button: form.querySelector('button[type=submit]')
    };
  }

  /* Show the upload's progress: pct percent, and a sentence. */
  function show(u, pct, text) {
    u.box.hidden = false;
    u.bar.value = pct;
    u.bar.textContent = pct + '%';
    u.status.textContent = text;
  }

  /* Show why the upload stopped, and let the form be sent again. */
  function fail(u, text) {
    u.error.hidden = false;
    u.error.textContent = text;
    u.button.disabled = false;
  }

  /* POST fd to url, telling progress(loaded, total) as it goes; resolves
   * to {status (0: no answer), url (after redirects), text}. */
  function send(url, fd, progress) {
    return new Promise(function (resolve) {
      var x = new XMLHttpRequest();
      x.open('POST', url);
      x.upload.onprogress = function (e) {
        if (e.lengthComputable) {
          progress(e.loaded, e.total);
        }
      };
      x.onload = function () {
        resolve({ status: x.status, url: x.responseURL, text: x.responseText });
      };
      x.onerror = x.onabort = x.ontimeout = function () {
        resolve({ status: 0, url: '', text: '' });
      };
      x.send(fd);
    });
  }

  /* The batch's JSON, or null. */
  function batchState(id) {
    return fetch('/admin/batches/' + id + '.json',
      { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }

  /* Send the files of batch id that have not arrived whole, again after
   * each dropped connection, then go to the batch's page.  Resolves to
   * true when it went there, false when it gave up. */
  async function sendFiles(form, id, files, u) {
    var csrf = form.querySelector('input[name=csrf]').value;
    var total = files.reduce(function (s, f) { return s + f.file.size; }, 0);
    var attempt, st, have, fd, base, r;

    for (attempt = 0; attempt <= RETRIES; attempt++) {
      st = await batchState(id);
      if (!st) {
        await sleep(2000);
        continue;
      }
      if (st.state !== 'receiving') {
        location.href = '/admin/batches/' + id;
        return true;
      }
      if (st.uploading) {       /* the dropped connection still holds it */
        await sleep(2000);
        continue;
      }
      have = {};
      (st.files || []).forEach(function (f) { have[f.path] = f; });
      fd = new FormData();
      fd.append('csrf', csrf);
      base = 0;
      files.forEach(function (f) {
        var h = have[f.path];
        if (h && h.complete && h.bytes === f.file.size) {
          base += f.file.size;
        } else if (h && !h.complete && h.bytes > 0 &&
            h.bytes <= f.file.size) {
          fd.append('offset', String(h.bytes));
          fd.append('files', f.file.slice(h.bytes), f.path);
          base += h.bytes;
        } else {
          fd.append('files', f.file, f.path);
        }
      });
      r = await send('/admin/batches/' + id + '/files', fd,
        function (loaded, tot) {
          var done = base + (total - base) * loaded / tot;
          show(u, Math.min(100, Math.floor(done * 100 / (total || 1))),
            '已上传 ' + mb(done) + ' / ' + mb(total));
        });
      if (r.status === 200 && /\/admin\/batches\//.test(r.url)) {
        location.href = r.url;
        return true;
      }
      if (r.status !== 0 && !(r.status === 409 &&
          /另一个连接/.test(errorText(r.text, r.status)))) {
        fail(u, errorText(r.text, r.status));
        return false;
      }
      show(u, u.bar.value, '连接中断，正在从已收到的部分继续上传（第 ' +
        (attempt + 1) + ' 次）…');
      await sleep(Math.min(30, 2 + 2 * attempt) * 1000);
    }
    fail(u, '上传多次中断，已停止。已收到的文件保留在批次 ' + id +
      ' 里，可以稍后在批次页面重新选择同样的文件继续上传。');
    return false;
  }

  /* The import form: make the batch, then send its files. */
  function ingestForm(form) {
    form.addEventListener('submit', async function (ev) {
      var u = ui(form), files = chosen(form), fd, r, m, sheet;

      ev.preventDefault();
      u.error.hidden = true;
      if (files.length === 0) {
        fail(u, '请先选择要导入的文件、文件夹或压缩包。');
        return;
      }
      u.button.disabled = true;
      fd = new FormData();
      fd.append('csrf', form.querySelector('input[name=csrf]').value);
      fd.append('manifest', JSON.stringify(files.map(function (f) {
        return { path: f.path, size: f.file.size };
      })));
      ['category', 'access', 'retention', 'class', 'ocr', 'ocr_lang']
        .forEach(function (n) { fd.append(n, form.elements[n].value); });
      sheet = form.elements.sheet.files[0];
      if (sheet) {
        fd.append('sheet', sheet, sheet.name);
      }
      show(u, 0, '正在建立批次…');
      r = await send('/admin/ingest', fd, function () {});
      m = /\/admin\/batches\/([0-9a-z-]+)$/.exec(r.url || '');
      if (r.status !== 200 || !m) {
        fail(u, errorText(r.text, r.status));
        return;
      }
      await sendFiles(form, m[1], files, u);
    });
  }

  /* The batch page's resume form: the chosen files again, what is
   * missing sent. */
  function resumeForm(form) {
    form.addEventListener('submit', async function (ev) {
      var u = ui(form), files = chosen(form);

      ev.preventDefault();
      u.error.hidden = true;
      if (files.length === 0) {
        fail(u, '请重新选择这一批的文件。');
        return;
      }
      u.button.disabled = true;
      sending = true;
      sending = await sendFiles(form, form.getAttribute('data-resume'),
        files, u);
    });
  }

  /* The batch page: its progress from the JSON every second while it is
   * under way; a new state reloads it. */
  async function follow(page) {
    var id = page.getAttribute('data-batch');
    var state = page.getAttribute('data-state');
    var bar = page.querySelector('[data-bar]');
    var summary = page.querySelector('[data-summary]');
    var st;

    for (;;) {
      await sleep(1000);
      st = await batchState(id);
      if (!st || sending) {
        continue;
      }
      if (st.state !== state) {
        location.reload();
        return;
      }
      bar.value = st.percent;
      bar.textContent = st.percent + '%';
      summary.textContent = st.summary;
    }
  }

  var form = document.getElementById('ingest-form');
  var page = document.querySelector('[data-batch]');
  var resume = document.querySelector('form[data-resume]');

  if (!window.fetch || !window.FormData || !window.Promise) {
    return;                     /* the plain form posts by itself */
  }
  if (form) {
    ingestForm(form);
  }
  if (resume) {
    resumeForm(resume);
  }
  if (page && ACTIVE[page.getAttribute('data-state')]) {
    follow(page);
  }
}());
