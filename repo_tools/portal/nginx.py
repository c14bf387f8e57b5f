"""`oa portal nginx-config`: nginx (Debian) in front for production. nginx serves the site's files
itself (sendfile, keep-alive, many readers) and asks the portal only who may read what
(`auth_request` to the internal /_portal/auth): the portal names the root that holds the file
for this reader, or refuses (403, answered as the site's 404 page, so existence is not revealed),
or sends the reader to the login form. /login, /password, /logout and the home page (which shows
the reader's waiting work) are proxied to the portal.

The configuration is a whole nginx.conf with its own pid, log and temp paths (`state`), so it
runs as an ordinary user beside a system nginx: `nginx -p STATE -c FILE`.
"""
from __future__ import annotations

import html
from pathlib import Path

from repo_tools.messages import Refused, say
from repo_tools.portal.headers import CSP

MIME_TYPES = Path("/etc/nginx/mime.types")
# What nginx itself refuses (a malformed request, a method a file does not take, a target or
# headers too long, the portal not answering) gets a Chinese page saying what to do, never
# nginx's own English one: (status, the named location, the refusal).
ERRORS = (
    ("400 494 497", 400, "oa_400", lambda: Refused("portal-bad-request", detail=say("portal.nginx.module.1"))),
    ("405", 405, "oa_405", lambda: Refused("usage", detail=say("portal.nginx.module.2"),
                                            remedy=say("portal.nginx.module.3"))),
    ("414", 414, "oa_414", lambda: Refused("portal-bad-request", detail=say("portal.nginx.module.4"))),
    ("500 502 503 504", 503, "oa_503", lambda: Refused("portal-unavailable", detail=say("portal.nginx.module.5"))),
)


def _error_page(status: int, refusal: Refused) -> str:
    """A whole Chinese page as an nginx string (no variables: `$` is never in a message)."""
    title = html.escape(refusal.message)
    body = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
            f'<link rel="stylesheet" href="/assets/site.css"></head><body><main class="site-main">'
            f'<div class="portal-refusal" role="alert"><p><strong>{title}</strong></p>'
            f'<p>{html.escape(say("portal.nginx._error_page.1"))}{html.escape(refusal.remedy)}</p></div>'
            f'<p><a href="/">{html.escape(say("portal.nginx._error_page.2"))}</a></p></main></body></html>')
    assert "$" not in body
    return body.replace("\\", "\\\\").replace('"', '\\"')


