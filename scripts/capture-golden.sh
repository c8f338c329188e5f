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
# Requirements: root, iproute2 at /usr/sbin/ip and /usr/sbin/bridge, strace at /usr/bin/strace,
# unshare (util-linux), node >= 18 (for scripts/capture-golden.mjs).
set -euo pipefail

IP=/usr/sbin/ip
BRIDGE_TOOL=/usr/sbin/bridge
TC=/usr/sbin/tc
STRACE=/usr/bin/strace
NODE=${NODE:-node}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
outdir="$root/test/fixtures/golden"
parser="$here/capture-golden.mjs"

[[ $(id -u) -eq 0 ]] || { echo "must run as root (unshare -n needs CAP_SYS_ADMIN)" >&2; exit 1; }
[[ -x $IP ]] || { echo "missing $IP" >&2; exit 1; }
[[ -x $BRIDGE_TOOL ]] || { echo "missing $BRIDGE_TOOL" >&2; exit 1; }
[[ -x $TC ]] || { echo "missing $TC" >&2; exit 1; }
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

# How each scenario's shell is isolated: a network namespace of its own. The
# namespace-id scenarios widen it to a mount namespace too (see below).
UNSHARE=(unshare -n)

# scenario NAME EXPECT COMMAND [SETUP...]
#   EXPECT: ok   - the captured command must exit 0
#           fail - the captured command must exit non-zero (error-reply fixtures)
scenario() {
  local name=$1 expect=$2 command=$3
  shift 3
  local -a setup=("$@")
  selected "$name" || return 0

  # The captured tool: iproute2's `ip`, its `bridge` (fdb, vlan, link) or `tc` (traffic control).
  local tool
  case $command in
    "ip "*) tool=$IP ;;
    "bridge "*) tool=$BRIDGE_TOOL ;;
    "tc "*) tool=$TC ;;
    *) echo "$name: command must start with 'ip ', 'bridge ' or 'tc '" >&2; exit 1 ;;
  esac
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
    printf ' %q' -o "$trace" "${STRACE_OPTS[@]}" "$tool"
    printf ' %s' "${command#* }"
    printf ' >%q 2>&1\n' "$outfile"
    printf 'echo $? >%q\n' "$rcfile"
  } >"$runner"

  echo "== $name: $command"
  if ! "${UNSHARE[@]}" bash "$runner"; then
    echo "$name: setup failed" >&2
    failures=$((failures + 1))
    return 0
  fi
  local rc
  rc=$(cat "$rcfile")
  sed 's/^/   out> /' "$outfile" | head -n 5
  if [[ $expect == ok && $rc -ne 0 ]] || [[ $expect == fail && $rc -eq 0 ]]; then
    echo "$name: expected '$expect' but ${command%% *} exited $rc" >&2
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
# Kinds this kernel lacks (CONFIG_IPVLAN, CONFIG_NET_IPGRE, ... are off): the
# kernel refuses them with EOPNOTSUPP "Unknown device type", but the request
# bytes are what the encoder must match. `dev v0`/`link v0`/`primary v0` are
# resolved by ip to v0's index (3) before it sends.
scenario link-add-ipvlan fail 'ip link add ipv0 link v0 type ipvlan mode l3s private' "$VETH"
scenario link-add-gre fail \
  'ip link add gre1 type gre remote 192.0.2.2 local 192.0.2.1 ttl 64 tos 0x10 ikey 100 okey 200 iseq ocsum dev v0 fwmark 7 ignore-df' "$VETH"
scenario link-add-gretap fail \
  'ip link add gtap1 type gretap remote 192.0.2.2 key 7 csum encap fou encap-sport 5555 encap-dport 6666 encap-csum'
scenario link-add-gretap-external fail 'ip link add gtap2 type gretap external'
scenario link-add-ip6gre fail \
  'ip link add g6 type ip6gre remote 2001:db8::2 local 2001:db8::1 hoplimit 32 flowlabel 0x12345 encaplimit 4 key 9 tclass 0x20'
scenario link-add-ip6gretap fail 'ip link add g6t type ip6gretap remote 2001:db8::2 seq'
scenario link-add-ipip fail 'ip link add ipip1 type ipip remote 192.0.2.2 local 192.0.2.1 ttl 32 tos 0x04 dev v0' "$VETH"
scenario link-add-ipip-nopmtudisc fail 'ip link add ipip2 type ipip remote 192.0.2.2 nopmtudisc'
scenario link-add-gre-inherit fail 'ip link add g10 type gre tos inherit ttl inherit'
scenario link-add-ip6gre-dev fail 'ip link add g9 type ip6gre dev v0 remote 2001:db8::9' "$VETH"
scenario link-add-ipip-external fail 'ip link add i3 type ipip external'
scenario link-add-ip6gre-external fail 'ip link add g8 type ip6gre external'
scenario link-add-ip6tnl-inherit fail \
  'ip link add t8 type ip6tnl dev v0 tclass inherit flowlabel inherit dscp inherit fwmark inherit allow-localremote' "$VETH"
scenario link-add-sit fail 'ip link add sit1 type sit remote 192.0.2.2 mode ip6ip isatap'
scenario link-add-sit-6rd fail 'ip link add sit2 type sit local 192.0.2.1 6rd-prefix 2001:db8::/32 6rd-relay_prefix 192.0.2.0/24'
scenario link-add-ip6tnl fail \
  'ip link add t6 type ip6tnl remote 2001:db8::2 local 2001:db8::1 mode ip6ip6 hoplimit 40 encaplimit none'
