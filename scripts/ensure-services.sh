#!/usr/bin/env bash
# Makes sure PostgreSQL, MariaDB and RabbitMQ answer on their local ports, starting any that is
# down with the commands this kind of machine uses. Safe to run again: running services are left alone.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local name=$1 port=$2
  for _ in $(seq 1 60); do port_open "$port" && { echo "  $name is up"; return 0; }; sleep 1; done
  echo "$name did not come up on port $port" >&2
  return 1
}

if port_open 5432; then echo "  PostgreSQL is up"; else
  echo "  starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  wait_for PostgreSQL 5432
fi

if port_open 3306; then echo "  MariaDB is up"; else
  echo "  starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_for MariaDB 3306
fi

if port_open 5672; then echo "  RabbitMQ is up"; else
  echo "  starting RabbitMQ"
  # The node may still run with its application stopped (rabbitmqctl stop_app): start just that.
  rabbitmqctl start_app >/dev/null 2>&1 || rabbitmq-server -detached
  wait_for RabbitMQ 5672
fi

# db:setup makes each app's broker user and declares the topology through the management API.
if port_open 15672; then echo "  RabbitMQ management is up"; else
  echo "  enabling RabbitMQ's management plugin"
  rabbitmq-plugins enable rabbitmq_management >/dev/null
  wait_for "RabbitMQ management" 15672
fi
# db:setup moves a classic queue of an older release to a quorum queue with the shovel plugin.
if rabbitmq-plugins list -e -m 2>/dev/null | grep -qx rabbitmq_shovel; then echo "  RabbitMQ shovel is on"; else
  echo "  enabling RabbitMQ's shovel plugin"
  rabbitmq-plugins enable rabbitmq_shovel >/dev/null
fi
