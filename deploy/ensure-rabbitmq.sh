#!/usr/bin/env bash
# `make run` needs RabbitMQ on this machine: install it when it is missing, start it when it is
# not running (as .ci/run does), and say what was done. A broker elsewhere (AMQP_URL naming
# another host) is left to its operator.
set -euo pipefail
url="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}"
case "$url" in
  *@127.0.0.1:*|*@127.0.0.1/*|*@localhost:*|*@localhost/*|amqp://127.0.0.1*|amqp://localhost*) ;;
  *) exit 0 ;;
esac
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
if ! command -v rabbitmq-server >/dev/null && [ ! -x /usr/sbin/rabbitmq-server ]; then
  echo "lexseal: RabbitMQ is not installed; installing the Debian package rabbitmq-server …"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 \
    rabbitmq-server >/dev/null
  echo "lexseal: installed rabbitmq-server"
fi
PATH="$PATH:/usr/sbin"
if rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
  exit 0
fi
echo "lexseal: RabbitMQ is not running; starting it (rabbitmq-server -detached) …"
$sudo rabbitmq-server -detached
for _ in $(seq 1 60); do
  if rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
    echo "lexseal: RabbitMQ started on 127.0.0.1:5672 (stop it with: sudo rabbitmqctl stop)"
    exit 0
  fi
  sleep 2
done
echo "lexseal: RabbitMQ did not start within 120 s; see /var/log/rabbitmq/" >&2
exit 1
