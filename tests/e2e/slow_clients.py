"""slow_clients.py PORT COUNT SECONDS OUT - COUNT slow clients from
127.0.0.1 against 127.0.0.1:PORT for SECONDS: each opens a connection,
starts a request and sends one more header line every 5 s, never ending
it; a connection the server closes is opened again on the next round.
Writes to OUT (JSON) what the server did with them: "held" (the most
connections that stayed open through a whole 5 s round: the ones the
server kept), "closed" (connections the server closed), "opened"
(connections opened in all)."""
import errno, json, resource, select, socket, sys, time

port, count, seconds, out = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 256)), hard))

socks = {}  # fd -> [socket, round it was opened in]
opened = closed = 0
rnd = 0


def connect():
    global opened
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    socks[s.fileno()] = [s, rnd]
    opened += 1


def drop(fd):
    global closed
    s = socks.pop(fd)[0]
    s.close()
    closed += 1


def send(fd, data):
    try:
        socks[fd][0].send(data)
    except BlockingIOError:
        pass  # still in the listen backlog, or the buffer is full
    except OSError as e:
        if e.errno not in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN, errno.ECONNREFUSED):
            raise
        drop(fd)


held = 0
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    # those opened before the last round and open through it: kept
    held = max(held, sum(1 for _, r in socks.values() if r < rnd))
    while len(socks) < count:
        connect()
    for fd in list(socks):
        started = socks[fd][1] == rnd
        send(fd, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" if started else b"X-Slow-%d: a\r\n" % rnd)
    rnd += 1
    round_end = min(deadline, time.monotonic() + 5)
    while time.monotonic() < round_end:
        p = select.poll()
        for fd in socks:
            p.register(fd, select.POLLIN)
        for fd, _ in p.poll(max(0.0, min(0.5, round_end - time.monotonic())) * 1000):
            if fd not in socks:
                continue
            try:
                if not socks[fd][0].recv(4096):
                    drop(fd)
            except BlockingIOError:
                pass
            except OSError:
                drop(fd)
held = max(held, sum(1 for _, r in socks.values() if r < rnd - 1))
json.dump({"held": held, "closed": closed, "opened": opened}, open(out, "w"))
