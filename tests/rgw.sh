# tests/rgw.sh - a one-node Ceph RADOS Gateway for tests and benches
# (sourced): one monitor, one object storage daemon keeping its data in
# memory (memstore) and radosgw, started by hand as root from Debian's
# packages (radosgw ceph-mon ceph-osd ceph-common), without systemd, on
# an address of 127.0.0.0/8 and ports of their own, everything under one
# folder.
#
#   rgw_start DIR    start it in DIR (made; rgw_down removes it).  0 with
#                    RGW_URL (http://IP:PORT), RGW_AK and RGW_SK (an S3
#                    user's keys) set, or 1 with RGW_WHY saying why not
#                    and RGW_MISSING 1 when that is because the packages
#                    are not installed (0: they are, and it failed)
#   rgw_stop         stop the gateway (only it: the cluster stays), by pid
#   rgw_resume       start the gateway again after rgw_stop
#   rgw_down         stop everything by pid and remove DIR
#
# The daemons authenticate with cephx keys made for the run (one keyring
# in DIR).  The monitor's paxos intervals are cut so that the gateway
# answers about two seconds after the start rather than ten.
RGW_DIR=""
RGW_MON_PID=""
RGW_OSD_PID=""
RGW_GW_PID=""
RGW_URL=""
RGW_AK=""
RGW_SK=""
RGW_WHY=""
RGW_MISSING=0
RGW_IP=""
RGW_PORT=""

# rgw_free_port IP: a TCP port free on IP at this moment.
rgw_free_port() {
	python3 -c 'import socket,sys; s=socket.socket()
s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}

# rgw_wait_http URL SECONDS: 0 once URL answers over HTTP at all.
rgw_wait_http() {
	local i
	for i in $(seq 1 $(($2 * 10))); do
		curl -s -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.1
	done
	return 1
}

# rgw_gateway: start radosgw in the foreground of a background job.
rgw_gateway() {
	radosgw -f -c "$RGW_DIR/ceph.conf" -n client.rgw.a \
		>>"$RGW_DIR/log/rgw.out" 2>&1 &
	RGW_GW_PID=$!
	if ! rgw_wait_http "$RGW_URL" 30; then
		RGW_WHY="radosgw did not answer at $RGW_URL within 30 s: $(tail -3 "$RGW_DIR/log/client.rgw.a.log" 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
}

