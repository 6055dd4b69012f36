# converge: `make run` builds and applies examples/exec1.yaml; `make test` runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

JDK := $(shell agent/bin/find-jdk 2>/dev/null)
# The JDK warns about Maven's and JMH's use of sun.misc.Unsafe.
UNSAFE_OPT := --sun-misc-unsafe-memory-access=allow
MAVEN_OPTS ?= $(UNSAFE_OPT)
export MAVEN_OPTS
MVN := JAVA_HOME=$(JDK) mvn -B --no-transfer-progress
JAR := agent/target/agent.jar
PREFIX ?= /usr/local
LIBDIR := $(PREFIX)/lib/converge

.PHONY: all build run deb deb-deps test test-deps stress bench bench-deps bench-micro bench-fleet jdk install uninstall clean

all: build

jdk:
	@agent/bin/find-jdk >/dev/null

# The class cache (agent/bin/aot-train) makes a one-resource run start in about half the time.
build: jdk
	$(MVN) -q package -DskipTests
	agent/bin/aot-train $(JAR)
	@echo "built $(JAR); run it with agent/bin/agent"

run: build
	agent/bin/agent run --file examples/exec1.yaml --converged-timeout=5 --graphviz=agent/target/exec1.dot

# $(call install_missing,COMMAND:PACKAGE ...,PURPOSE): apt-get installs the packages of the
# commands that are not on the PATH.
define install_missing
	@missing=""; for tool in $(1); do \
	  command -v "$${tool%%:*}" >/dev/null || missing="$$missing $${tool#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing for $(2):$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi
endef

# `make deb`: agent/target/converge_VERSION_ARCH.deb, with its own jlinked Java runtime, built by
# agent/packaging/build-deb with the JDK's jpackage (which needs fakeroot); see docs/service.md.
DEB_TOOLS := fakeroot:fakeroot dpkg-deb:dpkg

deb-deps:
	$(call install_missing,$(DEB_TOOLS),make deb)

deb: jdk deb-deps
	$(MVN) -q -Pdeb package -DskipTests -pl resources,agent -am
	@echo "built $$(ls agent/target/converge_*.deb)"

# Tools the tests use for real: graphviz's dot, etcd (the tests start their own on loopback),
# openssl (certificates for the TLS etcd tests), patch (applies the file diffs the agent prints),
# chromium (the live plan page is loaded in a real headless browser), and for the .deb's tests in
# a real systemd (AgentServiceIT): debootstrap, systemd-nspawn and the Debian tree with systemd
# they boot, built once into ROOTFS (outside the clone) when missing.
# Each is "command:Debian package".
TEST_TOOLS := dot:graphviz etcd:etcd-server openssl:openssl patch:patch chromium:chromium \
  debootstrap:debootstrap systemd-nspawn:systemd-container $(DEB_TOOLS)
ROOTFS ?= /var/cache/converge/bookworm-systemd

test-deps:
	$(call install_missing,$(TEST_TOOLS),the tests)
	@if [ "$$(id -u)" -eq 0 ]; then agent/packaging/build-rootfs $(ROOTFS); \
	else echo "make test-deps: not root, so no systemd container: AgentServiceIT will be skipped"; fi

# Unit tests (surefire), then the .deb, then the tests of the .deb in a systemd container
# (failsafe, *IT classes); both kinds of report are counted.
test: jdk test-deps
	rm -rf {resources,agent,bench}/target/{surefire,failsafe}-reports
	$(MVN) -Pdeb verify -Dconverge.rootfs=$(ROOTFS)
	@total=$$(find resources/target agent/target bench/target -path '*-reports/TEST-*.xml' -exec cat {} + 2>/dev/null \
	  | sed -n 's/.*<testsuite [^>]*tests="\([0-9]*\)".*/\1/p' | awk '{n += $$1} END {print n + 0}'); \
	if [ -z "$$total" ] || [ "$$total" -eq 0 ]; then echo "make test: surefire and failsafe ran no test" >&2; exit 1; fi; \
	echo "make test: $$total tests ran"

# `make stress`: the race tests (classes named *RaceTest: an attacker running as nobody swaps
# entries for symbolic links while the root agent writes or removes a tree) with STRESS_ROUNDS
# rounds of 100 runs each, in one JVM. Runs as root. `make test` runs one round of each. The
# default took 22 s for FileRaceTest (100 rounds of 100 writes; 8 s of tests) and 14 min 33 s for
# TreeRemovalRaceTest on 2 cores;
# choose with e.g. `make stress STRESS_TESTS=FileRaceTest`.
STRESS_ROUNDS ?= 100
STRESS_TESTS ?= *RaceTest

stress: jdk
	$(MVN) -q test -pl resources -Dtest='$(STRESS_TESTS)' -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dconverge.race.rounds=$(STRESS_ROUNDS) -Djunit.jupiter.execution.timeout.mode=disabled

