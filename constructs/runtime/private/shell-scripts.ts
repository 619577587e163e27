/**
 * POSIX sh scripts the runtime's containers run. They are fixed text (per-container values, directories included,
 * arrive as environment variables), and they never contain `${` or `%{`, which Terraform would read.
 */

/** Directory of the proxy's routing volume, as the proxy and the routing container mount it. */
export const ROUTING_DIR = "/etc/nginx/routing";
/** Where the routing container stages the files it validates before publishing the routing. */
export const ROUTING_CHECK_DIR = "/wtfb/check";
/** Where backup containers mount the backup volume. */
export const BACKUP_DIR = "/backups";
/** Seconds the routing container waits for the running proxy to load new routing. */
export const ROUTING_ACK_TIMEOUT_SECONDS = 30;

/** File in the routing volume naming the published configuration (its checksum); written last, after both files. */
export const PUBLISHED_FILE = "published";
/** File in the routing volume where the proxy acknowledges the configuration it has loaded. */
export const APPLIED_FILE = "applied";

/**
 * Seconds a stopping proxy answers every request with Connection: close before nginx quits, so kept-alive clients
 * move to new connections first (see PROXY_SUPERVISOR_SCRIPT).
 */
export const HANDOVER_SECONDS = 2;
/** Size at which the proxy supervisor rotates a log file inside the container (one rotated file is kept), in KiB. */
export const LOG_ROTATE_KB = 10240;
/** Seconds between the proxy supervisor's checks of the routed containers' addresses. */
export const RESOLVE_EVERY_SECONDS = 5;
/**
 * Command of the port container, which only holds the network namespace (and the published host port) the proxy
 * containers join: it sleeps until it is stopped.
 */
export const PORT_HOLDER_SCRIPT = `trap 'exit 0' TERM INT
while :; do
  sleep 3600 &
  wait $!
done
`;

/** Where the proxy container holds the edge nginx's configuration (part of the container, never reloaded). */
export const EDGE_CONFIG_FILE = "/etc/wtfb/edge.conf";

/**
 * Entry point of the proxy container: runs the router nginx on the configuration in the routing volume and the edge
 * nginx in front of it, and reloads the router gracefully (SIGHUP: old workers finish their requests) whenever a new
 * configuration is published, acknowledging each loaded one in `applied` so the routing container knows it is live.
 * The edge, which holds the clients' connections, is never reloaded. A configuration nginx -t rejects is not loaded;
 * the previous one keeps serving. nginx resolves the routing's container names when it loads them, so every 5 s the
 * supervisor resolves them again (getent or nslookup, where the image has one; every WTFB_RESOLVE_EVERY_SECONDS) and reloads the router when an address
 * changed (a container Docker restarted elsewhere on the network). When either nginx exits, the other is stopped and
 * the container exits (Docker restarts it). Environment: WTFB_ROUTING_DIR, WTFB_EDGE_CONFIG, WTFB_RESOLVE_EVERY_SECONDS,
 * WTFB_HANDOVER_FILE, WTFB_HANDOVER_SECONDS, WTFB_ACCESS_LOG, WTFB_ERROR_LOGS (space-separated), WTFB_LOG_ROTATE_KB.
 */
