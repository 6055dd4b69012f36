package dev.converge.agent.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.converge.agent.systemd.SystemdContainer.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The svc kind against a real systemd: the agent of this checkout (its jar, the host's JDK, both
 * bound read-only) runs inside the container on units the tests write. The tests run in order on
 * one container; /etc/systemd/system survives its reboot, so a unit enabled by the agent is seen
 * to start at boot.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SvcIT {

    private static final Path REPO = Path.of(System.getProperty("converge.repo", "..")).toAbsolutePath().normalize();
    private static final Path JDK = Path.of(System.getProperty("converge.jdk", System.getProperty("java.home")));
    /** Ceiling for what should take seconds: a JVM start and a short graph on a busy 2-core machine. */
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    /** apt-get update and an install over the network. */
    private static final Duration APT = Duration.ofMinutes(8);
    private static final String AGENT = "/opt/converge/agent/bin/agent";
    /** The transient unit the watching agent runs as. */
    private static final String WATCHER = "converge-svc-it";
    /** The transient unit root's user manager runs as. */
    private static final String USER_MANAGER = "converge-svc-it-user-manager";

    @RegisterExtension
    static final SystemdContainer container = new SystemdContainer()
            .bindReadOnly(JDK, "/opt/jdk")
            .bindReadOnly(REPO, "/opt/converge")
            .persist("/etc/systemd/system");

    private static Result ok(String... command) throws Exception {
        Result r = container.run(command);
        assertThat(r.exit()).as(r.describe()).isZero();
        return r;
    }

    private static String show(String unit, String property) throws Exception {
        return ok("systemctl", "show", "-P", property, unit).out().strip();
    }

    private static String active(String unit) throws Exception {
        return container.run("systemctl", "is-active", unit).out().strip();
    }

    /** The agent's command line inside, with the bound JDK and no class cache (it is the host's). */
    private static List<String> agent(String... args) {
        var argv = new ArrayList<>(List.of("env", "JAVA_HOME=/opt/jdk", "CONVERGE_AOT=off", AGENT));
        argv.addAll(List.of(args));
        return argv;
    }

    /** {@code agent run --file FILE --converged-timeout=0}: applies once and exits. */
    private static Result apply(String file, Duration limit) throws Exception {
        return container.run(limit, agent("run", "--file", file, "--converged-timeout=0").toArray(String[]::new));
    }

    private static Result apply(String file) throws Exception {
        return apply(file, PATIENCE);
    }

    private static void unit(String name, String text) throws Exception {
        container.write("/etc/systemd/system/" + name, text);
        ok("systemctl", "daemon-reload");
    }

    private static final String SLEEPER = """
            [Unit]
            Description=converge svc test: sleeps
            [Service]
            ExecStart=/bin/sleep infinity
            [Install]
            WantedBy=multi-user.target
            """;

    private static String counter(String name) {
        return counterWithoutReload(name) + "ExecReload=/bin/sh -c 'echo reload >> /var/lib/%1$s/reloads'\n"
                .formatted(name);
    }

    /** Counts its starts in /var/lib/NAME/starts; has no ExecReload=. */
    private static String counterWithoutReload(String name) {
        return """
                [Unit]
                Description=converge svc test: counts its starts
                [Service]
                StateDirectory=%1$s
                ExecStartPre=/bin/sh -c 'echo start >> /var/lib/%1$s/starts'
                ExecStart=/bin/sleep infinity
                """.formatted(name);
    }

    private static long lines(String file) throws Exception {
        Result r = container.run("cat", file);
        return r.exit() != 0 ? 0 : r.out().lines().count();
    }

    @Test
    @Order(1)
    void startsAndEnablesAUnitThenFindsItOk() throws Exception {
        System.out.printf("container booted in %.2f s%n", container.bootTime().toMillis() / 1000.0);
        unit("it-sleep.service", SLEEPER);
        container.write("/etc/converge-it/sleep.yaml", """
                graph: sleep
                resources:
                  svc:
                  - name: it-sleep
                    state: running
                    startup: enabled
                """);

        Result first = apply("/etc/converge-it/sleep.yaml");

        assertThat(first.exit()).as(first.describe()).isZero();
        assertThat((first.out() + first.err())).contains("svc[it-sleep] changed").contains("enabled (was disabled)")
                .contains("started (was inactive/dead)");
        assertThat(active("it-sleep.service")).isEqualTo("active");
        assertThat(container.run("systemctl", "is-enabled", "it-sleep").out().strip()).isEqualTo("enabled");

        Result second = apply("/etc/converge-it/sleep.yaml");
        assertThat(second.exit()).as(second.describe()).isZero();
        assertThat((second.out() + second.err())).contains("summary: 1 resource: 1 ok, 0 changed, 0 failed");
    }

    @Test
    @Order(2)
    void noopSaysWhatWouldChange() throws Exception {
        unit("it-noop.service", SLEEPER);
        container.write("/etc/converge-it/noop.yaml", """
                graph: noop
                resources:
                  svc:
                  - name: it-noop
                    state: running
                    startup: enabled
                """);

        Result r = container.run(PATIENCE, agent("run", "--file", "/etc/converge-it/noop.yaml", "--noop",
                "--converged-timeout=0").toArray(String[]::new));

        assertThat(r.exit()).as(r.describe()).isZero();
        assertThat(r.out() + r.err()).contains("svc[it-noop]: would change: enable (was disabled), start (was inactive/dead)");
        assertThat(active("it-noop")).isEqualTo("inactive");
    }

    @Test
    @Order(3)
    void aUnitStoppedByHandIsStartedAgainByTheWatch() throws Exception {
        String before = show("it-sleep", "InvocationID");
        try {
            List<String> run = new ArrayList<>(List.of("systemd-run", "--unit=" + WATCHER));
            run.addAll(agent("run", "--file", "/etc/converge-it/sleep.yaml"));
            ok(run.toArray(String[]::new));
            await("the watching agent converged").atMost(PATIENCE).until(
                    () -> ok("journalctl", "-u", WATCHER, "--no-pager").out(), out -> out.contains("converged:"));

            ok("systemctl", "stop", "it-sleep");

            await("it-sleep running again, a new invocation").atMost(PATIENCE).until(
                    () -> active("it-sleep").equals("active") && !show("it-sleep", "InvocationID").equals(before));
            assertThat(ok("journalctl", "-u", WATCHER, "--no-pager").out())
                    .contains("svc[it-sleep] changed").contains("started (was inactive/dead)");

            ok("systemctl", "disable", "it-sleep");
            await("it-sleep enabled again").atMost(PATIENCE).until(
                    () -> container.run("systemctl", "is-enabled", "it-sleep").out().strip().equals("enabled"));

            ok("systemctl", "restart", "dbus");
            stopByHandAndAwaitTheRestart("after the bus restarted");
            ok("systemctl", "daemon-reexec");
            stopByHandAndAwaitTheRestart("after systemd re-executed");
            String pid = show(WATCHER, "MainPID");
            assertThat(dbusThreads(pid)).as("the D-Bus library's threads of the one svc watch").isEqualTo(3);

            container.write("/etc/converge-it/sleep.yaml", "graph: swapped\nresources:\n  noop:\n  - name: only\n");
            ok("systemctl", "kill", "--signal=HUP", WATCHER);

            await("the swapped graph converged").atMost(PATIENCE).until(
                    () -> ok("journalctl", "-u", WATCHER, "--no-pager").out(), out -> out.contains("noop[only]"));
            await("no D-Bus thread left after the swap").atMost(PATIENCE).until(() -> dbusThreads(pid) == 0);
            assertThat(show(WATCHER, "MainPID")).as("the same agent process").isEqualTo(pid);
        } finally {
            container.run("systemctl", "stop", WATCHER);
        }
    }

    private static void stopByHandAndAwaitTheRestart(String when) throws Exception {
        String before = show("it-sleep", "InvocationID");
        ok("systemctl", "stop", "it-sleep");
        await("it-sleep started again " + when).atMost(PATIENCE).until(
                () -> active("it-sleep").equals("active") && !show("it-sleep", "InvocationID").equals(before));
    }

    /** How many threads of process {@code pid} the D-Bus library runs (their names start with DBus). */
    private static long dbusThreads(String pid) throws Exception {
        Result r = ok("sh", "-c", "cat /proc/" + pid + "/task/*/comm");
        return r.out().lines().filter(l -> l.startsWith("DBus")).count();
    }

    @Test
    @Order(4)
    void twoNotifyingConfigFilesRestartTheUnitExactlyOnce() throws Exception {
        unit("it-count.service", counter("it-count"));
        container.write("/etc/converge-it/count.yaml", countGraph("it-count", "restart", 1));
        Result first = apply("/etc/converge-it/count.yaml");
        assertThat(first.exit()).as(first.describe()).isZero();
        assertThat(first.out() + first.err()).as("the unit this run starts is not restarted too").contains("started (was inactive/dead)")
                .contains("svc[it-count] refreshed, and it-count.service starts now: no restart")
                .doesNotContain("restarted");
        assertThat(lines("/var/lib/it-count/starts")).isEqualTo(1);
        String invocation = show("it-count", "InvocationID");

        container.write("/etc/converge-it/count.yaml", countGraph("it-count", "restart", 2));
        Result second = apply("/etc/converge-it/count.yaml");

        assertThat(second.exit()).as(second.describe()).isZero();
        assertThat((second.out() + second.err())).contains("restarted (refresh)");
        assertThat(lines("/var/lib/it-count/starts")).as("starts after both files changed").isEqualTo(2);
        assertThat(show("it-count", "InvocationID")).isNotEqualTo(invocation);
        assertThat(active("it-count")).isEqualTo("active");
    }

    @Test
    @Order(5)
    void refreshReloadReloadsWithoutARestart() throws Exception {
        unit("it-reload.service", counter("it-reload"));
        container.write("/etc/converge-it/reload.yaml", countGraph("it-reload", "reload", 1));
        Result first = apply("/etc/converge-it/reload.yaml");
        assertThat(first.exit()).as(first.describe()).isZero();
        String invocation = show("it-reload", "InvocationID");

        container.write("/etc/converge-it/reload.yaml", countGraph("it-reload", "reload", 2));
        Result second = apply("/etc/converge-it/reload.yaml");

        assertThat(second.exit()).as(second.describe()).isZero();
        assertThat((second.out() + second.err())).contains("reloaded (refresh)");
        assertThat(lines("/var/lib/it-reload/reloads")).isEqualTo(1);
        assertThat(lines("/var/lib/it-reload/starts")).isEqualTo(1);
        assertThat(show("it-reload", "InvocationID")).as("the same run of the unit").isEqualTo(invocation);
    }

    /** Two config files of {@code unit}, each notifying its svc, with content of version {@code version}. */
    private static String countGraph(String unit, String refresh, int version) {
        return """
                graph: %1$s
                resources:
                  file:
                  - name: /etc/%1$s/
                  - name: /etc/%1$s/a.conf
                    content: "a %3$d\\n"
                  - name: /etc/%1$s/b.conf
                    content: "b %3$d\\n"
                  svc:
                  - name: %1$s
                    state: running
                    refresh: %2$s
                edges:
                - name: a-notifies
                  from: {kind: file, name: /etc/%1$s/a.conf}
                  to: {kind: svc, name: %1$s}
                  notify: true
                - name: b-notifies
                  from: {kind: file, name: /etc/%1$s/b.conf}
                  to: {kind: svc, name: %1$s}
                  notify: true
                """.formatted(unit, refresh, version);
    }

    @Test
    @Order(6)
    void aUnitThatFailsToStartFailsTheResourceWithItsJournal() throws Exception {
        unit("it-broken.service", """
                [Service]
                ExecStartPre=/bin/sh -c 'echo "it-broken: cannot read /etc/it-broken.conf" >&2; exit 3'
                ExecStart=/bin/sleep infinity
                """);
        container.write("/etc/converge-it/broken.yaml", """
                graph: broken
                resources:
                  svc:
                  - name: it-broken
                    state: running
                """);

        Result r = apply("/etc/converge-it/broken.yaml");

        assertThat(r.exit()).as(r.describe()).isEqualTo(1);
        String all = r.out() + r.err();
        assertThat(all).contains("svc[it-broken]").contains("`systemctl start -- it-broken.service` exited with status 1")
                .contains("line(s) of its journal").contains("it-broken: cannot read /etc/it-broken.conf");
    }

    @Test
    @Order(7)
    void stopsAndDisablesAndLeavesAloneWhatIsNotDeclared() throws Exception {
        unit("it-stop.service", SLEEPER);
        ok("systemctl", "enable", "--now", "it-stop");
        unit("it-failed.service", """
                [Service]
                Type=oneshot
                ExecStart=/bin/false
                """);
        assertThat(container.run("systemctl", "start", "it-failed").exit()).as("it-failed's start by hand").isNotZero();
        assertThat(show("it-failed", "ActiveState")).isEqualTo("failed");
        unit("it-alone.service", SLEEPER);
        ok("systemctl", "enable", "it-alone");
        container.write("/etc/converge-it/stop.yaml", """
                graph: stop
                resources:
                  svc:
                  - name: it-stop
                    state: stopped
                    startup: disabled
                  - name: it-failed
                    state: stopped
                  - name: it-alone
                """);

        Result r = apply("/etc/converge-it/stop.yaml");

        assertThat(r.exit()).as(r.describe()).isZero();
        assertThat(r.out() + r.err()).contains("svc[it-stop] changed").contains(
                "disabled (was enabled), stopped (was active/running)").contains("svc[it-failed] ok")
                .contains("svc[it-alone] ok").contains("summary: 3 resources: 2 ok, 1 changed, 0 failed");
        assertThat(active("it-stop")).isEqualTo("inactive");
        assertThat(container.run("systemctl", "is-enabled", "it-stop").out().strip()).isEqualTo("disabled");
        assertThat(show("it-failed", "ActiveState")).as("a failed unit counts as stopped: left failed").isEqualTo("failed");
        assertThat(active("it-alone")).as("no state declared: not started").isEqualTo("inactive");
        assertThat(container.run("systemctl", "is-enabled", "it-alone").out().strip()).as("no startup declared")
                .isEqualTo("enabled");
    }

    @Test
    @Order(8)
    void aRefreshRestartsAUnitWithoutAReloadCommandAndNeverStartsAStoppedOne() throws Exception {
        unit("it-noreload.service", counterWithoutReload("it-noreload"));
        unit("it-down.service", counter("it-down"));
        unit("it-idle.service", counter("it-idle"));
        ok("systemctl", "start", "it-noreload");
        String invocation = show("it-noreload", "InvocationID");
        container.write("/etc/it-refresh/app.conf", "version 1\n");
        container.write("/etc/converge-it/refresh.yaml", """
                graph: refresh
                resources:
                  file:
                  - name: /etc/it-refresh/app.conf
                    content: "version 2\\n"
                  svc:
                  - name: it-noreload
                    state: running
                    refresh: reload
                  - name: it-down
                    state: stopped
                  - name: it-idle
                edges:
                - name: noreload
                  from: {kind: file, name: /etc/it-refresh/app.conf}
                  to: {kind: svc, name: it-noreload}
                  notify: true
                - name: down
                  from: {kind: file, name: /etc/it-refresh/app.conf}
                  to: {kind: svc, name: it-down}
                  notify: true
                - name: idle
                  from: {kind: file, name: /etc/it-refresh/app.conf}
                  to: {kind: svc, name: it-idle}
                  notify: true
                """);

        Result r = apply("/etc/converge-it/refresh.yaml");

        assertThat(r.exit()).as(r.describe()).isZero();
        assertThat(r.out() + r.err()).contains("file[/etc/it-refresh/app.conf] changed")
                .contains("svc[it-noreload] it-noreload.service has no reload command (ExecReload=): restarting it instead")
                .contains("restarted (refresh)")
                .contains("svc[it-down] refreshed, but it-down.service is inactive/dead: nothing to restart")
                .contains("svc[it-idle] refreshed, but it-idle.service is inactive/dead: nothing to restart")
                .contains("summary: 4 resources: 2 ok, 2 changed, 0 failed");
        assertThat(lines("/var/lib/it-noreload/starts")).as("it-noreload's starts: by hand, then the refresh")
                .isEqualTo(2);
        assertThat(show("it-noreload", "InvocationID")).isNotEqualTo(invocation);
        assertThat(active("it-down")).isEqualTo("inactive");
        assertThat(active("it-idle")).isEqualTo("inactive");
        assertThat(lines("/var/lib/it-down/starts") + lines("/var/lib/it-idle/starts")).as("starts of the stopped units")
                .isZero();
    }

    @Test
    @Order(9)
    void anUnknownUnitAndEnablingAStaticUnitFailTheResourceUnlessADryRunsParentWouldInstallIt() throws Exception {
        unit("it-static.service", """
                [Service]
                ExecStart=/bin/sleep infinity
                """);
        assertThat(container.run("systemctl", "is-enabled", "it-static").out().strip()).isEqualTo("static");
        container.write("/etc/converge-it/unknown.yaml", """
                graph: unknown
                resources:
                  svc:
                  - name: it-nothing
                    state: running
                    startup: enabled
                  - name: it-static
                    startup: enabled
                """);

        Result r = apply("/etc/converge-it/unknown.yaml");

        assertThat(r.exit()).as(r.describe()).isEqualTo(1);
        assertThat(r.out() + r.err()).contains("svc[it-nothing] failed").contains("it-nothing.service is not a unit the"
                + " system manager knows: no unit file in [/etc/systemd/system, /run/systemd/system,"
                + " /lib/systemd/system, /usr/lib/systemd/system]")
                .contains("svc[it-static] failed")
                .contains("it-static.service cannot be enabled: its unit file state is static (it has no [Install] section)")
                .contains("summary: 2 resources: 0 ok, 0 changed, 2 failed");
        assertThat(container.run("systemctl", "is-enabled", "it-static").out().strip()).isEqualTo("static");

        container.write("/etc/converge-it/later.yaml", """
                graph: later
                resources:
                  file:
                  - name: /etc/systemd/system/it-later.service
                    content: "[Service]\\nExecStart=/bin/sleep infinity\\n[Install]\\nWantedBy=multi-user.target\\n"
                  svc:
                  - name: it-later
                    state: running
                    startup: enabled
                edges:
                - name: unit-file
                  from: {kind: file, name: /etc/systemd/system/it-later.service}
                  to: {kind: svc, name: it-later}
                """);
        Result dry = container.run(PATIENCE, agent("run", "--file", "/etc/converge-it/later.yaml", "--noop")
                .toArray(String[]::new));

        assertThat(dry.exit()).as(dry.describe()).isZero();
        assertThat(dry.out() + dry.err())
                .contains("svc[it-later]: would change: enable (was no unit file), start (was inactive/dead)");
        assertThat(container.run("test", "-e", "/etc/systemd/system/it-later.service").exit()).isNotZero();
    }

    @Test
    @Order(10)
    void aSessionUnitWithoutAUserManagerFailsSayingSo() throws Exception {
        container.write("/etc/converge-it/session.yaml", """
                graph: session
                resources:
                  svc:
                  - name: it-user
                    state: running
                    session: true
                """);

        Result r = apply("/etc/converge-it/session.yaml");

        assertThat(r.exit()).as(r.describe()).isEqualTo(1);
        assertThat(r.out() + r.err()).contains("session: true needs the systemd user manager of root (uid 0),"
                + " and none runs: /run/user/0/systemd/private does not exist");
    }

    /**
     * A real user manager of root, run as a transient system service as {@code loginctl
     * enable-linger} would, but without a user bus: the tree has no dbus-user-session.
     * {@code systemctl --user} reaches it on its private socket; the svc watch needs the bus.
     */
    @Test
    @Order(11)
    void aSessionUnitIsAskedOfTheUserManagerAndItsWatchNeedsTheUserBus() throws Exception {
        container.write("/etc/systemd/user/it-user.service", """
                [Service]
                ExecStart=/bin/sleep infinity
                """);
        ok("install", "-d", "-m", "0700", "/run/user/0");
        try {
            ok("systemd-run", "--unit=" + USER_MANAGER, "--setenv=XDG_RUNTIME_DIR=/run/user/0", "/lib/systemd/systemd",
                    "--user");
            await("root's user manager listens").atMost(PATIENCE).until(
                    () -> container.run("test", "-S", "/run/user/0/systemd/private").exit() == 0);
            assertThat(container.run("test", "-e", "/run/user/0/bus").exit()).as("a user bus").isNotZero();
            container.write("/etc/converge-it/user.yaml", """
                    graph: user
                    resources:
                      svc:
                      - name: it-user
                        state: running
                        session: true
                        meta: {poll: 3600}
                    """);

            Result applied = apply("/etc/converge-it/user.yaml");

            assertThat(applied.exit()).as(applied.describe()).isZero();
            assertThat(applied.out() + applied.err()).contains("svc[it-user] changed")
                    .contains("started (was inactive/dead)");
            assertThat(container.run(Duration.ofSeconds(30), Map.of("XDG_RUNTIME_DIR", "/run/user/0"),
                    "systemctl", "--user", "is-active", "it-user").out().strip()).isEqualTo("active");
            assertThat(active("it-user")).as("the system manager's it-user").isEqualTo("inactive");

            container.write("/etc/converge-it/user.yaml", """
                    graph: user
                    resources:
                      svc:
                      - name: it-user
                        state: running
                        session: true
                    """);
            Result watched = apply("/etc/converge-it/user.yaml");

            assertThat(watched.exit()).as(watched.describe()).isEqualTo(1);
            assertThat(watched.out() + watched.err()).contains("svc[it-user] failed").contains(
                    "cannot watch it-user.service on the D-Bus of the user manager of root (unix:path=/run/user/0/bus)");
        } finally {
            container.run("systemctl", "stop", USER_MANAGER);
        }
    }

    @Test
    @Order(12)
    void anEnabledUnitRunsAfterAReboot() throws Exception {
        assertThat(container.run("systemctl", "is-enabled", "it-sleep").out().strip()).isEqualTo("enabled");

        container.reboot();

        assertThat(active("it-sleep")).as("it-sleep after the reboot").isEqualTo("active");
        assertThat(active("it-count")).as("it-count, never enabled, after the reboot").isEqualTo("inactive");
        assertThat(show("it-sleep", "InvocationID")).isNotEmpty();
    }

    @Test
    @Order(13)
    void theWebServiceExampleAppliesFromScratchThenIsOk() throws Exception {
        assertThat(container.run("dpkg-query", "-W", "nginx").exit()).as("nginx is not in the tree").isNotZero();
        String example = "/opt/converge/examples/web-service.yaml";

        Result first = apply(example, APT);

        assertThat(first.exit()).as(first.describe()).isZero();
        assertThat((first.out() + first.err())).contains("pkg[nginx] changed").contains("file[site] changed")
                .contains("svc[nginx] changed");
        assertThat(active("nginx")).isEqualTo("active");
        assertThat(container.run("systemctl", "is-enabled", "nginx").out().strip()).isEqualTo("enabled");
        assertThat(ok("nginx", "-T").out()).contains("return 200 \"hello from converge\\n\";");

        Result second = apply(example, APT);

        assertThat(second.exit()).as(second.describe()).isZero();
        assertThat((second.out() + second.err())).contains("summary: 3 resources: 3 ok, 0 changed, 0 failed");
    }
}
