#!/usr/bin/env python3
"""Logs in to a real MariaDB server (scripts/make-server-captures.sh) with PyMySQL and
runs one query, in the clear or with TLS (the SSLRequest switch; Python ssl, keys
written to --keylog in the SSLKEYLOGFILE format).

    mysql_client.py plain --port 3306
    mysql_client.py tls   --port 3306 --ca captures/certs/ca.crt --keylog FILE
"""

import argparse
import ssl

import pymysql


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["plain", "tls"])
    ap.add_argument("--port", type=int, default=3306)
    ap.add_argument("--ca")
    ap.add_argument("--keylog")
    a = ap.parse_args()
    ctx = None
    if a.mode == "tls":
        ctx = ssl.create_default_context(cafile=a.ca)
        if a.keylog:
            ctx.keylog_filename = a.keylog
    conn = pymysql.connect(
        host="127.0.0.1",
        port=a.port,
        user="alice",
        password="secret",
        database="shop",
        ssl=ctx,
        # PyMySQL asks for TLS whenever the server offers it, unless told not to.
        ssl_disabled=ctx is None,
    )
    with conn.cursor() as cur:
        cur.execute("SELECT 'Simple is better than complex.' AS message")
        print(cur.fetchone()[0])
    conn.close()


if __name__ == "__main__":
    main()
