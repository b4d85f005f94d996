# shellcheck shell=bash
# shellcheck disable=SC2094 # HOST_LOCK is removed while held, by the last node to stop
# The host-wide settings a real node changes, shared by the two slots' nodes (sourced by
# node/start.sh and node/stop.sh after common.sh): the first node to start saves them, the last
# to stop restores them, each holding HOST_LOCK. A save that a crash left (no node running) is
# kept: it, not the host, holds the settings as they were.
save_host() {
  (
    flock 9
    [ -d "$HOST_SAVED" ] && exit 0
    mkdir -p "$HOST_SAVED.new"
    for s in "${SYSCTLS[@]}"; do echo "$s $(sysctl -n "$s")"; done >"$HOST_SAVED.new/sysctls"
    for p in "${HOST_PATHS[@]}"; do [ -e "$p" ] || echo "$p"; done >"$HOST_SAVED.new/absent"
    mv "$HOST_SAVED.new" "$HOST_SAVED"
    log "saved the host's sysctls and paths in $HOST_SAVED"
  ) 9>>"$HOST_LOCK"
}

# restore_host_if_last: exits 1 if something could not be restored (logged).
restore_host_if_last() {
  (
    flock 9
    for other in "${ALL_SLOT_LOCKS[@]}"; do
      if [ "$other" != "$LOCK" ] && [ -e "$other" ] && ! flock -n "$other" true; then
        log "the real node of $(cat "$other" 2>/dev/null) still runs: it restores the host's sysctls and paths when it stops"
        exit 0
      fi
    done
    [ -d "$HOST_SAVED" ] || exit 0
    rc=0
    while read -r key val; do
      [ "$(sysctl -n "$key")" = "$val" ] && continue
      if sysctl -qw "$key=$val"; then log "sysctl $key restored to $val"; else log "cannot restore sysctl $key=$val"; rc=1; fi
    done <"$HOST_SAVED/sysctls"
    rm -f /var/lib/kubelet/device-plugins/kubelet.sock /var/lib/kubelet/device-plugins/kubelet_internal_checkpoint
    while read -r p; do
      [ -e "$p" ] || continue
      find "$p" -depth -type d -empty -delete 2>/dev/null
      [ -e "$p" ] && log "$p: created while the node ran, left in place (not ours, e.g. another containerd): $(find "$p" -mindepth 1 | head -3 | tr '\n' ' ')"
    done <"$HOST_SAVED/absent"
    rm -rf "$HOST_SAVED"
    log "the host's sysctls and paths restored"
    rm -f "$HOST_LOCK" # while held, as the host had no such file: the next node to start makes it again
    exit $rc
  ) 9>>"$HOST_LOCK"
}