scenario link-add-geneve fail \
  'ip link add gnv0 type geneve id 10 remote 192.0.2.2 ttl 20 tos 0x08 dstport 6082 noudpcsum df set'
scenario link-add-geneve6 fail 'ip link add gnv6 type geneve id 11 remote 2001:db8::2 flowlabel 0x5 udp6zerocsumtx ttl inherit'
scenario link-add-wireguard fail 'ip link add wg0 type wireguard'
# iproute2 6.1 predates netkit's options (6.7): only the bare kind can be captured here.
scenario link-add-netkit fail 'ip link add nk0 type netkit'
scenario link-add-bond fail \
  'ip link add b0 type bond mode 802.3ad miimon 100 updelay 200 downdelay 200 xmit_hash_policy layer3+4 min_links 2 lacp_rate fast ad_select bandwidth'
scenario link-add-bond-primary fail \
  'ip link add b1 type bond mode active-backup miimon 50 primary v0 primary_reselect better fail_over_mac active' "$VETH"
# ip 6.1 writes most vxlan options in the order given, then id, addresses,
# learning and dstport: these commands give them in netnest's order.
scenario link-add-vxlan-more ok \
  'ip link add vx2 type vxlan id 7 remote 192.0.2.9 dev v0 dstport 4789 ttl inherit tos 0x10 df set maxaddress 100 proxy rsc l2miss l3miss noudpcsum gbp' "$VETH"
scenario link-add-vxlan-external ok \
  'ip link add vx3 type vxlan dstport 4790 udp6zerocsumtx udp6zerocsumrx remcsumtx remcsumrx external'
# The kernel's report of a vxlan with most of its options (vxlan is the one new kind this kernel has).
scenario link-get-vxlan ok 'ip -d link show vx5' "$VETH" \
  'ip link add vx5 type vxlan id 77 remote 2001:db8::7 local 2001:db8::1 dev v0 dstport 4790 ttl inherit tos 0x20 df set flowlabel 0x99 maxaddress 50 ageing 120 srcport 1000 2000 proxy l2miss noudpcsum udp6zerocsumtx remcsumrx gbp'
scenario link-add-vxlan-v6 ok 'ip link add vx4 type vxlan id 8 group ff05::1 dev v0 dstport 4789 ttl 5 flowlabel 0x77' "$VETH"
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

# ---- routes -----------------------------------------------------------------
# A veth pair, both ends up, v0 with 10.0.0.1/24 and 2001:db8::1/64 (nodad, so
# usable at once): gateways 10.0.0.2/10.0.0.3 and 2001:db8::2/::3 are on-link.
# addrgenmode none: no link-local addresses, so no DAD completes (and adds
# routes) in the background while a command is captured; dumps are repeatable.
NET=("$VETH" 'ip link set dev v0 addrgenmode none' 'ip link set dev v1 addrgenmode none'
  'ip link set dev lo up' "$V0UP" 'ip link set dev v1 up'
  'ip addr add 10.0.0.1/24 dev v0' 'ip -6 addr add 2001:db8::1/64 dev v0 nodad')
scenario route-add-v4-gw ok 'ip route add 20.0.0.0/24 via 10.0.0.2' "${NET[@]}"
scenario route-add-v4-dev-table ok 'ip route add 20.0.1.0/24 dev v0 table 100 metric 5 proto static' "${NET[@]}"
scenario route-add-v4-table-big ok 'ip route add 20.0.2.0/24 via 10.0.0.2 table 1000' "${NET[@]}"
scenario route-add-v4-multipath ok \
  'ip route add 20.0.3.0/24 nexthop via 10.0.0.2 weight 1 nexthop via 10.0.0.3 weight 3' "${NET[@]}"
scenario route-add-v4-metrics ok \
  'ip route add 20.0.4.0/24 via 10.0.0.2 mtu 1400 advmss 1360 window 65535 rtt 100ms hoplimit 32 initcwnd 10 initrwnd 20 quickack 1 congctl cubic' \
  "${NET[@]}"
scenario route-add-v4-metrics-lock ok 'ip route add 20.0.4.0/24 via 10.0.0.2 mtu lock 1400' "${NET[@]}"
scenario route-add-v4-blackhole ok 'ip route add blackhole 20.0.5.0/24' "${NET[@]}"
scenario route-add-v4-unreachable ok 'ip route add unreachable 20.0.6.0/24' "${NET[@]}"
scenario route-add-v4-prohibit ok 'ip route add prohibit 20.0.7.0/24' "${NET[@]}"
scenario route-add-v4-throw ok 'ip route add throw 20.0.8.0/24 table 100' "${NET[@]}"
scenario route-add-v4-onlink ok 'ip route add 20.0.9.0/24 via 192.0.2.1 dev v0 onlink' "${NET[@]}"
scenario route-add-v4-via-v6 ok 'ip route add 20.0.10.0/24 via inet6 2001:db8::2 dev v0' "${NET[@]}"
scenario route-add-v4-prefsrc-tos ok 'ip route add 20.0.11.0/24 via 10.0.0.2 src 10.0.0.1 tos 0x10' "${NET[@]}"
scenario route-add-v6 ok 'ip -6 route add 2001:db8:1::/64 via 2001:db8::2' "${NET[@]}"
scenario route-add-v6-expires-pref ok \
  'ip -6 route add 2001:db8:2::/64 via 2001:db8::2 expires 300 pref high' "${NET[@]}"
