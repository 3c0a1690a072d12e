#!/usr/bin/env bash
# Run every floodguard test suite on this machine and print one summary
# line, "N passed, N failed", summed over all suites (each TAP "ok" or
# "not ok" is one test; a suite that dies without TAP counts as a failure).
#
# Suites: unit tests (Criterion: classifier, limits and source table) and
# the two-thread table stress test in a -Werror release build and again
# under ASan+UBSan; the stress test under TSan; floodctl inspect against the
# fixture table; the SIP federation rules (unit, and offline over a crafted
# capture of every kind of partner); the data plane (offline over a crafted capture, inline and
# host on net_pcap vdevs with telemetry, inline on AF_PACKET between two
# network namespaces); the XDP program against the core on every fixture
# (BPF_PROG_TEST_RUN), attached to a veth between two namespaces, and
# loaded by net_af_xdp under floodguard in host mode; libFuzzer smoke runs of the L2-L4 and SIP parsers;
# the inspect-vs-tshark differential test on real sipp captures; the
# control plane: list and shared-memory unit tests, readers racing a list
# writer (also TSan), floodctl against a running data plane (lists, watch,
# thresholds, metrics, persistence, permissions, ABI, SIGKILL of writers);
# reload of the configuration under traffic (SIGHUP, floodctl reload,
# sd_notify); the README's demo on the namespace test bed, judged at the
# server, and interrupted with SIGINT; the man pages, default
# configuration and completion in step with the programs; the Debian
# package built, linted, installed, run, removed and purged; the BGP test
# bed: exabgp driven by hand announces RTBH and FlowSpec through a BIRD
# route reflector to an upstream router (BIRD 2, then FRR 8.4) whose loose
# uRPF drops the flood, a second appliance receives the routes. Needs root
# (packages, hugepages, namespaces).
#
# Each suite runs under a wall-clock limit of about 3x its usual time on
# a busy 2-vCPU machine (tests/lib/suite.sh): one that reaches it is ended
# with everything it started and counts as one failure; each suite's line
# gives its seconds and limit. First, the test helpers' own suite.
#   FG_FUZZ_SECONDS  seconds per fuzzer (default 60)
#   FG_KILLS         writers the control-plane test SIGKILLs (default 1000)
#   FG_TEST_LOG      directory for full suite logs (default a temp dir)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
logs=${FG_TEST_LOG:-$(mktemp -d /tmp/floodguard-test.XXXXXX)}
mkdir -p "$logs"
passed=0 failed=0

. tests/lib/suite.sh

# setup DIR ARGS...: configure a build dir once, then build it.
setup() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$logs/setup-$dir.log" 2>&1 ||
			{ cat "$logs/setup-$dir.log"; return 1; }
	fi
	ninja -C "$dir" >"$logs/ninja-$dir.log" 2>&1 ||
		{ tail -40 "$logs/ninja-$dir.log"; return 1; }
}

timeout 1800 bash scripts/deps.sh || exit 1
echo "test: logs in $logs"
run_suite test-lib 90 bash tests/lib/selftest.sh "$logs/test-lib"

if setup build -Dwerror=true; then
	run_suite unit 120 ./build/tests/test_parse --tap=-
	run_suite unit-limit 120 ./build/tests/test_limit --tap=-
	run_suite unit-fed 60 ./build/tests/test_fed --tap=-
	run_suite unit-hh 60 ./build/tests/test_hh --tap=-
	run_suite stress 120 ./build/tests/stress-srctab 2
	run_suite stress-per-source 120 ./build/tests/stress-srctab 2 --per-source
	run_suite stress-fed 120 ./build/tests/stress-fed
	run_suite cli-inspect 60 bash tests/cli/inspect.sh build
	run_suite dp-offline 120 /usr/bin/python3 tests/dataplane/offline.py \
		build/dataplane/floodguard "$logs/dp-offline"
	run_suite dp-monitor 120 /usr/bin/python3 tests/dataplane/monitor.py \
		build/dataplane/floodguard "$logs/dp-monitor"
	run_suite dp-top-drops 120 /usr/bin/python3 tests/dataplane/top_drops.py \
		build/dataplane/floodguard "$logs/dp-top-drops"
	run_suite dp-inline 180 bash tests/dataplane/inline.sh \
		build/dataplane/floodguard "$logs/dp-inline"
	run_suite dp-sip 120 /usr/bin/python3 tests/dataplane/sip_rules.py \
		build/dataplane/floodguard "$logs/dp-sip"
	run_suite dp-steer 90 bash tests/dataplane/steer.sh build "$logs/dp-steer"
	run_suite xdp-fixtures 60 /usr/bin/python3 tests/bpf/xdp.py build "$logs/xdp"
	run_suite xdp-veth 90 bash tests/bpf/veth.sh build "$logs/xdp-veth"
	run_suite xdp-afxdp 120 bash tests/bpf/afxdp.sh "$root/build" "$logs/xdp-afxdp"
	run_suite xdp-kernels 900 bash tests/bpf/kernels.sh build "$logs/xdp-kernels"
	run_suite dp-steer-qemu 600 bash tests/dataplane/steer-qemu.sh build "$logs/dp-steer-qemu"
	run_suite xdpgen 90 bash tests/bpf/xdpgen.sh build "$logs/xdpgen"
	run_suite dp-netns 120 bash tests/dataplane/netns.sh build "$logs/dp-netns"
	run_suite unit-lists 60 ./build/tests/test_lists --tap=-
	run_suite unit-pfxset 120 ./build/tests/test_pfxset --tap=-
	run_suite unit-steer 60 ./build/tests/test_steer --tap=-
	run_suite unit-rss 60 ./build/tests/test_rss --tap=-
	run_suite unit-bgp 60 ./build/tests/test_bgp --tap=-
	run_suite unit-shm 60 ./build/tests/test_shm --tap=-
	run_suite stress-shm 60 ./build/tests/stress-shm
	run_suite stress-pfxset 60 ./build/tests/stress-pfxset 2
	run_suite ctl-options 60 bash tests/control/options.sh build
	run_suite dist-docs 60 bash tests/dist/docs.sh build
	run_suite ctl 300 bash tests/control/ctl.sh build "$logs/ctl" "${FG_KILLS:-1000}"
	run_suite ctl-reload 150 bash tests/control/reload.sh build "$logs/ctl-reload"
	run_suite e2e-demo 360 bash tests/e2e/demo.sh "$logs/e2e"
	run_suite bgp-feed 90 bash tests/bgp/feed.sh build "$logs/bgp-feed"
	run_suite bgp-export 300 bash tests/bgp/export.sh build "$logs/bgp-export"
	run_suite bgp-routers 300 bash tests/bgp/bgp.sh build "$logs/bgp-routers"
	run_suite package 300 bash tests/dist/package.sh "$logs/package"
