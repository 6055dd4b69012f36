package dev.converge.resources.pkg;

import dev.converge.resources.ResourceContext;
import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import dev.converge.resources.pkg.CommandRunner.Command;
import dev.converge.resources.pkg.CommandRunner.Result;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The apt backend: {@code dpkg-query} for what is installed, {@code apt-cache policy} for what
 * can be, {@code apt-get} (non-interactive, keeping changed configuration files) for
 * transactions, each preceded by a bounded wait for dpkg's lock.
 */
final class AptBackend implements Backend {

    /** Package, architecture, version and the three status letters, tab-separated. */
    static final String SHOW_FORMAT = "--showformat=${Package}\\t${Architecture}\\t${Version}\\t${db:Status-Abbrev}\\n";

    private static final Duration UPDATE_TIMEOUT = Duration.ofMinutes(15);
    private static final Pattern NOT_FOUND = Pattern.compile("dpkg-query: no packages found matching (\\S+)");
    /** apt-get's errors that name an argument it cannot install: the argument is group 1, or groups 2=1. */
    private static final List<Pattern> UNKNOWN = List.of(
            Pattern.compile("E: Unable to locate package (\\S+)"),
            Pattern.compile("E: Package '([^']+)' has no installation candidate"),
            Pattern.compile("E: Version '([^']+)' for '([^']+)' was not found"));
    /** A row of the version table: {@code " *** 2.10-3 500"} (installed) or {@code "     2.10-3 500"}. */
    private static final Pattern VERSION_ROW = Pattern.compile(" (?:\\*\\*\\*| {3}) (\\S+) -?\\d+");

    private final CommandRunner runner;
    private final ResourceId id;
    private final ResourceContext ctx;
    private final String searchPath;
    private final DpkgLock lock;

    AptBackend(CommandRunner runner, ResourceId id, ResourceContext ctx, String searchPath, DpkgLock lock) {
        this.runner = runner;
        this.id = id;
        this.ctx = ctx;
        this.searchPath = searchPath;
        this.lock = lock;
    }

    @Override
    public Map<String, List<String>> installed(List<String> names) throws ResourceException, InterruptedException {
        var argv = new ArrayList<>(List.of("dpkg-query", "--show", SHOW_FORMAT));
        argv.addAll(names);
        Result r = query(argv);
        if (!r.succeeded()) {
            // Exit 1 also means some names are unknown to dpkg: fine, as long as that is all.
            for (String line : r.stderr()) {
                if (!NOT_FOUND.matcher(line).matches()) {
                    throw new ResourceException(id, "`dpkg-query --show` failed" + r.stderrTail());
                }
            }
        }
        return parseShow(names, r.stdout());
    }

    /** Installed versions per name from {@link #SHOW_FORMAT} rows; exposed for tests. */
    static Map<String, List<String>> parseShow(List<String> names, List<String> rows) {
        var result = new LinkedHashMap<String, List<String>>();
        names.forEach(n -> result.put(n, new ArrayList<>()));
        for (String row : rows) {
            String[] f = row.split("\t", -1);
            if (f.length < 4 || f[3].length() < 2 || f[3].charAt(1) != 'i') {
                continue;
            }
            for (String name : names) {
                if (name.equals(f[0]) || name.equals(f[0] + ":" + f[1])) {
                    result.get(name).add(f[2]);
                }
            }
        }
        result.replaceAll((n, v) -> List.copyOf(v));
        return result;
    }

    @Override
    public Map<String, Offer> offers(List<String> names) throws ResourceException, InterruptedException {
        var argv = new ArrayList<>(List.of("apt-cache", "policy"));
        argv.addAll(names);
        Result r = query(argv);
        if (!r.succeeded()) {
            throw new ResourceException(id, "`apt-cache policy` failed" + r.stderrTail());
        }
        return parsePolicy(names, r.stdout());
    }