def nginx_config(site: Path, state: Path, listen: int = 8443, portal: str = "127.0.0.1:8080",
                 host: str = "127.0.0.1", run_as: str | None = None, tls: tuple[Path, Path] | None = None) -> str:
    """The configuration text. `site`: the base site folder (its parent holds the overlays);
    `run_as`: the workers' user when nginx starts as root (it must be able to read the site);
    `tls`: (certificate, key) files: nginx then speaks HTTPS only (passwords never cross the
    network in clear) and tells browsers to keep to it (HSTS); run the portal with
    `--secure-cookies` behind it, so its cookies are never sent over plain HTTP."""
    site = Path(site).absolute()
    state = Path(state).absolute()
    root = site.parent
    mime = f"include {MIME_TYPES};" if MIME_TYPES.exists() else ""
    hsts = '\n      add_header Strict-Transport-Security "max-age=31536000" always;' if tls else ""
    security = f'''      add_header X-Content-Type-Options nosniff always;
      add_header Content-Security-Policy "{CSP}" always;
      add_header Referrer-Policy same-origin always;
      add_header X-Frame-Options DENY always;{hsts}'''
    # URI locations, not named ones: a request whose line could not be parsed has no URI, and
    # nginx cannot redirect such a request to a named location.
    errors = "\n".join(f"    error_page {codes} ={status} /__{name};" for codes, status, name, _ in ERRORS)
    error_locations = "\n".join(
        f'    location = /__{name} {{\n      internal;\n      default_type "text/html; charset=utf-8";\n{security}\n'
        f'      add_header Cache-Control no-store always;\n      return {status} "{_error_page(status, make())}";\n    }}'
        for _, status, name, make in ERRORS)
    proxy = '''      proxy_pass http://oa_portal;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $proxy_host;     # an HTTP/1.0 request without Host still gets an answer
      proxy_set_header X-Forwarded-For $remote_addr;'''
    user = f"user {run_as};" if run_as else ""
    listen_line = f"listen {host}:{listen} ssl;" if tls else f"listen {host}:{listen};"
    if tls:
        listen_line += (f"\n    ssl_certificate {Path(tls[0]).absolute()};\n    ssl_certificate_key {Path(tls[1]).absolute()};"
                        "\n    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_session_cache shared:oa_tls:1m;")
    return f'''# Written by `oa portal nginx-config`: nginx serves the files, the portal decides who reads them.
{user}
worker_processes 1;
pid {state}/nginx.pid;
error_log {state}/error.log warn;
events {{ worker_connections 512; }}
http {{
  {mime}
  types {{ application/wasm wasm; text/javascript js mjs; application/json json;
          application/octet-stream pf_fragment pf_index pf_meta pagefind; }}
  default_type application/octet-stream;
  charset utf-8;
  charset_types text/css text/javascript application/json text/plain text/xml;
  access_log {state}/access.log;
  client_body_temp_path {state}/tmp/body;
  proxy_temp_path {state}/tmp/proxy;
  fastcgi_temp_path {state}/tmp/fastcgi;
  uwsgi_temp_path {state}/tmp/uwsgi;
  scgi_temp_path {state}/tmp/scgi;
  sendfile on;
  server_tokens off;
  upstream oa_portal {{ server {portal}; keepalive 16; }}
  server {{
    {listen_line}
    root {root};
    merge_slashes off;      # a double slash reaches the portal, which refuses it
    absolute_redirect off;  # every redirect is a path of this site, whatever Host the request named
    disable_symlinks if_not_owner from=$document_root;
    error_page 404 /__oa_404;   # every 404 is the site's own page, in Chinese
{errors}
{error_locations}
    location = /login {{
{proxy}
    }}
    location = /password {{
{proxy}
    }}
    location = /logout {{
{proxy}
    }}
    location = / {{         # the home page carries the reader's waiting work
{proxy}
    }}
    location = /index.html {{
{proxy}
    }}
    location = /_portal/auth {{
      internal;
      proxy_pass http://oa_portal/_portal/auth;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header Host $proxy_host;
    }}
    location = /__oa_404 {{
      internal;
      default_type "text/html; charset=utf-8";
      alias {site}/404.html;
{security}
    }}
    location ^~ /assets/ {{   # the site's styles and scripts (no content): the login form needs them
      root {site};
      # Served without asking the portal, so judged here as the portal would (files.py): no
      # symbolic link below the site's own folder, no dot-file.
      disable_symlinks on from=$document_root;
      location ~ /\\. {{ return 404; }}
      error_page 403 404 =404 /__oa_404;
  {errors}
{security}
    }}
    location @oa_login {{
{security}
      return 303 $oa_location;
    }}
    location / {{
      auth_request /_portal/auth;
      auth_request_set $oa_root $upstream_http_x_oa_root;
      auth_request_set $oa_index $upstream_http_x_oa_index;
      auth_request_set $oa_location $upstream_http_x_oa_location;
      auth_request_set $oa_disposition $upstream_http_x_oa_disposition;
      auth_request_set $oa_type $upstream_http_x_oa_content_type;
      auth_request_set $oa_csp $upstream_http_x_oa_csp;
      error_page 401 = @oa_login;
      error_page 403 404 =404 /__oa_404;
  {errors}
      # Every file's type and policy come from the portal's answer (repo_tools/site/headers.py,
      # what `oa serve` and the embedded portal send): nginx's own type table is emptied here, so
      # a repository file is never served as a type a browser renders or runs, and it gets the
      # sandboxing policy; the site's pages get the site's policy.
      types {{ }}
      default_type "";
      add_header Content-Type $oa_type always;
      add_header Content-Security-Policy $oa_csp always;
      add_header X-Content-Type-Options nosniff always;
      add_header Referrer-Policy same-origin always;
      add_header X-Frame-Options DENY always;
      add_header Cross-Origin-Opener-Policy same-origin always;
      add_header Content-Disposition $oa_disposition always;
      add_header Cache-Control "private, no-cache" always;{hsts}
      try_files /$oa_root$uri$oa_index =404;
    }}
  }}
}}
'''


def write_config(site: Path, out: Path, state: Path, listen: int, portal: str, host: str = "127.0.0.1",
                 run_as: str | None = None, tls: tuple[Path, Path] | None = None) -> Path:
    """Write the configuration and make the state folders nginx will use."""
    for name in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (Path(state) / name).mkdir(parents=True, exist_ok=True)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(nginx_config(site, state, listen, portal, host, run_as, tls), encoding="utf-8")
    return out
