#!/usr/bin/env bash
# Capture golden rtnetlink bytes: the exact datagrams iproute2 sends and the
# kernel answers, written to test/fixtures/golden/NAME.json.
#
# Usage (as root):  scripts/capture-golden.sh [SCENARIO_NAME...]
#   With no arguments every scenario is captured; otherwise only the named ones.
#
# Safety: every scenario (setup and captured command) runs inside its own
# throwaway anonymous network namespace (`unshare -n`), which disappears when
# the scenario's shell exits. Nothing is ever run against the host namespace,
# and no named namespaces (`ip netns add`) are used. Each runner also refuses to
# start if it finds itself in the host's network namespace.
#
# Requirements: root, iproute2 at /usr/sbin/ip, strace at /usr/bin/strace,
# unshare (util-linux), node >= 18 (for scripts/capture-golden.mjs).
set -euo pipefail

IP=/usr/sbin/ip
STRACE=/usr/bin/strace
NODE=${NODE:-node}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
outdir="$root/test/fixtures/golden"
parser="$here/capture-golden.mjs"

[[ $(id -u) -eq 0 ]] || { echo "must run as root (unshare -n needs CAP_SYS_ADMIN)" >&2; exit 1; }
[[ -x $IP ]] || { echo "missing $IP" >&2; exit 1; }
[[ -x $STRACE ]] || { echo "missing $STRACE" >&2; exit 1; }

kernel=$(uname -r)
# "ip utility, iproute2-6.1.0, libbpf 1.1.2" -> "iproute2-6.1.0"
iproute2=$("$IP" -V | grep -o 'iproute2-[^ ,]*')
host_netns=$(readlink /proc/self/ns/net)