else
	echo "build: FAILED"
	failed=$((failed + 1))
fi

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
if setup build-asan -Dwerror=true -Dbuildtype=debugoptimized \
	-Db_sanitize=address,undefined; then
	run_suite unit-asan 180 ./build-asan/tests/test_parse --tap=-
	run_suite limit-asan 180 ./build-asan/tests/test_limit --tap=-
	run_suite fed-asan 90 ./build-asan/tests/test_fed --tap=-
	run_suite stress-asan 180 ./build-asan/tests/stress-srctab 2
	run_suite stress-fed-asan 180 ./build-asan/tests/stress-fed 50
	run_suite cli-asan 90 bash tests/cli/inspect.sh build-asan
	run_suite dp-offline-asan 180 /usr/bin/python3 tests/dataplane/offline.py \
		build-asan/dataplane/floodguard "$logs/dp-offline-asan"
	run_suite dp-inline-asan 240 bash tests/dataplane/inline.sh \
		build-asan/dataplane/floodguard "$logs/dp-inline-asan"
	run_suite dp-sip-asan 180 /usr/bin/python3 tests/dataplane/sip_rules.py \
		build-asan/dataplane/floodguard "$logs/dp-sip-asan"
	run_suite lists-asan 90 ./build-asan/tests/test_lists --tap=-
	run_suite pfxset-asan 240 ./build-asan/tests/test_pfxset --tap=-
	run_suite shm-asan 90 ./build-asan/tests/test_shm --tap=-
	run_suite ctl-asan 300 bash tests/control/ctl.sh build-asan "$logs/ctl-asan" 200
	run_suite bgp-asan 60 ./build-asan/tests/test_bgp --tap=-
	run_suite bgp-feed-asan 180 bash tests/bgp/feed.sh build-asan "$logs/bgp-feed-asan"
else
	echo "build-asan: FAILED"
	failed=$((failed + 1))
fi

# TSan: the lock-free table under two racing threads (Criterion cannot run
# under TSan, so only the plain-C stress test). TSan does not model
# atomic_thread_fence (-Wtsan warns); the readers' loads are atomics.
if setup build-tsan -Dbuildtype=debugoptimized -Db_sanitize=thread; then
	run_suite stress-tsan 120 env TSAN_OPTIONS=halt_on_error=1 \
		./build-tsan/tests/stress-srctab 2
	run_suite stress-per-source-tsan 120 env TSAN_OPTIONS=halt_on_error=1 \
		./build-tsan/tests/stress-srctab 2 --per-source
	run_suite stress-fed-tsan 120 env TSAN_OPTIONS=halt_on_error=1 \
		./build-tsan/tests/stress-fed 30
	run_suite stress-shm-tsan 120 env TSAN_OPTIONS=halt_on_error=1 \
		./build-tsan/tests/stress-shm
	run_suite stress-pfxset-tsan 180 env TSAN_OPTIONS=halt_on_error=1 \
		./build-tsan/tests/stress-pfxset 4 1
else
	echo "build-tsan: FAILED"
	failed=$((failed + 1))
fi

if CC=clang setup build-fuzz -Dfuzz=true -Dtests=disabled \
	-Db_sanitize=address,undefined -Db_lundef=false; then
	# two fuzzers, FG_FUZZ_SECONDS each, and their builds' start-up
	fuzz_limit=$((${FG_FUZZ_SECONDS:-60} * 2 * 3 + 120))
	run_suite fuzz $fuzz_limit bash tests/fuzz/run.sh "${FG_FUZZ_SECONDS:-60}" build-fuzz
else
	echo "build-fuzz: FAILED"
	failed=$((failed + 1))
fi

run_suite diff-tshark 240 env FLOODCTL="$root/build/control/floodctl" \
	OUT="$logs/diff" bash tests/diff/run.sh

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