# `make bench`: whole-process runs of converge, make -jN and ninja -jN over the same generated DAGs,
# and of cfengine's `cf-agent -K -f` beside converge on the two files workloads;
# prints the table and writes agent/target/bench/results.{md,csv}. Change it with e.g.
#   make bench RUNS=5 ONLY=chains,diamond NOOP_SIZES=10000,100000 FILES=2000
#   make bench RUNS=3 ONLY=many-true,chain-true    # the spawn workloads alone: about 1 minute
#   make bench RUNS=3 ONLY=files FILES=2000        # converge and cfengine on 2,000 files
# The defaults (seed chains diamond many-true chain-true noop-dag-10000 files-10000
# files-10000-converged startup, with cfengine on the files rows) took 5 min 49 s on 2 cores with
# RUNS=3 (about 9 minutes with the default RUNS=5); NOOP_SIZES=10000,100000 adds about 2 minutes
# and needs about 3 GB of memory for the 100,000-noop graph.
RUNS ?= 5
WARMUP ?= 1
ONLY ?=
NOOP_SIZES ?= 10000
FILES ?= 10000
BENCH_OUT ?= agent/target/bench
# Seconds one run may take before it is killed and the benchmark stops (finished rows are kept).
BENCH_TIMEOUT ?= 600
# Debian's cfengine3 puts cf-agent in /usr/bin; the bench also looks in /var/cfengine/bin.
BENCH_TOOLS := /usr/bin/time:time make:make ninja:ninja-build cf-agent:cfengine3

bench-deps:
	$(call install_missing,$(BENCH_TOOLS),the benchmark)

bench: build bench-deps
	$(JDK)/bin/java -jar bench/target/bench.jar --runs $(RUNS) --warmup $(WARMUP) --out $(BENCH_OUT) \
	  --noop-sizes $(NOOP_SIZES) --files $(FILES) --timeout $(BENCH_TIMEOUT) $(if $(ONLY),--only $(ONLY))

# `make bench-micro`: JMH micro-benchmarks of the in-process costs (YAML load, snapshot, plan,
# engine per vertex, live swap) at 1,000 and 10,000 vertices, and one /bin/true spawned and reaped
# (SpawnBenchmark: the agent's runner beside ProcessBuilder); about 4 minutes. Writes
# $(BENCH_OUT)/jmh.csv and jmh.txt. Narrow it with e.g. JMH_ARGS='EngineBenchmark -p size=10000'.
JMH_ARGS ?=
bench-micro: build
	mkdir -p $(BENCH_OUT)
	$(JDK)/bin/java $(UNSAFE_OPT) -jar bench/target/benchmarks.jar -rf csv -rff $(BENCH_OUT)/jmh.csv $(JMH_ARGS) \
	  2>&1 | tee $(BENCH_OUT)/jmh.txt

# `make bench-fleet`: FLEET_HOSTS simulated agents (lease, status, graph watches) against a real
# etcd on loopback, etcd pinned to CPU 0 and the agents to CPU 1; writes $(BENCH_OUT)/fleet-N.txt.
# 10,000 hosts (about 3 minutes): FLEET_HOSTS=10000 FLEET_FLAGS="--watch direct
# --status-interval 0 --attach-parallel 100 --timeout 3m". See docs/scale.md.
FLEET_HOSTS ?= 1000
FLEET_FLAGS ?=
bench-fleet: build test-deps
	mkdir -p $(BENCH_OUT)
	taskset -c 1 $(JDK)/bin/java -cp bench/target/bench.jar:$(JAR) dev.converge.bench.fleet.FleetMain \
	  --etcd-cpus 0 --hosts $(FLEET_HOSTS) --out $(BENCH_OUT)/fleet-$(FLEET_HOSTS).txt $(FLEET_FLAGS)

# `make install`: the agent under PREFIX with the unit and its settings, for a host with a JDK >= 25.
# With DESTDIR (staging for a package) every path goes under DESTDIR, and what only makes sense on
# the target is left out: training the class cache (run PREFIX/lib/converge/bin/aot-train there)
# and systemctl daemon-reload. Settings and the graph are written only when missing.
UNITDIR ?= /etc/systemd/system
DOCDIR := $(PREFIX)/share/doc/converge

install: build
	install -d $(DESTDIR)$(LIBDIR)/bin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	install -m 0644 $(JAR) $(DESTDIR)$(LIBDIR)/agent.jar
	install -m 0755 agent/bin/agent agent/bin/find-jdk agent/bin/aot-train $(DESTDIR)$(LIBDIR)/bin/
	install -m 0644 agent/bin/jvm-defaults agent/bin/layout $(DESTDIR)$(LIBDIR)/bin/
	ln -sfn $(LIBDIR)/bin/agent $(DESTDIR)$(PREFIX)/bin/agent
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	cp -r docs $(DESTDIR)$(DOCDIR)/
	sed 's|@PREFIX@|$(PREFIX)|g' agent/systemd/agent.service > $(DESTDIR)$(UNITDIR)/agent.service
	@if [ ! -e $(DESTDIR)/etc/default/agent ]; then \
	  install -D -m 0644 agent/systemd/agent.default $(DESTDIR)/etc/default/agent; fi
	@if [ ! -e $(DESTDIR)/etc/converge/graph.yaml ]; then \
	  install -D -m 0644 agent/packaging/graph.yaml $(DESTDIR)/etc/converge/graph.yaml; fi
ifeq ($(DESTDIR),)
	$(LIBDIR)/bin/aot-train $(LIBDIR)/agent.jar
	@if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
endif
	@echo "installed: $(DESTDIR)$(PREFIX)/bin/agent, $(DESTDIR)$(UNITDIR)/agent.service (settings: /etc/default/agent, graph: /etc/converge/graph.yaml)"

# Leaves /etc/default/agent and /etc/converge (settings and graph) in place.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/agent $(DESTDIR)$(UNITDIR)/agent.service
	rm -rf $(DESTDIR)$(LIBDIR) $(DESTDIR)$(DOCDIR)

clean:
	$(MVN) -q clean