scenario route-add-v6-multipath ok \
  'ip -6 route add 2001:db8:3::/64 nexthop via 2001:db8::2 nexthop via 2001:db8::3' "${NET[@]}"
# replace/append/prepend against an existing route to the same prefix and metric.
R12='ip route add 20.0.12.0/24 via 10.0.0.3 metric 10'
scenario route-replace ok 'ip route replace 20.0.12.0/24 via 10.0.0.2 metric 10' "${NET[@]}" "$R12"
scenario route-append ok 'ip route append 20.0.12.0/24 via 10.0.0.2 metric 10' "${NET[@]}" "$R12"
scenario route-prepend ok 'ip route prepend 20.0.12.0/24 via 10.0.0.2 metric 10' "${NET[@]}" "$R12"
R0='ip route add 20.0.0.0/24 via 10.0.0.2'
scenario route-del ok 'ip route del 20.0.0.0/24 via 10.0.0.2' "${NET[@]}" "$R0"
scenario route-get ok 'ip route get 20.0.0.5' "${NET[@]}" "$R0"
scenario route-get-fibmatch ok 'ip route get fibmatch 20.0.0.5' "${NET[@]}" "$R0"
ROUTES=("${NET[@]}" "$R0"
  'ip route add 20.0.1.0/24 dev v0 table 100 metric 5 proto static'
  'ip route add throw 20.0.8.0/24 table 100'
  'ip route add 20.0.2.0/24 via 10.0.0.2 table 1000'
  'ip route add 20.0.3.0/24 nexthop via 10.0.0.2 weight 1 nexthop via 10.0.0.3 weight 3'
  'ip route add 20.0.4.0/24 via 10.0.0.2 mtu lock 1400 advmss 1360 initcwnd 10 congctl cubic'
  'ip route add blackhole 20.0.5.0/24'
  'ip route add 20.0.10.0/24 via inet6 2001:db8::2 dev v0'
  'ip -6 route add 2001:db8:1::/64 via 2001:db8::2'
  'ip -6 route add 2001:db8:2::/64 via 2001:db8::2 expires 300 pref high'
  'ip -6 route add 2001:db8:3::/64 nexthop via 2001:db8::2 nexthop via 2001:db8::3')
scenario route-dump-all ok 'ip route show table all' "${ROUTES[@]}"
scenario route-dump-v6 ok 'ip -6 route show' "${ROUTES[@]}"
scenario route-dump-table ok 'ip route show table 100' "${ROUTES[@]}"
# Errors.
scenario route-add-exists-eexist fail 'ip route add 20.0.0.0/24 via 10.0.0.2' "${NET[@]}" "$R0"
scenario route-add-gw-unreachable-extack fail 'ip route add 20.0.20.0/24 via 192.0.2.77' "${NET[@]}"
scenario route-del-missing-esrch fail 'ip route del 20.0.99.0/24' "${NET[@]}"
scenario route-add-bad-prefix-extack fail 'ip route add 20.0.51.1/24 via 10.0.0.2' "${NET[@]}"
scenario route-add-encap-mpls-extack fail 'ip route add 20.0.52.0/24 encap mpls 100 via 10.0.0.2' "${NET[@]}"
scenario route-add-nhid-missing-extack fail 'ip route add 20.0.54.0/24 nhid 99' "${NET[@]}"
scenario route-add-host-scope-gw-extack fail 'ip route add 20.0.57.0/24 dev v0 scope host via 10.0.0.2' "${NET[@]}"
scenario route-add-tos-ecn-extack fail 'ip route add 20.0.70.0/24 via 10.0.0.2 tos 0x03' "${NET[@]}"

# ---- rules ------------------------------------------------------------------
scenario rule-add-full ok \
  'ip rule add priority 100 not from 10.0.0.0/8 to 20.0.0.0/8 tos 0x10 fwmark 0x5/0xff iif v0 oif v1 uidrange 1000-2000 ipproto tcp sport 1000-2000 dport 80 protocol static lookup 100' \
  "${NET[@]}"
scenario rule-add-l3mdev ok 'ip rule add l3mdev pref 150'
scenario rule-add-tun-id ok 'ip rule add tun_id 7 lookup 100 pref 160'
scenario rule-add-suppress-prefixlength ok 'ip rule add lookup main suppress_prefixlength 0 pref 170'
scenario rule-add-suppress-ifgroup ok 'ip rule add lookup main suppress_ifgroup 5 pref 180'
scenario rule-add-goto ok 'ip rule add goto 200 pref 190' 'ip rule add nop pref 200'
scenario rule-add-nop ok 'ip rule add nop pref 200'
scenario rule-add-blackhole ok 'ip rule add blackhole pref 210'
scenario rule-add-unreachable ok 'ip rule add unreachable pref 220'
scenario rule-add-prohibit ok 'ip rule add prohibit pref 230'
scenario rule-add-realms ok 'ip rule add from 10.1.0.0/16 realms 3 lookup 100 pref 240'
scenario rule-add-v6 ok 'ip -6 rule add from 2001:db8::/32 table 1000'
scenario rule-del-priority ok 'ip rule del priority 100' 'ip rule add priority 100 from 10.0.0.0/8 lookup 100'
scenario rule-del-selector ok 'ip rule del from 10.0.0.0/8 lookup 100' 'ip rule add from 10.0.0.0/8 lookup 100'
RULES=("${NET[@]}"
  'ip rule add priority 100 not from 10.0.0.0/8 to 20.0.0.0/8 tos 0x10 fwmark 0x5/0xff iif v0 oif v1 uidrange 1000-2000 ipproto tcp sport 1000-2000 dport 80 protocol static lookup 100'
  'ip rule add l3mdev pref 150'
  'ip rule add tun_id 7 lookup 100 pref 160'
  'ip rule add lookup main suppress_prefixlength 0 suppress_ifgroup 5 pref 170'
  'ip rule add goto 200 pref 190'
  'ip rule add nop pref 200'
  'ip rule add blackhole pref 210'
  'ip rule add from 10.1.0.0/16 realms 3 lookup 100 pref 240'
  'ip -6 rule add from 2001:db8::/32 table 1000'
  'ip -6 rule add to 2001:db8:1::/48 iif v0 prohibit pref 300')
