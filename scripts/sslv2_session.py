"""A whole SSL 2.0 session on loopback, both peers being scapy's TLS automata (OpenSSL
no longer speaks SSL 2.0): the client sends an HTTP request with Basic credentials, the
server echoes it. Usage: python3 scripts/sslv2_session.py CERT KEY (port 4444).
Needs: pip install scapy cryptography. Capture it with tcpdump (see
scripts/make-sslv2-capture.sh)."""
import sys, threading, time
from scapy.layers.tls.automaton_srv import TLSServerAutomaton
from scapy.layers.tls.automaton_cli import TLSClientAutomaton
cert, key = sys.argv[1], sys.argv[2]
srv = TLSServerAutomaton(mycert=cert, mykey=key, sport=4444, debug=0, handle_session_ticket=False)
t = threading.Thread(target=lambda: srv.run(), daemon=True)
t.start()
time.sleep(1.5)
cli = TLSClientAutomaton(server="127.0.0.1", dport=4444, version="sslv2", data=["GET /private HTTP/1.0\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n", "quit"], debug=0)
try:
    cli.run()
except EOFError:
    # The client automaton asks stdin for more once its list is spent: the end.
    pass
time.sleep(0.5)