export const PROXY_SUPERVISOR_SCRIPT = `set -u
# Left by an earlier run of this container (Docker restarted it after a stop): this run hands nothing over yet.
rm -f "$WTFB_HANDOVER_FILE"
conf="$WTFB_ROUTING_DIR/nginx.conf"
published="$WTFB_ROUTING_DIR/${PUBLISHED_FILE}"
applied="$WTFB_ROUTING_DIR/${APPLIED_FILE}"
waited=0
until [ -f "$published" ]; do
  if [ "$waited" -ge 60 ]; then echo "wtfb: no configuration published in $WTFB_ROUTING_DIR" >&2; exit 1; fi
  sleep 1
  waited=$((waited + 1))
done
addresses() {
  for name in $(sed -n 's/^ *server \\([^: ]*\\):.*/\\1/p' "$WTFB_ROUTING_DIR/routing.conf"); do
    found=$( (getent hosts "$name" || nslookup "$name") 2>/dev/null | sed -n -e 's/^Address:[[:space:]]*\\([0-9.]*\\)$/\\1/p' -e 's/^\\([0-9.][0-9.]*\\)[[:space:]].*/\\1/p' | sort | tr '\\n' ' ')
    [ -n "$found" ] || return 1
    echo "$name $found"
  done
}
loaded=$(cat "$published")
resolved=$(addresses || true)
# nginx logs to files and tail copies them to the container's output: a slow reader of that output (Docker) then
# holds up tail, never nginx. Each run starts them empty (what an earlier run wrote is in the container's log).
for log in "$WTFB_ACCESS_LOG" $WTFB_ERROR_LOGS; do : > "$log"; done
tail -q -n +1 -F "$WTFB_ACCESS_LOG" &
access_tail=$!
tail -q -n +1 -F $WTFB_ERROR_LOGS >&2 &
error_tail=$!
rotate_logs() {
  rotated=""
  for log in "$WTFB_ACCESS_LOG" $WTFB_ERROR_LOGS; do
    if [ -n "$(find "$log" -size +"$WTFB_LOG_ROTATE_KB"k 2>/dev/null)" ]; then
      mv -f "$log" "$log.1"
      rotated=yes
    fi
  done
  # USR1: nginx reopens its log files (no reload, no connection closed).
  if [ -n "$rotated" ]; then kill -USR1 "$router_pid" "$edge_pid" 2>/dev/null; fi
}
nginx -c "$conf" -g 'daemon off;' &
router_pid=$!
nginx -c "$WTFB_EDGE_CONFIG" -g 'daemon off;' &
edge_pid=$!
# Stopped: first the edge answers every request with Connection: close for WTFB_HANDOVER_SECONDS, so kept-alive
# clients move to new connections (on the proxy taking over the port, if there is one); then both nginx quit
# gracefully, finishing the requests in flight.
trap ': > "$WTFB_HANDOVER_FILE"; sleep "$WTFB_HANDOVER_SECONDS"; kill -QUIT "$edge_pid" "$router_pid" 2>/dev/null; wait "$edge_pid"; wait "$router_pid"; sleep 1; kill "$access_tail" "$error_tail" 2>/dev/null; exit 0' TERM INT QUIT
echo "$loaded" > "$applied"
ticks=0
while kill -0 "$router_pid" 2>/dev/null && kill -0 "$edge_pid" 2>/dev/null; do
  sleep 1 &
  wait $!
  ticks=$((ticks + 1))
  rotate_logs
  current=$(cat "$published" 2>/dev/null || true)
  if [ -n "$current" ] && [ "$current" != "$loaded" ]; then
    if nginx -t -q -c "$conf" && kill -HUP "$router_pid"; then
      # The master starts the new workers and retires the old ones within a moment of the signal.
      sleep 1
      echo "$current" > "$applied"
      echo "wtfb: configuration reloaded ($current)"
    else
      echo "wtfb: new configuration rejected by nginx -t; still serving the previous one" >&2
    fi
    loaded=$current
    resolved=$(addresses || true)
  elif [ $((ticks % WTFB_RESOLVE_EVERY_SECONDS)) -eq 0 ]; then
    # Only a complete answer counts: a name that does not resolve for a moment is no reason to reload.
    if now=$(addresses) && [ "$now" != "$resolved" ] && nginx -t -q -c "$conf" && kill -HUP "$router_pid"; then
      echo "wtfb: an upstream container's address changed; router reloaded"
      resolved=$now
    fi
  fi
done
echo "wtfb: nginx exited" >&2
kill -QUIT "$edge_pid" "$router_pid" 2>/dev/null
sleep 1
kill "$access_tail" "$error_tail" 2>/dev/null
exit 1
`;