scenario rule-dump ok 'ip rule show' "${RULES[@]}"
scenario rule-dump-v6 ok 'ip -6 rule show' "${RULES[@]}"
# Errors.
R100='ip rule add priority 100 from 10.0.0.0/8 lookup 100'
scenario rule-add-exists-eexist fail 'ip rule add priority 100 from 10.0.0.0/8 lookup 100' "$R100"
scenario rule-del-missing-enoent fail 'ip rule del priority 999'
scenario rule-add-goto-backward-extack fail 'ip rule add goto 50 pref 100'
scenario rule-add-tos-ecn-extack fail 'ip rule add tos 0x03 lookup 100'

# ---- neighbours -------------------------------------------------------------
scenario neigh-add-permanent ok 'ip neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent' "${NET[@]}"
scenario neigh-add-v6-stale ok 'ip -6 neigh add 2001:db8::2 lladdr 02:00:00:00:00:02 dev v0 nud stale' "${NET[@]}"
scenario neigh-replace-reachable ok \
  'ip neigh replace 10.0.0.3 lladdr 02:00:00:00:00:03 dev v0 nud reachable' "${NET[@]}"
scenario neigh-add-noarp ok 'ip neigh add 10.0.0.4 lladdr 02:00:00:00:00:04 dev v0 nud noarp' "${NET[@]}"
scenario neigh-add-proxy ok 'ip neigh add proxy 10.0.0.50 dev v0' "${NET[@]}"
N2='ip neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent'
scenario neigh-del ok 'ip neigh del 10.0.0.2 dev v0' "${NET[@]}" "$N2"
NEIGHS=("${NET[@]}" "$N2"
  'ip -6 neigh add 2001:db8::2 lladdr 02:00:00:00:00:02 dev v0 nud stale'
  'ip neigh replace 10.0.0.3 lladdr 02:00:00:00:00:03 dev v0 nud reachable'
  'ip neigh add 10.0.0.4 lladdr 02:00:00:00:00:04 dev v0 nud noarp'
  'ip neigh add proxy 10.0.0.50 dev v0'
  'ip -6 neigh add proxy 2001:db8::50 dev v0')
scenario neigh-dump ok 'ip neigh show' "${NEIGHS[@]}"
scenario neigh-dump-proxy ok 'ip neigh show proxy' "${NEIGHS[@]}"
# Errors.
scenario neigh-add-exists-eexist fail 'ip neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent' \
  "${NET[@]}" "$N2"
scenario neigh-del-missing-enoent fail 'ip neigh del 10.0.0.99 dev v0' "${NET[@]}"

# ---- nexthops ---------------------------------------------------------------
NH1='ip nexthop add id 1 via 10.0.0.2 dev v0'
NH2='ip nexthop add id 2 via 2001:db8::2 dev v0'
NH4='ip nexthop add id 4 via 10.0.0.4 dev v0'
NH5='ip nexthop add id 5 via 10.0.0.3 dev v0'
# iproute2's group syntax is ID[,WEIGHT][/ID[,WEIGHT]...]: `group 1,2/4,5` is
# id 1 with weight 2 and id 4 with weight 5, so ids 1 and 4 must exist.
NH10='ip nexthop add id 10 group 1,2/4,5'
scenario nexthop-add ok "$NH1" "${NET[@]}"
scenario nexthop-add-v6 ok "$NH2" "${NET[@]}"
scenario nexthop-add-blackhole ok 'ip nexthop add id 3 blackhole' "${NET[@]}"
scenario nexthop-add-group ok "$NH10" "${NET[@]}" "$NH1" "$NH2" "$NH4" "$NH5"
scenario nexthop-add-resilient ok 'ip nexthop add id 11 group 1/5 type resilient buckets 8 idle_timer 60' \
  "${NET[@]}" "$NH1" "$NH5"
scenario route-add-nhid ok 'ip route add 20.0.30.0/24 nhid 10' "${NET[@]}" "$NH1" "$NH4" "$NH10"
scenario nexthop-del ok 'ip nexthop del id 3' "${NET[@]}" 'ip nexthop add id 3 blackhole'
NEXTHOPS=("${NET[@]}" "$NH1" "$NH2" 'ip nexthop add id 3 blackhole' "$NH4" "$NH5" "$NH10"
  'ip nexthop add id 11 group 1/5 type resilient buckets 8 idle_timer 60')
