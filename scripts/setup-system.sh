#!/usr/bin/env bash
# Installs the system packages the project needs (Debian): git, gpg, CJK fonts for seals and print.
# Idempotent and quiet when everything is already there.
set -euo pipefail
need=()
command -v git >/dev/null 2>&1 || need+=(git)
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
command -v gpgconf >/dev/null 2>&1 || need+=(gnupg)
fc-list :lang=zh 2>/dev/null | grep -qi "Noto Serif CJK" || need+=(fonts-noto-cjk fontconfig)
fc-list 2>/dev/null | grep -qi "AR PL UKai" || need+=(fonts-arphic-ukai)
command -v chromium >/dev/null 2>&1 || need+=(chromium)  # the site's browser test (headless)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)  # the portal's production front
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "安装系统软件包: ${need[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "缺少系统软件包: ${need[*]} — 请由系统管理员安装 (Debian: apt-get install ${need[*]})" >&2
  exit 1
fi
command -v git >/dev/null 2>&1 || { echo "缺少 git：请安装 git 后重试" >&2; exit 1; }
command -v gpg >/dev/null 2>&1 || { echo "缺少 gpg：请安装 gnupg 后重试" >&2; exit 1; }
