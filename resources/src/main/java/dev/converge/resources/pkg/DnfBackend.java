package dev.converge.resources.pkg;

import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.pkg.CommandRunner.Command;
import dev.converge.resources.pkg.CommandRunner.Result;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dnf backend: {@code rpm -q} for what is installed, {@code dnf repoquery} for what can be,
 * {@code dnf -y} for transactions. Versions are shown as {@code [epoch:]version-release}, the
 * epoch only when it is not 0. dnf refreshes its metadata and waits for its own lock by itself.
 */
final class DnfBackend implements Backend {

    static final String RPM_FORMAT = "--queryformat=%{NAME}\\t%{ARCH}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n";
    static final String DNF_FORMAT = "--queryformat=%{name}\\t%{arch}\\t%{epoch}:%{version}-%{release}\\n";

    private static final Pattern NOT_INSTALLED = Pattern.compile("package \\S+ is not installed");

    /** dnf 4 and 5: {@code No match for argument: SPEC}, one per line. */
    private static final Pattern NO_MATCH = Pattern.compile("No match for argument: (\\S+)");
    /** dnf 4, on stderr (its {@code No match} lines go to stdout): {@code Error: Unable to find a match: SPEC...}. */
    private static final Pattern NO_MATCHES = Pattern.compile("Error: Unable to find a match: (.+)");

    private final CommandRunner runner;
    private final ResourceId id;
    private final ResourceContext ctx;
    private final String searchPath;
    private final String arch;

    DnfBackend(CommandRunner runner, ResourceId id, ResourceContext ctx, String searchPath, String arch) {
        this.runner = runner;
        this.id = id;
        this.ctx = ctx;
        this.searchPath = searchPath;
        this.arch = arch;
    }

    @Override
    public Map<String, List<String>> installed(List<String> names) throws ResourceException, InterruptedException {
        var argv = new ArrayList<>(List.of("rpm", "-q", RPM_FORMAT));
        argv.addAll(names);
        Result r = query(argv);
        var rows = new ArrayList<String[]>();
        for (String line : r.stdout()) {
            String[] f = line.split("\t", -1);
            if (f.length == 3) {
                rows.add(f);
            } else if (!NOT_INSTALLED.matcher(line).matches()) {
                throw new ResourceException(id, "`rpm -q` printed an unexpected line: " + line + r.stderrTail());
            }
        }
        if (!r.succeeded() && r.stdout().stream().noneMatch(l -> NOT_INSTALLED.matcher(l).matches())) {
            throw new ResourceException(id, "`rpm -q` failed" + r.stderrTail());
        }
        var result = new LinkedHashMap<String, List<String>>();
        for (String name : names) {
            result.put(name, rows.stream().filter(f -> matches(name, f)).map(f -> evr(f[2])).toList());
        }
        return result;
    }

    @Override
    public Map<String, Offer> offers(List<String> names) throws ResourceException, InterruptedException {
        var argv = new ArrayList<>(List.of("dnf", "-q", "repoquery", "--available", "--latest-limit=1",
                "--arch=" + arch + ",noarch", DNF_FORMAT));
        argv.addAll(names);
        Result r = query(argv);
        if (!r.succeeded()) {
            throw new ResourceException(id, "`dnf repoquery` failed" + r.stderrTail());
        }
        var result = new LinkedHashMap<String, Offer>();
        for (String line : r.stdout()) {
            String[] f = line.split("\t", -1);
            if (f.length != 3) {
                continue;
            }
            for (String name : names) {
                if (matches(name, f)) {
                    result.putIfAbsent(name, new Offer(evr(f[2]), Set.of()));
                }
            }
        }
        return result;
    }

    @Override
    public boolean listsVersions() {
        return false;
    }

    @Override
    public Optional<String> refreshCommand() {
        return Optional.empty();
    }

    /** Nothing to do: dnf refreshes its metadata by itself when it runs. */
    @Override
    public void refresh() {
    }

    @Override
    public String spec(String name, String version) {
        return name + "-" + version;
    }

    @Override
    public void install(List<String> specs, Options options) throws ResourceException, InterruptedException {
        var argv = new ArrayList<>(List.of("dnf", "-y"));
        if (options.allowUntrusted()) {
            argv.add("--nogpgcheck");
        }
        argv.add("install");
        argv.addAll(specs);
        transaction(argv);
    }

    @Override
    public void remove(List<String> names, Options options) throws ResourceException, InterruptedException {
        var argv = new ArrayList<>(List.of("dnf", "-y", "remove"));
        argv.addAll(names);
        transaction(argv);
    }

    @Override
    public Set<Path> files(String name) throws ResourceException, InterruptedException {
        Result r = query(List.of("rpm", "-ql", name));
        return r.succeeded() ? AptBackend.nonDirectories(r.stdout()) : Set.of();
    }

    /** {@code name} is {@code NAME} or {@code NAME.ARCH} of the row. */
    private static boolean matches(String name, String[] row) {
        return name.equals(row[0]) || name.equals(row[0] + "." + row[1]);
    }

    /** {@code 0:1.2-3} is shown {@code 1.2-3}; other epochs stay. */
    private static String evr(String epochVersionRelease) {
        return epochVersionRelease.startsWith("0:") ? epochVersionRelease.substring(2) : epochVersionRelease;
    }

    private void transaction(List<String> argv) throws ResourceException, InterruptedException {
        var command = new Command(argv, Map.of("PATH", searchPath), Duration.ZERO, true);
        ctx.log("running: " + command.line());
        Result r = runner.run(id, ctx, command);
        if (!r.succeeded()) {
            throw new TransactionFailedException(id, "`" + command.line() + "` failed" + r.stderrTail(),
                    unknown(r.stderr()));
        }
    }

    /**
     * The arguments dnf's error lines say match no package ({@code No match for argument: SPEC},
     * {@code Error: Unable to find a match: SPEC...}), each with its line; exposed for tests.
     */
    static SequencedMap<String, String> unknown(List<String> stderr) {
        var found = new LinkedHashMap<String, String>();
        for (String line : stderr) {
            String l = line.strip();
            Matcher one = NO_MATCH.matcher(l);
            Matcher several = NO_MATCHES.matcher(l);
            if (one.matches()) {
                found.putIfAbsent(one.group(1), l);
            } else if (several.matches()) {
                for (String spec : several.group(1).strip().split("\\s+")) {
                    found.putIfAbsent(spec, l);
                }
            }
        }
        return found;
    }

    private Result query(List<String> argv) throws ResourceException, InterruptedException {
        return runner.run(id, ctx, Command.query(argv, searchPath));
    }
}