scenario nexthop-dump ok 'ip nexthop show' "${NEXTHOPS[@]}"
scenario nexthop-get ok 'ip nexthop get id 1' "${NEXTHOPS[@]}"
# Errors. The group command as first written (only ids 1, 2 and 5 exist: id 4 is missing).
scenario nexthop-add-group-missing-extack fail "$NH10" "${NET[@]}" "$NH1" "$NH2" "$NH5"
scenario nexthop-add-group-dup-extack fail 'ip nexthop add id 12 group 1/1' "${NET[@]}" "$NH1"
scenario nexthop-add-exists-eexist fail "$NH1" "${NET[@]}" "$NH1"
scenario nexthop-del-missing-enoent fail 'ip nexthop del id 99' "${NET[@]}"

# ---- bridge: port options, bridge options, vlans, fdb ------------------------
# Fixed MAC addresses, so dumps are the same on every run; links stay down and
# have no IPv6 link-local addresses, so nothing is learned and no multicast
# address comes or goes while a command is captured. Ifindexes: lo 1, br0 2,
# v1 3, v0 4, vx0 5.
BR=('ip link add br0 address 02:00:00:00:0b:00 type bridge'
  'ip link add v0 address 02:00:00:00:01:00 type veth peer name v1 address 02:00:00:00:01:01'
  'ip link set dev br0 addrgenmode none' 'ip link set dev v0 addrgenmode none' 'ip link set dev v1 addrgenmode none'
  'ip link set dev v0 master br0')
BR_UP=('ip link set dev br0 up' 'ip link set dev v0 up' 'ip link set dev v1 up')
# Port options go in IFLA_LINKINFO { IFLA_INFO_KIND "bridge_slave", IFLA_INFO_SLAVE_DATA },
# as `ip link set type bridge_slave` sends them; `bridge link set` (RTM_SETLINK AF_BRIDGE,
# IFLA_PROTINFO) is captured too, for comparison. Options are given in IFLA_BRPORT_*
# order (ip writes them in the order of its arguments; netnest in that order).
PORT_OPTS='priority 5 cost 7 hairpin on learning off flood off isolated on'
scenario link-set-bridge-slave ok "ip link set dev v0 type bridge_slave state 2 $PORT_OPTS" "${BR[@]}" "${BR_UP[@]}"
scenario bridge-link-set ok "bridge link set dev v0 $PORT_OPTS" "${BR[@]}"
scenario link-get-bridge-port ok 'ip link show dev v0' "${BR[@]}" "ip link set dev v0 type bridge_slave $PORT_OPTS"
# In IFLA_BR_* order.
BR_OPTS='forward_delay 400 ageing_time 1000 stp_state 1 mcast_snooping 0'
scenario link-add-bridge-opts ok "ip link add br1 type bridge $BR_OPTS"
scenario link-get-bridge ok 'ip link show dev br1' "ip link add br1 address 02:00:00:00:0b:01 type bridge $BR_OPTS"
# This kernel has no CONFIG_BRIDGE_VLAN_FILTERING: the requests are what matter.
scenario link-add-bridge-vlan-filtering-eopnotsupp fail 'ip link add br1 type bridge vlan_filtering 1 vlan_default_pvid 10'
scenario bridge-vlan-add-eopnotsupp fail 'bridge vlan add vid 10 dev v0 pvid untagged' "${BR[@]}"
scenario bridge-vlan-add-range-eopnotsupp fail 'bridge vlan add vid 20-30 dev v0' "${BR[@]}"
scenario bridge-vlan-add-self-eopnotsupp fail 'bridge vlan add vid 10 dev br0 self' "${BR[@]}"
scenario bridge-vlan-add-master-eopnotsupp fail 'bridge vlan add vid 10 dev v0 master' "${BR[@]}"
scenario bridge-vlan-del ok 'bridge vlan del vid 10 dev v0' "${BR[@]}"
scenario bridge-vlan-del-range ok 'bridge vlan del vid 20-30 dev v0' "${BR[@]}"
scenario bridge-vlan-show ok 'bridge vlan show' "${BR[@]}"
FDB=("${BR[@]}" 'ip link add vx0 address 02:00:00:00:0c:00 type vxlan id 42 dstport 4789 local 10.1.1.1 nolearning'
  'ip link set dev vx0 addrgenmode none' 'ip link set dev vx0 master br0')
F_AA='bridge fdb add 02:00:00:00:00:aa dev v0 master static'
F_VX2='bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.0.0.2'
scenario fdb-add-master-static ok "$F_AA" "${FDB[@]}"
scenario fdb-add-master ok 'bridge fdb add 02:00:00:00:00:ab dev v0 master' "${FDB[@]}"
scenario fdb-add-permanent ok 'bridge fdb add 02:00:00:00:00:ac dev v0 master permanent' "${FDB[@]}"
# A dynamic entry needs a port that is not disabled (EPERM otherwise): the links are up.
scenario fdb-add-dynamic ok 'bridge fdb add 02:00:00:00:00:af dev v0 master dynamic' "${FDB[@]}" "${BR_UP[@]}"
scenario fdb-add-self ok 'bridge fdb add 02:00:00:00:00:ad dev v0 self' "${FDB[@]}"
scenario fdb-append-vxlan-dst ok "$F_VX2" "${FDB[@]}"
scenario fdb-add-vxlan-full ok \
  'bridge fdb add 02:00:00:00:00:ae dev vx0 dst 10.0.0.4 vni 100 port 4790 via v1 self permanent' "${FDB[@]}"