rgw_start() {
	local d=$1 fsid osd_uuid monport tool
	RGW_WHY=""
	RGW_MISSING=0
	for tool in ceph-mon ceph-osd ceph-authtool radosgw radosgw-admin \
	    monmaptool ceph; do
		if ! command -v "$tool" >/dev/null; then
			RGW_WHY="$tool is not installed (Debian packages radosgw ceph-mon ceph-osd ceph-common: make deps)"
			RGW_MISSING=1
			return 1
		fi
	done
	if [ "$(id -u)" -ne 0 ]; then
		RGW_WHY="the daemons are started as root and this is uid $(id -u)"
		return 1
	fi
	RGW_DIR=$d
	mkdir -p "$d/mon" "$d/osd/ceph-0" "$d/run" "$d/log" "$d/rgw" || {
		RGW_WHY="cannot make $d"; return 1; }
	# an address of its own: nothing of the other tests on it
	RGW_IP=127.0.0.$((100 + RANDOM % 150))
	monport=$(rgw_free_port "$RGW_IP") && RGW_PORT=$(rgw_free_port "$RGW_IP") || {
		RGW_WHY="no free port on $RGW_IP"; return 1; }
	RGW_URL="http://$RGW_IP:$RGW_PORT"
	fsid=$(cat /proc/sys/kernel/random/uuid)
	osd_uuid=$(cat /proc/sys/kernel/random/uuid)
	cat >"$d/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = v2:$RGW_IP:$monport
public addr = $RGW_IP
ms bind msgr1 = false
ms bind port min = 20000
ms bind port max = 30000
keyring = $d/keyring
run dir = $d/run
admin socket = $d/run/\$name.asok
log file = $d/log/\$name.log
pid file = $d/run/\$name.pid
log to stderr = false
err to stderr = false
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon data = $d/mon/\$cluster-\$id
osd data = $d/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = 4294967296
paxos propose interval = 0.01
paxos min wait = 0.01
[client.rgw.a]
rgw frontends = beast endpoint=$RGW_IP:$RGW_PORT
rgw data = $d/rgw
rgw multipart min part size = 1048576
EOF
	# one keyring holds every daemon's key with its capabilities: the
	# monitor's mkfs takes them all in
	ceph-authtool --create-keyring "$d/keyring" --gen-key -n mon. \
		--cap mon 'allow *' >"$d/log/setup.out" 2>&1 &&
	ceph-authtool "$d/keyring" --gen-key -n client.admin \
		--cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' \
		>>"$d/log/setup.out" 2>&1 &&
	ceph-authtool "$d/keyring" --gen-key -n osd.0 \
		--cap mon 'allow profile osd' --cap osd 'allow *' \
		>>"$d/log/setup.out" 2>&1 &&
	ceph-authtool "$d/keyring" --gen-key -n client.rgw.a \
		--cap mon 'allow rw' --cap osd 'allow rwx' \
		>>"$d/log/setup.out" 2>&1 || {
		RGW_WHY="ceph-authtool failed: $(tail -2 "$d/log/setup.out" | tr '\n' ' ')"
		return 1; }
	monmaptool --create --fsid "$fsid" --addv a "[v2:$RGW_IP:$monport]" \
		"$d/monmap" >>"$d/log/setup.out" 2>&1 &&
	ceph-mon -c "$d/ceph.conf" --mkfs -i a --monmap "$d/monmap" \
		--keyring "$d/keyring" \
		>>"$d/log/setup.out" 2>&1 || {
		RGW_WHY="ceph-mon --mkfs failed: $(tail -2 "$d/log/setup.out" | tr '\n' ' ')"
		return 1; }
	ceph-mon -f -c "$d/ceph.conf" -i a >>"$d/log/mon.out" 2>&1 &
	RGW_MON_PID=$!
	if ! timeout 30 ceph -c "$d/ceph.conf" osd new "$osd_uuid" \
	    >>"$d/log/setup.out" 2>&1; then
		RGW_WHY="the monitor did not answer 'osd new': $(tail -2 "$d/log/setup.out" | tr '\n' ' ')"
		return 1
	fi
	ceph-osd -c "$d/ceph.conf" -i 0 --mkfs --osd-uuid "$osd_uuid" \
		--no-mon-config >>"$d/log/setup.out" 2>&1 || {
		RGW_WHY="ceph-osd --mkfs failed: $(tail -2 "$d/log/setup.out" | tr '\n' ' ')"
		return 1; }
	ceph-osd -f -c "$d/ceph.conf" -i 0 >>"$d/log/osd.out" 2>&1 &
	RGW_OSD_PID=$!
	rgw_gateway || return 1
	RGW_AK=HDTEST$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)
	RGW_SK=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
	if ! timeout 30 radosgw-admin -c "$d/ceph.conf" user create \
	    --uid hdtest --display-name hdtest --access-key "$RGW_AK" \
	    --secret-key "$RGW_SK" >>"$d/log/setup.out" 2>&1; then
		RGW_WHY="radosgw-admin user create failed: $(tail -2 "$d/log/setup.out" | tr '\n' ' ')"
		return 1
	fi
	return 0
}

# rgw_kill PID: stop one daemon by its pid and wait for it.
rgw_kill() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

rgw_stop() {
	rgw_kill "$RGW_GW_PID"
	RGW_GW_PID=""
}

rgw_resume() {
	rgw_gateway
}

rgw_down() {
	rgw_kill "$RGW_GW_PID"
	rgw_kill "$RGW_OSD_PID"
	rgw_kill "$RGW_MON_PID"
	RGW_GW_PID=""; RGW_OSD_PID=""; RGW_MON_PID=""
	[ -n "$RGW_DIR" ] && rm -rf "$RGW_DIR"
	RGW_DIR=""
}
