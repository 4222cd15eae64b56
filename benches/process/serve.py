"""Serves DIR/body.txt on 127.0.0.1:18700-18709 (HTTP/1.1, Content-Length) and writes the number
of bodies sent whole to DIR/count after each one."""
import http.server, itertools, os, socketserver, sys, threading
out_dir = sys.argv[1]
body = open(os.path.join(out_dir, "body.txt"), "rb").read()
sent = itertools.count(1)
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with lock:
            n = next(sent)
            with open(os.path.join(out_dir, "count"), "w") as f:
                f.write(str(n))

    def log_message(self, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except OSError:
            pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


for port in range(18700, 18710):
    s = Server(("127.0.0.1", port), Handler)
    threading.Thread(target=s.serve_forever, daemon=True).start()
threading.Event().wait()