scenario fdb-replace ok 'bridge fdb replace 02:00:00:00:00:aa dev v0 master static' "${FDB[@]}" "$F_AA"
scenario fdb-del ok 'bridge fdb del 02:00:00:00:00:aa dev v0 master' "${FDB[@]}" "$F_AA"
scenario fdb-del-vxlan-dst ok 'bridge fdb del 00:00:00:00:00:00 dev vx0 dst 10.0.0.2' "${FDB[@]}" "$F_VX2" \
  'bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.0.0.3'
scenario fdb-add-vlan-einval fail 'bridge fdb add 02:00:00:00:00:b0 dev v0 vlan 5 master static' "${FDB[@]}"
scenario fdb-add-exists-eexist fail "$F_AA" "${FDB[@]}" "$F_AA"
scenario fdb-del-missing-enoent fail 'bridge fdb del 02:00:00:00:00:99 dev v0 master' "${FDB[@]}"
FDBS=("${FDB[@]}" "$F_AA" 'bridge fdb add 02:00:00:00:00:ac dev v0 master permanent'
  'bridge fdb add 02:00:00:00:00:ad dev v0 self' "$F_VX2"
  'bridge fdb add 02:00:00:00:00:ae dev vx0 dst 10.0.0.4 vni 100 port 4790 self permanent')
scenario fdb-dump ok 'bridge fdb show' "${FDBS[@]}"
scenario fdb-dump-br ok 'bridge fdb show br br0' "${FDBS[@]}"
scenario fdb-dump-dev ok 'bridge fdb show dev v0' "${FDBS[@]}"
# ---- traffic control (tc) -----------------------------------------------------
# A veth pair (v0 up) and an ifb (ifbx) to redirect to. This kernel has tbf, htb,
# ingress, clsact, u32 and mirred; netem, prio, fq_codel, matchall and flower are
# not compiled in, so their scenarios capture tc's request and the refusal.
TCNET=("$VETH" 'ip link add ifbx type ifb' "$V0UP" 'ip link set dev v1 up')
TBF='tc qdisc add dev v0 root handle 1: tbf rate 1mbit burst 32kbit latency 400ms'
HTB='tc qdisc add dev v0 root handle 1: htb default 10'
HTB10='tc class add dev v0 parent 1: classid 1:10 htb rate 1mbit ceil 2mbit'
INGRESS='tc qdisc add dev v0 ingress'
U32MIRRED='tc filter add dev v0 parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev ifbx'
scenario tc-qdisc-add-tbf ok "$TBF" "${TCNET[@]}"
scenario tc-qdisc-add-tbf-limit-peakrate ok \
  'tc qdisc add dev v0 root handle 2: tbf rate 10mbit burst 10kb limit 30000 peakrate 12mbit mtu 1514 mpu 64' "${TCNET[@]}"
scenario tc-qdisc-add-tbf-rate64 ok 'tc qdisc add dev v0 root tbf rate 40gbit burst 1mb latency 10ms' "${TCNET[@]}"
scenario tc-qdisc-add-tbf-atm ok \
  'tc qdisc add dev v0 root tbf rate 2mbit burst 20k/16 latency 50ms overhead 10 linklayer atm' "${TCNET[@]}"
scenario tc-qdisc-replace-tbf ok 'tc qdisc replace dev v0 root handle 1: tbf rate 2mbit burst 64kbit latency 200ms' \
  "${TCNET[@]}" "$TBF"
scenario tc-qdisc-change-tbf ok 'tc qdisc change dev v0 root handle 1: tbf rate 3mbit burst 32kbit limit 5000' \
  "${TCNET[@]}" "$TBF"
scenario tc-qdisc-add-exists-eexist fail "$TBF" "${TCNET[@]}" "$TBF"
scenario tc-qdisc-del ok 'tc qdisc del dev v0 root' "${TCNET[@]}" "$TBF"
scenario tc-qdisc-del-default-extack fail 'tc qdisc del dev v0 root' "${TCNET[@]}"
scenario tc-qdisc-add-htb ok "$HTB" "${TCNET[@]}"
scenario tc-qdisc-add-htb-options ok 'tc qdisc add dev v0 root handle 1: htb r2q 5 default 20 direct_qlen 100' "${TCNET[@]}"
scenario tc-qdisc-add-ingress ok "$INGRESS" "${TCNET[@]}"
scenario tc-qdisc-add-clsact ok 'tc qdisc add dev v0 clsact' "${TCNET[@]}"
scenario tc-qdisc-del-ingress ok 'tc qdisc del dev v0 ingress' "${TCNET[@]}" "$INGRESS"
scenario tc-qdisc-add-child-tbf ok 'tc qdisc add dev v0 parent 1:10 handle 10: tbf rate 1mbit burst 10kb limit 10000' \
  "${TCNET[@]}" "$HTB" "$HTB10"
scenario tc-qdisc-add-netem-delay fail 'tc qdisc add dev v0 root netem delay 10ms' "${TCNET[@]}"
scenario tc-qdisc-add-netem-full fail \
  'tc qdisc add dev v0 root handle 1: netem limit 2000 delay 100ms 10ms 25% loss 1% 30% duplicate 2% corrupt 0.1% 5% reorder 25% 50% gap 5 rate 1mbit' \
  "${TCNET[@]}"
