#!/usr/bin/env bash
# Start PostgreSQL and Redis on 127.0.0.1 if they are not already answering (tests need both).
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif have sudo; then sudo "$@"; else "$@"; fi; }

pg_up() { have pg_isready && pg_isready -q -h 127.0.0.1 -p 5432; }
redis_up() { have redis-cli && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }

install_missing() {
  local pkgs=()
  have pg_ctlcluster || pkgs+=(postgresql)
  have redis-server || pkgs+=(redis-server)
  if [ ${#pkgs[@]} -gt 0 ]; then
    echo "services: installing ${pkgs[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${pkgs[@]}"
  fi
}

if ! pg_up || ! redis_up; then
  install_missing
fi

if ! pg_up; then
  echo "services: starting PostgreSQL"
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if ! redis_up; then
  echo "services: starting Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
fi

# The Compose client validates docker-compose.yml in the tests (it needs no Docker engine).
if ! command -v docker-compose >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then
  echo "services: installing the Compose client (best effort)"
  { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq docker-compose; } \
    >/dev/null 2>&1 || echo "services: no Compose client; its validation test will be skipped"
fi

pg_up && echo "services: PostgreSQL ready on 127.0.0.1:5432" || { echo "services: PostgreSQL did not start"; exit 1; }
redis_up && echo "services: Redis ready on 127.0.0.1:6379" || { echo "services: Redis did not start"; exit 1; }
