#!/usr/bin/env bash
# Debian/Ubuntu tools lexseal needs besides Python packages. Installs only what is missing.
#   deploy/system-deps.sh         to run: poppler (page images), qpdf, the CJK font that is
#                                 embedded into letters and seals, and the sRGB ICC profile of
#                                 their PDF/A output intent
#   deploy/system-deps.sh --test  also what the tests use: zbar (reading QR codes back), NSS
#                                 tools (pdfsig's trust store), SoftHSM2 (the PKCS#11 token the
#                                 firm-key tests sign with), Chromium (the web client's tests),
#                                 Redis (the gateway's shared limits and revocations) and Node
#                                 + npm (the web client's modules run under it; Biome lints them)
#   deploy/system-deps.sh --cluster  HAProxy (make cluster's load balancer; --test has it too)
#   deploy/system-deps.sh --bench    the load tools the benchmarks drive (wrk)
set -euo pipefail
missing=()
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v qpdf >/dev/null || missing+=(qpdf)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
[ -f /usr/share/color/icc/sRGB.icc ] || missing+=(icc-profiles-free)
if [ "${1:-}" = "--cluster" ] || [ "${1:-}" = "--test" ]; then
  command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
fi
if [ "${1:-}" = "--bench" ]; then
  command -v wrk >/dev/null || missing+=(wrk)
fi
if [ "${1:-}" = "--test" ]; then
  command -v zbarimg >/dev/null || missing+=(zbar-tools)
  command -v certutil >/dev/null || missing+=(libnss3-tools)
  command -v softhsm2-util >/dev/null || missing+=(softhsm2)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 \
  "${missing[@]}" >/dev/null
