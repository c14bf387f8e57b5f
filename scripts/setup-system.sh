#!/usr/bin/env bash
# Installs the system packages the project needs (Debian): git, gpg, CJK fonts for seals and print,
# the free 仿宋 font FandolFang for the print form's body text, chromium for the browser test.
# Idempotent and quiet when everything is already there: it checks first and needs root only
# when something is missing, so a non-root user on a ready machine runs it without error.
set -euo pipefail

# Read the font list once: `fc-list | grep -q` under pipefail fails whenever grep stops reading
# early (fc-list dies of SIGPIPE), which made the check fail and reinstall fonts at random.
fonts="$(fc-list 2>/dev/null || true)"
zh_fonts="$(fc-list :lang=zh 2>/dev/null || true)"
has_font() { grep -qi -- "$1" <<<"$2"; }

need=()
command -v git >/dev/null 2>&1 || need+=(git)
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
command -v gpgconf >/dev/null 2>&1 || need+=(gnupg)
command -v fc-list >/dev/null 2>&1 || need+=(fontconfig)
has_font "Noto Serif CJK" "$zh_fonts" || need+=(fonts-noto-cjk fontconfig)
has_font "AR PL UKai" "$fonts" || need+=(fonts-arphic-ukai)
command -v chromium >/dev/null 2>&1 || need+=(chromium)  # the site's browser test (headless)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)  # page images of the print form's test
# The city as a service (oa server): OpenSSH, gitolite3, and Debian's python3 venv for the hooks.
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v gitolite >/dev/null 2>&1 || need+=(gitolite3)
/usr/bin/python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)  # the portal's production front
# `setup-system.sh bench` (make bench only, never make test): Hugo, the site benchmark's peer.
if [ "${1:-}" = bench ]; then command -v hugo >/dev/null 2>&1 || need+=(hugo); fi
need_fang=0
has_font "FandolFang" "$fonts" || need_fang=1

if [ ${#need[@]} -eq 0 ] && [ "$need_fang" = 0 ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
  missing="${need[*]}"
  [ "$need_fang" = 0 ] || missing="$missing FandolFang（仿宋，取自 texlive-lang-chinese）"
  echo "缺少系统软件包: ${missing# } — 请由系统管理员以 root 运行 scripts/setup-system.sh" >&2
  exit 1
fi
apt-get update -qq >/dev/null
if [ ${#need[@]} -gt 0 ]; then
  echo "安装系统软件包: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ "$need_fang" = 1 ]; then
  # FandolFang (GPL with the font exception) is a free 仿宋 with the whole GB 2312 set. Debian
  # ships it only inside texlive-lang-chinese (about 100 packages with its dependencies), so the
  # package is downloaded and just the font, its README and licence are taken out of it.
  echo "安装仿宋字体: FandolFang（Debian 软件包 texlive-lang-chinese）"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download -qq texlive-lang-chinese 2>/dev/null)
  dpkg-deb --fsys-tarfile "$tmp"/texlive-lang-chinese_*.deb | tar -x -C "$tmp" \
    ./usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolFang-Regular.otf \
    ./usr/share/doc/texlive-doc/fonts/fandol/README ./usr/share/doc/texlive-doc/fonts/fandol/COPYING.gz
  install -d /usr/local/share/fonts/fandol
  install -m 0644 "$tmp"/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolFang-Regular.otf \
    "$tmp"/usr/share/doc/texlive-doc/fonts/fandol/README "$tmp"/usr/share/doc/texlive-doc/fonts/fandol/COPYING.gz \
    /usr/local/share/fonts/fandol/
  fc-cache -f /usr/local/share/fonts/fandol >/dev/null
fi
command -v git >/dev/null 2>&1 || { echo "缺少 git：请安装 git 后重试" >&2; exit 1; }
command -v gpg >/dev/null 2>&1 || { echo "缺少 gpg：请安装 gnupg 后重试" >&2; exit 1; }
