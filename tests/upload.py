#!/usr/bin/env python3
"""tests/upload.py - a multipart/form-data POST as a browser sends it,
with the ways a real connection goes wrong: the body cut off after N
bytes (the connection reset), or sent chunked without a Content-Length.
Files are streamed from disk, never read whole.

  upload.py [--jar FILE] [--out FILE] [--drop-after N [--drop-when
            JSON_URL:BYTES]] [--chunked] [--rate BYTES_PER_S] URL FIELD...
  FIELD:  name=value
          name=@path[;filename=NAME][;offset=N]   (the file from byte N)

--drop-when: before the reset, wait (30 s at most) until the batch list
at JSON_URL has a batch receiving with at least BYTES on the server's
disk, so that the reset finds what was sent read (a reset drops what the
server has not read yet).

Prints "STATUS LOCATION" ("0 -" when the connection was dropped on
purpose or by the server) and writes the answer's body to --out.  The
cookies of a curl cookie jar (--jar) go along, as curl -b sends them.
"""
import os
import socket
import struct
import sys
import time
import json
import urllib.parse
import urllib.request

CHUNK = 1 << 20


def cookies(jar):
    """The Cookie header's value from a curl (Netscape) cookie jar."""
    out = []
    with open(jar, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#HttpOnly_"):
                line = line[len("#HttpOnly_"):]
            elif line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 7:
                out.append(cols[5] + "=" + cols[6])
    return "; ".join(out)


def wait_received(when, jar):
    """Wait until the batch list at URL (when: "URL:BYTES") shows a batch
    receiving with BYTES or more; 30 s at most."""
    url, _, want = when.rpartition(":")
    req = urllib.request.Request(url)
    if jar:
        req.add_header("Cookie", cookies(jar))
    for _ in range(300):
        with urllib.request.urlopen(req, timeout=10) as r:
            d = json.load(r)
        if any(b["state"] == "receiving" and b["bytes_done"] >= int(want)
               for b in d["batches"]):
            return
        time.sleep(0.1)


def parts(fields, boundary):
    """The body as a list of pieces: bytes, or (path, offset, size)."""
    pieces = []
    for field in fields:
        name, val = field.split("=", 1)
        if val.startswith("@"):
            spec = val[1:].split(";")
            path, fname, off = spec[0], os.path.basename(spec[0]), 0
            for s in spec[1:]:
                k, v = s.split("=", 1)
                if k == "filename":
                    fname = v
                elif k == "offset":
                    off = int(v)
            size = os.path.getsize(path) - off
            head = ('--%s\r\nContent-Disposition: form-data; name="%s"; '
                    'filename="%s"\r\nContent-Type: application/octet-'
                    'stream\r\n\r\n' % (boundary, name, fname))
            pieces += [head.encode(), (path, off, size), b"\r\n"]
        else:
            head = ('--%s\r\nContent-Disposition: form-data; name="%s"'
                    '\r\n\r\n' % (boundary, name))
            pieces += [head.encode(), val.encode(), b"\r\n"]
    pieces.append(("--%s--\r\n" % boundary).encode())
    return pieces


def length(pieces):
    """Bytes of the body."""
    return sum(p[2] if isinstance(p, tuple) else len(p) for p in pieces)


def stream(pieces):
    """The body's bytes, a megabyte at most at a time."""
    for p in pieces:
        if not isinstance(p, tuple):
            yield p
            continue
        path, off, size = p
        with open(path, "rb") as f:
            f.seek(off)
            while size > 0:
                b = f.read(min(CHUNK, size))
                if not b:
                    break
                size -= len(b)
                yield b


def main():
    args = sys.argv[1:]
    jar = out = when = None
    drop = rate = 0
    chunked = False
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--jar":
            jar = args.pop(0)
        elif opt == "--out":
            out = args.pop(0)
        elif opt == "--drop-after":
            drop = int(args.pop(0))
        elif opt == "--drop-when":
            when = args.pop(0)
        elif opt == "--rate":
            rate = int(args.pop(0))
        elif opt == "--chunked":
            chunked = True
        else:
            sys.exit("upload.py: unknown option " + opt)
    url, fields = args[0], args[1:]
    u = urllib.parse.urlsplit(url)
    boundary = "hdtest%016x" % int.from_bytes(os.urandom(8), "big")
    pieces = parts(fields, boundary)
    head = ["POST %s HTTP/1.1" % (u.path or "/"), "Host: " + u.netloc,
            "Content-Type: multipart/form-data; boundary=" + boundary,
            "Connection: close"]
    if jar:
        head.append("Cookie: " + cookies(jar))
    if chunked:
        head.append("Transfer-Encoding: chunked")
    else:
        head.append("Content-Length: %d" % length(pieces))
    s = socket.create_connection((u.hostname, u.port or 80), timeout=120)
    s.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    sent, t0 = 0, time.monotonic()
    try:
        for b in stream(pieces):
            if drop and sent + len(b) >= drop:
                b = b[:drop - sent]
            if chunked and b:
                s.sendall(b"%x\r\n" % len(b) + b + b"\r\n")
            else:
                s.sendall(b)
            sent += len(b)
            if drop and sent >= drop:
                if when:
                    wait_received(when, jar)
                # a reset, as when the client's machine goes away
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
                s.close()
                print("0 -")
                return
            if rate:
                ahead = sent / rate - (time.monotonic() - t0)
                if ahead > 0:
                    time.sleep(ahead)
        if chunked:
            s.sendall(b"0\r\n\r\n")
    except OSError:
        pass            # the server answered early and closed
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except OSError:
        pass
    s.close()
    if not data:
        print("0 -")
        return
    headers, _, body = data.partition(b"\r\n\r\n")
    lines = headers.decode("utf-8", "replace").split("\r\n")
    status = lines[0].split()[1] if len(lines[0].split()) > 1 else "0"
    loc = "-"
    for line in lines[1:]:
        if line.lower().startswith("location:"):
            loc = line.split(":", 1)[1].strip()
    if out:
        with open(out, "wb") as f:
            f.write(body)
    print(status, loc)


if __name__ == "__main__":
    main()