scenario tc-qdisc-add-netem-loss fail 'tc qdisc add dev v0 root netem loss 0.5%' "${TCNET[@]}"
scenario tc-qdisc-add-netem-rate64 fail 'tc qdisc add dev v0 root netem delay 1.5s rate 100gbit limit 10' "${TCNET[@]}"
scenario tc-qdisc-add-fq_codel fail \
  'tc qdisc add dev v0 root fq_codel limit 1000 flows 512 quantum 1514 target 5ms interval 100ms ecn' "${TCNET[@]}"
scenario tc-qdisc-add-prio fail 'tc qdisc add dev v0 root handle 1: prio' "${TCNET[@]}"
scenario tc-qdisc-add-prio-priomap fail \
  'tc qdisc add dev v0 root handle 1: prio bands 4 priomap 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3' "${TCNET[@]}"
scenario tc-qdisc-dump ok 'tc qdisc show' "${TCNET[@]}" 'ip link set dev lo up' "$TBF" "$INGRESS" \
  'tc qdisc add dev v1 root handle 1: htb default 10' 'tc class add dev v1 parent 1: classid 1:10 htb rate 1mbit' \
  'tc qdisc add dev v1 parent 1:10 handle 10: tbf rate 1mbit burst 10kb limit 10000' 'tc qdisc add dev v1 clsact'
scenario tc-qdisc-dump-dev ok 'tc qdisc show dev v0' "${TCNET[@]}" "$TBF" "$INGRESS"
scenario tc-class-add-htb ok "$HTB10" "${TCNET[@]}" "$HTB"
scenario tc-class-add-htb-full ok \
  'tc class add dev v0 parent 1: classid 1:20 htb rate 5mbit ceil 10mbit burst 15k cburst 20k prio 1 quantum 1500 mtu 9000 mpu 64 overhead 4' \
  "${TCNET[@]}" "$HTB"
scenario tc-class-add-htb-rate64 ok 'tc class add dev v0 parent 1: classid 1:30 htb rate 50gbit ceil 60gbit quantum 60000' "${TCNET[@]}" "$HTB"
scenario tc-class-add-htb-child ok 'tc class add dev v0 parent 1:10 classid 1:11 htb rate 500kbit ceil 1mbit' \
  "${TCNET[@]}" "$HTB" "$HTB10"
scenario tc-class-change-htb ok 'tc class change dev v0 parent 1: classid 1:10 htb rate 2mbit ceil 3mbit' "${TCNET[@]}" "$HTB" "$HTB10"
scenario tc-class-replace-htb ok 'tc class replace dev v0 parent 1: classid 1:10 htb rate 4mbit' "${TCNET[@]}" "$HTB" "$HTB10"
scenario tc-class-del ok 'tc class del dev v0 classid 1:10' "${TCNET[@]}" "$HTB" "$HTB10"
scenario tc-class-dump ok 'tc class show dev v0' "${TCNET[@]}" "$HTB" "$HTB10" \
  'tc class add dev v0 parent 1:10 classid 1:11 htb rate 500kbit ceil 1mbit'
scenario tc-filter-add-u32-mirred ok "$U32MIRRED" "${TCNET[@]}" "$INGRESS"
scenario tc-filter-add-u32-flowid ok 'tc filter add dev v0 parent 1: protocol ip prio 2 u32 match ip dst 10.0.0.0/24 flowid 1:10' \
  "${TCNET[@]}" "$HTB" "$HTB10"
scenario tc-filter-add-u32-clsact ok \
  'tc filter add dev v0 egress protocol all prio 3 handle 800::5 u32 match u32 0x0a000001 0xffffffff at 16 action mirred ingress mirror dev v1' \
  "${TCNET[@]}" 'tc qdisc add dev v0 clsact'
scenario tc-filter-add-matchall fail 'tc filter add dev v0 parent ffff: matchall action mirred egress redirect dev ifbx' \
  "${TCNET[@]}" "$INGRESS"
scenario tc-filter-add-flower fail \
  'tc filter add dev v0 ingress protocol ip prio 5 flower ip_proto tcp src_ip 10.1.0.0/16 dst_ip 10.0.0.1 dst_port 80 skip_hw action mirred egress redirect dev ifbx' \
  "${TCNET[@]}" 'tc qdisc add dev v0 clsact'
scenario tc-filter-del ok 'tc filter del dev v0 parent ffff: protocol all prio 1 u32' "${TCNET[@]}" "$INGRESS" "$U32MIRRED"
scenario tc-filter-dump ok 'tc filter show dev v0 parent ffff:' "${TCNET[@]}" "$INGRESS" "$U32MIRRED"
scenario tc-filter-dump-flowid ok 'tc filter show dev v0 parent 1:' "${TCNET[@]}" "$HTB" "$HTB10" \
  'tc filter add dev v0 parent 1: protocol ip prio 2 u32 match ip dst 10.0.0.0/24 flowid 1:10'

# ---- events -----------------------------------------------------------------
# event_scenario NAME MONITOR_COMMAND TRIGGER [SETUP...]
#   In one throwaway namespace: run SETUP, start `ip ... monitor ...` under
#   strace in the background, wait until its multicast bind() has returned (so
#   it is subscribed), run TRIGGER (not traced), give the kernel a moment,
#   then end the monitor with SIGTERM, by its pid. The fixture keeps only what
#   the monitor received on its multicast groups (msg_name nl_groups != 0), not
#   the GETLINK dump ip does at start-up, and records TRIGGER as "trigger".
EVENT_STRACE_OPTS=(-f -e trace=socket,close,bind,setsockopt,sendto,sendmsg,recvmsg,recvfrom
  -e write=all -e read=all -xx -s 65536)