tmp=$(mktemp -d /tmp/capture-golden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$outdir"

# sendto is included: iproute2 sends some requests (e.g. the RTM_NEWLINK probe
# before `ip link add`, dump requests) with sendto() rather than sendmsg().
# socket/close let the parser tell NETLINK_ROUTE sockets from other fds.
# -e write=all / -e read=all make strace hex-dump the complete payload of each
# call, which is where the bytes are taken from (netlink payloads are otherwise
# decoded structurally by strace, not printed as "\x.." strings).
STRACE_OPTS=(-f -e trace=socket,close,sendto,sendmsg,recvmsg,recvfrom
  -e write=all -e read=all -xx -s 65536)

want=("$@")
selected() {
  [[ ${#want[@]} -eq 0 ]] && return 0
  local w
  for w in "${want[@]}"; do [[ $w == "$1" ]] && return 0; done
  return 1
}

failures=0

# scenario NAME EXPECT COMMAND [SETUP...]
#   EXPECT: ok   - the captured command must exit 0
#           fail - the captured command must exit non-zero (error-reply fixtures)
scenario() {
  local name=$1 expect=$2 command=$3
  shift 3
  local -a setup=("$@")
  selected "$name" || return 0

  [[ $command == "ip "* ]] || { echo "$name: command must start with 'ip '" >&2; exit 1; }
  local runner="$tmp/$name.sh" trace="$tmp/$name.strace" rcfile="$tmp/$name.rc" outfile="$tmp/$name.out"
  {
    echo 'set -euo pipefail'
    echo 'export PATH=/usr/sbin:/usr/bin:/sbin:/bin'
    # Refuse to touch the host namespace.
    printf '[[ $(readlink /proc/self/ns/net) != %q ]] || { echo "still in host netns, aborting" >&2; exit 99; }\n' "$host_netns"
    local s
    for s in "${setup[@]}"; do echo "$s"; done
    echo 'set +e'
    printf '%q' "$STRACE"
    printf ' %q' -o "$trace" "${STRACE_OPTS[@]}" "$IP"
    printf ' %s' "${command#ip }"
    printf ' >%q 2>&1\n' "$outfile"
    printf 'echo $? >%q\n' "$rcfile"
  } >"$runner"

  echo "== $name: $command"
  if ! unshare -n bash "$runner"; then
    echo "$name: setup failed" >&2
    failures=$((failures + 1))
    return 0
  fi
  local rc
  rc=$(cat "$rcfile")
  sed 's/^/   ip> /' "$outfile" | head -n 5
  if [[ $expect == ok && $rc -ne 0 ]] || [[ $expect == fail && $rc -eq 0 ]]; then
    echo "$name: expected '$expect' but ip exited $rc" >&2
    failures=$((failures + 1))
    return 0
  fi
  local -a setup_args=()
  for s in "${setup[@]}"; do setup_args+=(--setup "$s"); done
  if ! "$NODE" "$parser" --name "$name" --command "$command" "${setup_args[@]}" \
    --kernel "$kernel" --iproute2 "$iproute2" --trace "$trace" --out "$outdir/$name.json"; then
    cp "$trace" "/tmp/capture-golden-$name.strace" 2>/dev/null || true
    echo "$name: parse failed (strace log kept at /tmp/capture-golden-$name.strace)" >&2
    failures=$((failures + 1))
  fi
}

VETH='ip link add v0 type veth peer name v1'
BRIDGE='ip link add br0 type bridge'
V0UP='ip link set dev v0 up'

# ---- links ----------------------------------------------------------------
scenario link-add-veth ok 'ip link add v0 type veth peer name v1'
scenario link-add-veth-peer-opts ok \
  'ip link add v0 mtu 1400 address 02:00:00:00:00:01 type veth peer name v1 mtu 1300 address 02:00:00:00:00:02'
scenario link-add-bridge ok 'ip link add br0 type bridge'
scenario link-add-macvlan ok 'ip link add mv0 link v0 type macvlan mode bridge' "$VETH"
scenario link-add-vxlan ok 'ip link add vx0 type vxlan id 42 dstport 4789 local 10.1.1.1 ttl 64 nolearning'
scenario link-add-ifb ok 'ip link add ifbx type ifb'
# `ip tuntap add` creates the device with open(/dev/net/tun) + ioctl(TUNSETIFF)
# + ioctl(TUNSETPERSIST): no rtnetlink traffic at all. Capture a GETLINK of the
# resulting device instead.
scenario link-get-tun ok 'ip link show tun0' 'ip tuntap add dev tun0 mode tun'
scenario link-add-dummy-eopnotsupp fail 'ip link add d0 type dummy'
scenario link-add-exists-eexist fail 'ip link add br0 type bridge' "$BRIDGE"
scenario link-set ok \
  'ip link set dev v0 up mtu 1400 address 02:00:00:00:00:09 alias hello txqueuelen 500 master br0' \
  "$VETH" "$BRIDGE"
scenario link-set-nomaster ok 'ip link set dev v0 nomaster' \
  "$VETH" "$BRIDGE" 'ip link set dev v0 master br0'
scenario link-set-name ok 'ip link set dev v0 name v0renamed' "$VETH" 'ip link set dev v0 down'
scenario link-del ok 'ip link del v0' "$VETH"
scenario link-get-lo ok 'ip link show lo'
scenario link-dump ok 'ip link show' \
  "$VETH" "$BRIDGE" 'ip link set dev v0 master br0' 'ip link set dev br0 up' "$V0UP"

# ---- addresses ------------------------------------------------------------
scenario addr-add-v4 ok 'ip addr add 10.0.0.1/24 dev v0' "$VETH" "$V0UP"
scenario addr-add-v4-full ok \
  'ip addr add 10.0.1.1/24 brd + dev v0 label v0:1 scope link valid_lft 100 preferred_lft 50' \
  "$VETH" "$V0UP"
scenario addr-add-v4-peer ok 'ip addr add 10.0.2.1 peer 10.0.2.2/32 dev v0' "$VETH" "$V0UP"
scenario addr-add-v6 ok 'ip -6 addr add 2001:db8::1/64 dev v0 nodad noprefixroute' "$VETH" "$V0UP"
scenario addr-add-v6-lft ok \
  'ip -6 addr add 2001:db8:1::1/64 dev v0 nodad valid_lft 3600 preferred_lft 1800' "$VETH" "$V0UP"
scenario addr-del-v4 ok 'ip addr del 10.0.0.1/24 dev v0' \
  "$VETH" "$V0UP" 'ip addr add 10.0.0.1/24 dev v0'
ADDRS=("$VETH" "$V0UP" 'ip link set dev lo up'
  'ip addr add 10.0.0.1/24 dev v0'
  'ip addr add 10.0.1.1/24 brd + dev v0 label v0:1'
  'ip -6 addr add 2001:db8::1/64 dev v0 nodad'
  'ip -6 addr add 2001:db8:1::1/64 dev v0 nodad valid_lft 3600 preferred_lft 1800')
scenario addr-dump ok 'ip addr show' "${ADDRS[@]}"
scenario addr-dump-v4 ok 'ip -4 addr show dev v0' "${ADDRS[@]}"

# ---- kernel-side errors with extended ACKs -----------------------------------
# Message + offset (+ policy): attribute fails the policy's range check.
scenario link-set-gso-max-size-range-extack fail 'ip link set dev v0 gso_max_size 10' "$VETH"
# Message + offset: vxlan_validate() points at the nested IFLA_VXLAN_PORT_RANGE.
scenario link-add-vxlan-port-range-extack fail \
  'ip link add vx1 type vxlan id 5 dstport 4789 srcport 2000 1000'
# Message only.
scenario link-set-mtu-too-big-extack fail 'ip link set dev v0 mtu 100000' "$VETH"
scenario addr-add-v6-multicast-extack fail 'ip -6 addr add ff02::5/64 dev v0' "$VETH" "$V0UP"
scenario addr-del-v4-missing-extack fail 'ip addr del 10.9.9.9/24 dev v0' "$VETH" "$V0UP"

if [[ $failures -ne 0 ]]; then
  echo "$failures scenario(s) FAILED" >&2
  exit 1
fi
echo "all scenarios captured into $outdir"
