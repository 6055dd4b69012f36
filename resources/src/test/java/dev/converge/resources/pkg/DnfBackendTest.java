package dev.converge.resources.pkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.resources.CheckResult;
import dev.converge.resources.PathHints;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.pkg.CommandRunner.Command;
import dev.converge.resources.pkg.CommandRunner.Result;
import dev.converge.resources.testing.RecordingContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dnf backend's command lines, asserted exactly against a recording double that plays a
 * small rpm database and repository (this host has no dnf).
 */
class DnfBackendTest {

    private static final Duration QUERY = Backend.QUERY_TIMEOUT;

    @TempDir
    Path bin;

    private FakeDnf dnf;
    private PkgKind kind;
    private String path;

    /** Installed and available packages, name to {@code epoch:version-release}; records every command. */
    private static final class FakeDnf implements CommandRunner {
        final Map<String, String> installed = new TreeMap<>();
        final Map<String, String> available = new TreeMap<>();
        final Map<String, List<String>> files = new TreeMap<>();
        final List<Command> commands = new ArrayList<>();
        /** Available packages whose every transaction fails without naming them, as a file conflict does. */
        final Set<String> broken = new TreeSet<>();
        /** Available packages that install but make their transaction exit non-zero, as a failing scriptlet can. */
        final Set<String> failingScriptlet = new TreeSet<>();

        /** The available package {@code spec} names ({@code name} or {@code name-[epoch:]version-release}), or null. */
        String resolve(String spec) {
            return available.entrySet().stream()
                    .filter(a -> spec.equals(a.getKey()) || spec.equals(a.getKey() + "-" + a.getValue())
                            || spec.equals(a.getKey() + "-" + a.getValue().replaceFirst("^0:", "")))
                    .map(Map.Entry::getKey).findFirst().orElse(null);
        }

        @Override
        public synchronized Result run(ResourceId id, ResourceContext ctx, Command c) {
            commands.add(c);
            List<String> argv = c.argv();
            String verb = argv.get(0) + " " + argv.get(argv.get(0).equals("dnf") ? 2 : 1);
            return switch (verb) {
                case "rpm -q" -> {
                    var out = new ArrayList<String>();
                    for (String n : argv.subList(3, argv.size())) {
                        out.add(installed.containsKey(n) ? n + "\tx86_64\t" + installed.get(n)
                                : "package " + n + " is not installed");
                    }
                    yield new Result(out.stream().noneMatch(l -> l.startsWith("package ")), out, List.of());
                }
                case "rpm -ql" -> {
                    String n = argv.get(2);
                    yield installed.containsKey(n) ? new Result(true, files.getOrDefault(n, List.of()), List.of())
                            : new Result(false, List.of("package " + n + " is not installed"), List.of());
                }
                case "dnf repoquery" -> new Result(true, argv.subList(7, argv.size()).stream()
                        .filter(available::containsKey).map(n -> n + "\tx86_64\t" + available.get(n)).toList(), List.of());
                case "dnf install", "dnf --nogpgcheck" -> {
                    List<String> specs = argv.subList(argv.indexOf("install") + 1, argv.size());
                    List<String> unmatched = specs.stream().filter(spec -> resolve(spec) == null).toList();
                    if (!unmatched.isEmpty()) {
                        yield new Result(false, List.of(), List.of(
                                "Error: Unable to find a match: " + String.join(" ", unmatched)));
                    }
                    if (specs.stream().anyMatch(spec -> broken.contains(resolve(spec)))) {
                        yield new Result(false, List.of(), List.of("Error: Transaction test error:",
                                "  file /usr/bin/cow conflicts between attempted installs of broken and cowsay"));
                    }
                    for (String spec : specs) {
                        installed.put(resolve(spec), available.get(resolve(spec)));
                    }
                    if (specs.stream().anyMatch(spec -> failingScriptlet.contains(resolve(spec)))) {
                        yield new Result(false, List.of(), List.of("Error: Transaction failed"));
                    }
                    yield new Result(true, List.of(), List.of());
                }
                case "dnf remove" -> {
                    argv.subList(3, argv.size()).forEach(installed::remove);
                    yield new Result(true, List.of(), List.of());
                }
                default -> throw new AssertionError("unexpected command " + c.line());
            };
        }
    }