/**
 * Command of the one-off routing container: checks the new nginx.conf and routing.conf with nginx -t (on the
 * environment's network, so every upstream container name must resolve), moves each atomically into the routing
 * volume, names the pair in `published`, then waits until a running proxy has loaded it (none yet: nothing to wait
 * for). Environment: WTFB_ROUTING_DIR, WTFB_CHECK_DIR, WTFB_ROUTING_TIMEOUT_SECONDS, WTFB_PROXY_CONTAINER (the proxy containers' name
 * before their generation, for messages).
 */
export const ROUTING_PUBLISH_SCRIPT = `set -eu
nginx -t -q -c "$WTFB_CHECK_DIR/nginx.conf"
for file in nginx.conf routing.conf; do
  cp "$WTFB_CHECK_DIR/$file" "$WTFB_ROUTING_DIR/.$file.next"
  mv -f "$WTFB_ROUTING_DIR/.$file.next" "$WTFB_ROUTING_DIR/$file"
done
want=$(cat "$WTFB_ROUTING_DIR/nginx.conf" "$WTFB_ROUTING_DIR/routing.conf" | cksum | tr ' ' '-')
echo "$want" > "$WTFB_ROUTING_DIR/.${PUBLISHED_FILE}.next"
mv -f "$WTFB_ROUTING_DIR/.${PUBLISHED_FILE}.next" "$WTFB_ROUTING_DIR/${PUBLISHED_FILE}"
echo "wtfb: routing published ($want):"
cat "$WTFB_ROUTING_DIR/routing.conf"
if [ -f "$WTFB_ROUTING_DIR/${APPLIED_FILE}" ]; then
  waited=0
  until [ "$(cat "$WTFB_ROUTING_DIR/${APPLIED_FILE}" 2>/dev/null)" = "$want" ]; do
    if [ "$waited" -ge "$WTFB_ROUTING_TIMEOUT_SECONDS" ]; then
      echo "wtfb: the proxy did not load the new routing within $WTFB_ROUTING_TIMEOUT_SECONDS seconds; see its logs: docker ps --filter name=$WTFB_PROXY_CONTAINER, then docker logs <name>" >&2
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "wtfb: the proxy serves the new routing"
fi
`;

/**
 * Command of the one-off backup container. The file name's timestamp is taken when the container runs. With
 * arguments, runs them as the backup command (it must write $BACKUP_FILE); without, dumps $WTFB_DATABASE_URL with
 * pg_dump. Fails when no non-empty dump exists afterwards, then keeps the newest $WTFB_BACKUPS_KEPT dumps.
 * Environment: WTFB_BACKUP_DIR, WTFB_BACKUP_PREFIX, WTFB_RELEASE_VERSION, WTFB_BACKUPS_KEPT (and WTFB_DATABASE_URL
 * for pg_dump).
 */
export const BACKUP_SCRIPT = `set -eu
stamp=$(date -u +%Y%m%dT%H%M%SZ)
BACKUP_FILE="$WTFB_BACKUP_DIR/$WTFB_BACKUP_PREFIX-$stamp-$WTFB_RELEASE_VERSION.dump"
export BACKUP_FILE
if [ "$#" -gt 0 ]; then
  "$@"
else
  pg_dump --format=custom --no-owner --file="$BACKUP_FILE.partial" --dbname="$WTFB_DATABASE_URL"
  mv "$BACKUP_FILE.partial" "$BACKUP_FILE"
fi
if [ ! -s "$BACKUP_FILE" ]; then
  echo "wtfb: backup failed: $BACKUP_FILE is missing or empty" >&2
  exit 1
fi
echo "wtfb: backup written: $BACKUP_FILE ($(wc -c < "$BACKUP_FILE") bytes)"
ls -1t "$WTFB_BACKUP_DIR/$WTFB_BACKUP_PREFIX"-*.dump | tail -n +$((WTFB_BACKUPS_KEPT + 1)) | while read -r old; do
  rm -f -- "$old"
  echo "wtfb: removed old backup $old"
done
`;
