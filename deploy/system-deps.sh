#!/usr/bin/env bash
# Debian/Ubuntu tools lexseal needs besides Python packages: poppler (page images, pdfsig),
# qpdf, zbar (QR checks in tests), NSS tools (pdfsig trust store), a CJK font that is embedded
# into letters and seals, and SoftHSM2 (the PKCS#11 token the firm-key tests sign with).
# Installs only what is missing.
set -euo pipefail
missing=()
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v qpdf >/dev/null || missing+=(qpdf)
command -v zbarimg >/dev/null || missing+=(zbar-tools)
command -v certutil >/dev/null || missing+=(libnss3-tools)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
command -v softhsm2-util >/dev/null || missing+=(softhsm2)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