    @BeforeEach
    void fakeHost() throws IOException {
        for (String tool : List.of("dnf", "rpm")) {
            Files.createFile(bin.resolve(tool), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        path = bin.toString();
        dnf = new FakeDnf();
        kind = new PkgKind(new PkgSettings(dnf, path,
                new DpkgLock(bin.resolve("no-lock"), Duration.ZERO, Duration.ofMillis(10)), "x86_64"));
    }

    private Command rpmQ(String... names) {
        var argv = new ArrayList<>(List.of("rpm", "-q",
                "--queryformat=%{NAME}\\t%{ARCH}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n"));
        argv.addAll(List.of(names));
        return new Command(argv, Map.of("PATH", path, "LC_ALL", "C"), QUERY, false);
    }

    private Command repoquery(String... names) {
        var argv = new ArrayList<>(List.of("dnf", "-q", "repoquery", "--available", "--latest-limit=1",
                "--arch=x86_64,noarch", "--queryformat=%{name}\\t%{arch}\\t%{epoch}:%{version}-%{release}\\n"));
        argv.addAll(List.of(names));
        return new Command(argv, Map.of("PATH", path, "LC_ALL", "C"), QUERY, false);
    }

    private Command transaction(String... argv) {
        return new Command(List.of(argv), Map.of("PATH", path), Duration.ZERO, true);
    }

    private Resource group(String state, String... names) {
        return group(new PkgParams(state, false, false, false, false), names);
    }

    private Resource group(PkgParams params, String... names) {
        var members = new LinkedHashMap<String, PkgParams>();
        for (String n : names) {
            members.put(n, params);
        }
        return kind.createGroup(members);
    }

    private static RecordingContext ctx(Resource r) {
        return new RecordingContext(r.id());
    }

    @Test
    void installsWhatIsMissingInOneTransaction() throws Exception {
        dnf.installed.put("hello", "0:2.12.1-2.fc40");
        dnf.available.put("hello", "0:2.12.1-2.fc40");
        dnf.available.put("sl", "0:5.02-1.fc40");
        dnf.available.put("cowsay", "0:3.7.0-8.fc40");
        Resource r = group("installed", "hello", "sl", "cowsay");

        assertThat(r.checkApply(ctx(r), false).changes())
                .containsExactly("install sl (5.02-1.fc40)", "install cowsay (3.7.0-8.fc40)");
        assertThat(dnf.commands).containsExactly(rpmQ("hello", "sl", "cowsay"), repoquery("sl", "cowsay"));
        assertThat(dnf.installed).containsOnlyKeys("hello");

        dnf.commands.clear();
        var ctx = ctx(r);
        assertThat(r.checkApply(ctx, true).changes())
                .containsExactly("install sl (5.02-1.fc40)", "install cowsay (3.7.0-8.fc40)");
        assertThat(dnf.commands).containsExactly(
                rpmQ("hello", "sl", "cowsay"),
                repoquery("sl", "cowsay"),
                transaction("dnf", "-y", "install", "sl", "cowsay"),
                rpmQ("sl", "cowsay"));
        assertThat(ctx.logs()).contains("running: dnf -y install sl cowsay");

        dnf.commands.clear();
        assertThat(r.checkApply(ctx(r), true)).isEqualTo(CheckResult.ok());
        assertThat(dnf.commands).containsExactly(rpmQ("hello", "sl", "cowsay"));
    }

    @Test
    void removesInOneTransaction() throws Exception {
        dnf.installed.put("hello", "0:2.12.1-2.fc40");
        dnf.installed.put("sl", "0:5.02-1.fc40");
        Resource r = group("uninstalled", "hello", "sl", "cowsay");

        assertThat(r.checkApply(ctx(r), true).changes()).containsExactly("remove hello", "remove sl");
        assertThat(dnf.commands).containsExactly(
                rpmQ("hello", "sl", "cowsay"),
                transaction("dnf", "-y", "remove", "hello", "sl"),
                rpmQ("hello", "sl"));
        assertThat(dnf.installed).isEmpty();
    }

    @Test
    void newestUpgradesToTheCandidateByExactVersion() throws Exception {
        dnf.installed.put("curl", "0:8.6.0-1.fc40");
        dnf.installed.put("bash", "0:5.2.26-3.fc40");
        dnf.available.put("curl", "0:8.6.0-2.fc40");
        dnf.available.put("bash", "0:5.2.26-3.fc40");
        dnf.available.put("vim-enhanced", "2:9.1.393-1.fc40");
        Resource r = group("newest", "curl", "bash", "vim-enhanced");

        assertThat(r.checkApply(ctx(r), true).changes())
                .containsExactly("upgrade curl 8.6.0-1.fc40 -> 8.6.0-2.fc40", "install vim-enhanced (2:9.1.393-1.fc40)");
        assertThat(dnf.commands).containsExactly(
                rpmQ("curl", "bash", "vim-enhanced"),
                repoquery("curl", "bash", "vim-enhanced"),
                transaction("dnf", "-y", "install", "curl-8.6.0-2.fc40", "vim-enhanced-2:9.1.393-1.fc40"),
                rpmQ("curl", "vim-enhanced"));
    }

    @Test
    void versionPinsAndUntrustedPackages() throws Exception {
        dnf.installed.put("hello", "0:2.10-1.fc40");
        dnf.available.put("hello", "0:2.12.1-2.fc40");
        Resource r = group(new PkgParams("2.12.1-2.fc40", false, true, false, false), "hello");

        assertThat(r.checkApply(ctx(r), true).changes()).containsExactly("change hello 2.10-1.fc40 -> 2.12.1-2.fc40");
        assertThat(dnf.commands).containsExactly(
                rpmQ("hello"),
                repoquery("hello"),
                transaction("dnf", "-y", "--nogpgcheck", "install", "hello-2.12.1-2.fc40"),
                rpmQ("hello"));
    }

    @Test
    void anUnknownPackageFailsEvenInNoopAndNothingRuns() {
        dnf.available.put("hello", "0:2.12.1-2.fc40");
        Resource r = group("installed", "hello", "no-such-thing");

        assertThatThrownBy(() -> r.checkApply(ctx(r), false)).isInstanceOf(PackagesFailedException.class)
                .hasMessage("no-such-thing: not available from the package repositories")
                .satisfies(e -> assertThat(((ResourceException) e).id())
                        .isEqualTo(ResourceId.of("pkg", "autogroup:(hello,no-such-thing)")));
        assertThat(dnf.commands).containsExactly(rpmQ("hello", "no-such-thing"), repoquery("hello", "no-such-thing"));
    }

    @Test
    void applyInstallsTheOtherMembersAndFailsOnlyTheUnknownOne() {
        dnf.available.put("hello", "0:2.12.1-2.fc40");
        Resource r = group("installed", "hello", "no-such-thing");
        var ctx = ctx(r);

        assertThatThrownBy(() -> r.checkApply(ctx, true)).isInstanceOfSatisfying(PackagesFailedException.class,
                e -> assertThat(e.failures()).containsOnlyKeys("no-such-thing"))
                .hasMessage("no-such-thing: not available from the package repositories");
        assertThat(dnf.commands).containsExactly(
                rpmQ("hello", "no-such-thing"),
                repoquery("hello", "no-such-thing"),
                transaction("dnf", "-y", "install", "hello"),
                rpmQ("hello"));
        assertThat(dnf.installed).containsOnlyKeys("hello");
        assertThat(ctx.logs()).contains("done for the other packages: install hello (2.12.1-2.fc40)");
    }

    @Test
    void aPinDnfCannotFindIsLeftOutAndTheOthersInstalledTogether() {
        dnf.available.put("hello", "0:2.12.1-2.fc40");
        dnf.available.put("sl", "0:5.02-1.fc40");
        dnf.available.put("cowsay", "0:3.7.0-8.fc40");
        var members = new LinkedHashMap<String, PkgParams>();
        members.put("hello", new PkgParams("0.0.1-1.fc40", false, false, false, false));
        members.put("sl", new PkgParams("5.02-1.fc40", false, false, false, false));
        members.put("cowsay", new PkgParams("3.7.0-8.fc40", false, false, false, false));
        Resource r = kind.createGroup(members);
        var ctx = ctx(r);

        assertThatThrownBy(() -> r.checkApply(ctx, true)).isInstanceOfSatisfying(PackagesFailedException.class,
                e -> assertThat(e.failures()).containsOnlyKeys("hello"))
                .hasMessage("hello: Error: Unable to find a match: hello-0.0.1-1.fc40");
        assertThat(dnf.commands).containsExactly(
                rpmQ("hello", "sl", "cowsay"),
                repoquery("hello", "sl", "cowsay"),
                transaction("dnf", "-y", "install", "hello-0.0.1-1.fc40", "sl-5.02-1.fc40", "cowsay-3.7.0-8.fc40"),
                transaction("dnf", "-y", "install", "sl-5.02-1.fc40", "cowsay-3.7.0-8.fc40"),
                rpmQ("sl", "cowsay"));
        assertThat(dnf.installed).containsOnlyKeys("sl", "cowsay");
        assertThat(ctx.logs()).contains("the transaction failed on hello; running it again for sl, cowsay");
    }

    @Test
    void aFailureThatNamesNoPackageIsRetriedOnePackageAtATime() {
        dnf.available.put("sl", "0:5.02-1.fc40");
        dnf.available.put("broken", "0:1.0-1.fc40");
        dnf.available.put("cowsay", "0:3.7.0-8.fc40");
        dnf.broken.add("broken");
        Resource r = group("installed", "sl", "broken", "cowsay");
        var ctx = ctx(r);

        assertThatThrownBy(() -> r.checkApply(ctx, true)).isInstanceOfSatisfying(PackagesFailedException.class,
                e -> assertThat(e.failures()).containsOnlyKeys("broken"))
                .hasMessage("broken: `dnf -y install broken` failed; stderr:\nError: Transaction test error:\n"
                        + "  file /usr/bin/cow conflicts between attempted installs of broken and cowsay");
        assertThat(dnf.commands).containsExactly(
                rpmQ("sl", "broken", "cowsay"),
                repoquery("sl", "broken", "cowsay"),
                transaction("dnf", "-y", "install", "sl", "broken", "cowsay"),
                rpmQ("sl", "broken", "cowsay"),
                transaction("dnf", "-y", "install", "sl"),
                transaction("dnf", "-y", "install", "broken"),
                transaction("dnf", "-y", "install", "cowsay"),
                rpmQ("sl", "cowsay"));
        assertThat(dnf.installed).containsOnlyKeys("sl", "cowsay");
        assertThat(ctx.logs()).contains(
                "the transaction failed without naming a package; running it for sl, broken, cowsay one at a time");
    }

    @Test
    void aFailedTransactionThatLeftNothingUndoneFailsTheWholeResource() {
        dnf.available.put("sl", "0:5.02-1.fc40");
        dnf.available.put("cowsay", "0:3.7.0-8.fc40");
        dnf.failingScriptlet.add("cowsay");
        Resource r = group("installed", "sl", "cowsay");

        assertThatThrownBy(() -> r.checkApply(ctx(r), true)).isExactlyInstanceOf(TransactionFailedException.class)
                .hasMessage("`dnf -y install sl cowsay` failed; stderr:\nError: Transaction failed");
        assertThat(dnf.commands).containsExactly(
                rpmQ("sl", "cowsay"),
                repoquery("sl", "cowsay"),
                transaction("dnf", "-y", "install", "sl", "cowsay"),
                rpmQ("sl", "cowsay"));
        assertThat(dnf.installed).containsOnlyKeys("sl", "cowsay");
    }

    @Test
    void parsesTheArgumentsDnfCannotFind() {
        assertThat(DnfBackend.unknown(List.of(
                "Failed to resolve the transaction:",
                "No match for argument: no-such-thing",
                "Error: Unable to find a match: hello-0.0.1-1.fc40 no-such-thing")))
                .containsExactly(
                        Map.entry("no-such-thing", "No match for argument: no-such-thing"),
                        Map.entry("hello-0.0.1-1.fc40",
                                "Error: Unable to find a match: hello-0.0.1-1.fc40 no-such-thing"));
        assertThat(DnfBackend.unknown(List.of("Error: Transaction test error:"))).isEmpty();
    }

    @Test
    void pathHintsAskRpmForTheFileList() {
        dnf.installed.put("hello", "0:2.12.1-2.fc40");
        Path file = bin.resolve("rpm");
        dnf.files.put("hello", List.of(bin.toString(), file.toString(), "(contains no files)"));

        assertThat(kind.pathHints("hello", PkgParams.DEFAULTS)).isEqualTo(new PathHints(java.util.Set.of(file), java.util.Set.of()));
        assertThat(kind.pathHints("sl", PkgParams.DEFAULTS)).isEqualTo(PathHints.NONE);
        assertThat(dnf.commands).containsExactly(
                new Command(List.of("rpm", "-ql", "hello"), Map.of("PATH", path, "LC_ALL", "C"), QUERY, false),
                new Command(List.of("rpm", "-ql", "sl"), Map.of("PATH", path, "LC_ALL", "C"), QUERY, false));
    }

    @Test
    void aHostWithNeitherManagerFailsClearly(@TempDir Path empty) {
        var bare = new PkgKind(new PkgSettings(dnf, empty.toString(),
                new DpkgLock(empty.resolve("lock"), Duration.ZERO, Duration.ofMillis(10)), "x86_64"));
        Resource r = bare.create("hello", PkgParams.DEFAULTS);

        assertThatThrownBy(() -> r.checkApply(ctx(r), false)).isInstanceOf(ResourceException.class)
                .hasMessage("no supported package manager: need apt-get+dpkg-query (Debian/Ubuntu)"
                        + " or dnf+rpm (Fedora/RHEL)");
        assertThat(dnf.commands).isEmpty();
    }
}