    /**
     * Offers per name from {@code apt-cache policy} output (C locale). A package apt does not
     * know has no section; one with neither candidate nor versions (a virtual package) is
     * left out too. Exposed for tests.
     */
    static Map<String, Offer> parsePolicy(List<String> names, List<String> lines) {
        var candidates = new LinkedHashMap<String, String>();
        var versions = new LinkedHashMap<String, Set<String>>();
        String section = null;
        for (String line : lines) {
            if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && line.endsWith(":")) {
                section = line.substring(0, line.length() - 1);
                versions.putIfAbsent(section, new LinkedHashSet<>());
            } else if (section != null && line.startsWith("  Candidate: ")) {
                String c = line.substring("  Candidate: ".length()).strip();
                if (!c.equals("(none)")) {
                    candidates.put(section, c);
                }
            } else if (section != null) {
                Matcher m = VERSION_ROW.matcher(line);
                if (m.matches()) {
                    versions.get(section).add(m.group(1));
                }
            }
        }
        var result = new LinkedHashMap<String, Offer>();
        for (String name : names) {
            String base = name.contains(":") ? name.substring(0, name.indexOf(':')) : name;
            String key = versions.containsKey(name) ? name : base;
            Set<String> known = versions.getOrDefault(key, Set.of());
            String candidate = candidates.get(key);
            if (candidate != null || !known.isEmpty()) {
                result.put(name, new Offer(candidate == null ? "" : candidate, known));
            }
        }
        return result;
    }

    @Override
    public boolean listsVersions() {
        return true;
    }

    @Override
    public Optional<String> refreshCommand() {
        return Optional.of("apt-get update");
    }

    @Override
    public void refresh() throws ResourceException, InterruptedException {
        transaction(List.of("update"), UPDATE_TIMEOUT);
    }

    @Override
    public String spec(String name, String version) {
        return name + "=" + version;
    }

    @Override
    public void install(List<String> specs, Options options) throws ResourceException, InterruptedException {
        var args = new ArrayList<String>();
        if (options.allowUntrusted()) {
            args.add("--allow-unauthenticated");
        }
        if (options.allowDowngrade()) {
            args.add("--allow-downgrades");
        }
        args.add("install");
        args.addAll(specs);
        transaction(args, Duration.ZERO);
    }

    @Override
    public void remove(List<String> names, Options options) throws ResourceException, InterruptedException {
        var args = new ArrayList<String>();
        args.add("remove");
        args.addAll(names);
        transaction(args, Duration.ZERO);
    }

    @Override
    public Set<Path> files(String name) throws ResourceException, InterruptedException {
        Result r = query(List.of("dpkg-query", "--listfiles", name));
        if (!r.succeeded()) {
            return Set.of();
        }
        return nonDirectories(r.stdout());
    }

    /** The absolute paths among {@code lines} that are not directories; other lines are notes. */
    static Set<Path> nonDirectories(List<String> lines) {
        var files = new HashSet<Path>();
        for (String line : lines) {
            if (line.startsWith("/")) {
                try {
                    Path p = Path.of(line);
                    if (!Files.isDirectory(p)) {
                        files.add(p);
                    }
                } catch (InvalidPathException e) {
                    // Not a path after all (dpkg prints notes too); skip it.
                }
            }
        }
        return files;
    }

    /**
     * apt-get after the lock wait, non-interactive, keeping changed configuration files, and
     * without a pseudo-terminal for dpkg (so its output has no progress lines); fails unless it
     * exits 0.
     */
    private void transaction(List<String> args, Duration timeout) throws ResourceException, InterruptedException {
        lock.awaitFree(id, ctx);
        var argv = new ArrayList<>(List.of("apt-get", "-y", "-q",
                "-o", "DPkg::Lock::Timeout=" + lock.bound().toSeconds(),
                "-o", "Dpkg::Options::=--force-confdef",
                "-o", "Dpkg::Options::=--force-confold",
                "-o", "Dpkg::Use-Pty=0"));
        argv.addAll(args);
        var command = new Command(argv, Map.of("PATH", searchPath, "DEBIAN_FRONTEND", "noninteractive"),
                timeout, true);
        ctx.log("running: " + command.line());
        Result r = runner.run(id, ctx, command);
        if (!r.succeeded()) {
            throw new TransactionFailedException(id, "`" + command.line() + "` failed" + r.stderrTail(),
                    unknown(r.stderr()));
        }
    }

    /**
     * The arguments apt-get's error lines say it cannot find ({@code E: Unable to locate package
     * NAME}, {@code E: Package 'NAME' has no installation candidate}, {@code E: Version 'V' for
     * 'NAME' was not found}, the last as {@code NAME=V}), each with its line; exposed for tests.
     */
    static SequencedMap<String, String> unknown(List<String> stderr) {
        var found = new LinkedHashMap<String, String>();
        for (String line : stderr) {
            for (Pattern p : UNKNOWN) {
                Matcher m = p.matcher(line.strip());
                if (m.matches()) {
                    found.putIfAbsent(m.groupCount() == 2 ? m.group(2) + "=" + m.group(1) : m.group(1), line.strip());
                }
            }
        }
        return found;
    }

    private Result query(List<String> argv) throws ResourceException, InterruptedException {
        return runner.run(id, ctx, Command.query(argv, searchPath));
    }
}