event_scenario() {
  local name=$1 command=$2 trigger=$3
  shift 3
  local -a setup=("$@")
  selected "$name" || return 0

  [[ $command == "ip "* ]] || { echo "$name: command must start with 'ip '" >&2; exit 1; }
  local runner="$tmp/$name.sh" trace="$tmp/$name.strace" outfile="$tmp/$name.out"
  {
    echo 'set -euo pipefail'
    echo 'export PATH=/usr/sbin:/usr/bin:/sbin:/bin'
    printf '[[ $(readlink /proc/self/ns/net) != %q ]] || { echo "still in host netns, aborting" >&2; exit 99; }\n' "$host_netns"
    local s
    for s in "${setup[@]}"; do echo "$s"; done
    printf '%q' "$STRACE"
    printf ' %q' -o "$trace" "${EVENT_STRACE_OPTS[@]}" "$IP"
    printf ' %s' "${command#ip }"
    printf ' >%q 2>&1 &\n' "$outfile"
    echo 'spid=$! mpid='
    # On an early exit, end the monitor (strace's child) and strace: by pid only.
    # strace is this shell's child and not yet waited for, so its pid is still ours.
    echo 'stop() { [[ -z $spid ]] && return 0; [[ -n $mpid ]] || mpid=$(cat /proc/$spid/task/$spid/children 2>/dev/null || true); local p; for p in $mpid; do kill -TERM "$p" 2>/dev/null || true; done; wait "$spid" 2>/dev/null || true; }'
    echo 'trap stop EXIT'
    # The monitor's pid is the one that made the multicast bind() (strace itself
    # forks short-lived test children first); it must be a child of strace.
    printf 'for _ in $(seq 100); do mpid=$(grep -m1 -o "^[0-9]\\+ \\+bind([0-9]\\+, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=0x" %q 2>/dev/null | cut -d" " -f1 || true); [[ -n $mpid ]] && break; sleep 0.05; done\n' "$trace"
    echo '[[ -n $mpid ]] || { echo "monitor did not bind" >&2; exit 1; }'
    echo '[[ $(awk "{print \$4}" /proc/$mpid/stat) == "$spid" ]] || { echo "monitor $mpid is not a child of strace $spid" >&2; mpid=; exit 1; }'
    echo 'sleep 0.5'
    echo "$trigger"
    echo 'sleep 1'
    echo 'kill -TERM "$mpid"; wait "$spid" || true; mpid= spid='
  } >"$runner"

  echo "== $name: $command  (trigger: $trigger)"
  if ! "${UNSHARE[@]}" bash "$runner"; then
    echo "$name: runner failed" >&2
    failures=$((failures + 1))
    return 0
  fi
  sed 's/^/   ip> /' "$outfile" | head -n 5
  grep -E '^[0-9]+ +(bind|setsockopt)\(' "$trace" | sed 's/^/   strace> /' || true
  local -a setup_args=()
  for s in "${setup[@]}"; do setup_args+=(--setup "$s"); done
  if ! "$NODE" "$parser" --name "$name" --command "$command" "${setup_args[@]}" --trigger "$trigger" --events \
    --kernel "$kernel" --iproute2 "$iproute2" --trace "$trace" --out "$outdir/$name.json"; then
    cp "$trace" "/tmp/capture-golden-$name.strace" 2>/dev/null || true
    echo "$name: parse failed (strace log kept at /tmp/capture-golden-$name.strace)" >&2
    failures=$((failures + 1))
  fi
}
event_scenario event-route-add 'ip -o monitor route' 'ip route add 20.0.0.0/24 via 10.0.0.2' "${NET[@]}"
event_scenario event-link-add 'ip -o monitor link' 'ip link add v0 type veth peer name v1'
event_scenario event-fdb-add 'ip -o monitor neigh' "$F_AA" "${BR[@]}"

# ---- namespace ids ------------------------------------------------------------
# `ip netns set NAME ID` names a namespace through /run/netns/NAME. These
# scenarios run in a mount namespace of their own as well (private
# propagation) with a tmpfs over /run, so the name `ip netns add` makes, and
# the namespace behind it, exist only inside the scenario: the host's
# /run/netns is never touched.
UNSHARE=(unshare -n -m --propagation private)
NAMED=('mount -t tmpfs tmpfs /run' 'ip netns add blue')
scenario netns-set ok 'ip netns set blue 7' "${NAMED[@]}"
scenario netns-set-auto ok 'ip netns set blue auto' "${NAMED[@]}"
scenario netns-set-again-eexist fail 'ip netns set blue 8' "${NAMED[@]}" 'ip netns set blue 7'
# A namespace gets an id here, then dies: RTM_NEWNSID, then RTM_DELNSID.
event_scenario event-nsid 'ip -o monitor nsid' 'ip netns set blue 7; ip netns del blue' "${NAMED[@]}"
UNSHARE=(unshare -n)

if [[ $failures -ne 0 ]]; then
  echo "$failures scenario(s) FAILED" >&2
  exit 1
fi
echo "all scenarios captured into $outdir"
