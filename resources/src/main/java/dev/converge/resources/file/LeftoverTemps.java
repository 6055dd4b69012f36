package dev.converge.resources.file;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The temporary files of writes that never finished (the agent was killed between creating one
 * and renaming it over its target), so that the check of the resource they were for removes them.
 *
 * <p>Only an earlier agent process can have left them: this one deletes its temporary files on
 * every failure. So each directory is read once per process, when a resource in it is first
 * checked, and what this process is writing at that moment ({@link #writing}) is not a leftover.
 *
 * <p>Thread-safe: any thread may call any method.
 */
final class LeftoverTemps {

    /** The temporary files of this JVM's writes. */
    static final LeftoverTemps AGENT = new LeftoverTemps();

    /** {@code .STEM.<16 hex digits>.converge-tmp}, as {@link AtomicFile} names them. */
    private static final Pattern NAME = Pattern.compile("\\.(.*)\\.[0-9a-f]{16}" + Pattern.quote(AtomicFile.SUFFIX));

    private final Set<Path> live = ConcurrentHashMap.newKeySet();
    /** Per directory read: the leftovers found, by stem; entries are removed once deleted. */
    private final Map<Path, Map<String, List<Path>>> found = new ConcurrentHashMap<>();

    /** {@code tmp} is about to be created by this process; it is no leftover until {@link #done}. */
    void writing(Path tmp) {
        live.add(tmp);
    }

    /** {@code tmp} was renamed into place or deleted. */
    void done(Path tmp) {
        live.remove(tmp);
    }

    /** The leftover temporary files of writes to {@code target}, oldest process's first found; possibly none. */
    List<Path> of(Path target) {
        Path dir = target.getParent();
        if (dir == null) {
            return List.of();
        }
        Map<String, List<Path>> stems = found.computeIfAbsent(dir, this::scan);
        synchronized (stems) {
            return List.copyOf(stems.getOrDefault(AtomicFile.stem(target.getFileName().toString()), List.of()));
        }
    }

    /** Deletes a leftover of {@link #of}; one already gone is no error. */
    void remove(Path leftover) throws IOException {
        Files.deleteIfExists(leftover);
        Map<String, List<Path>> stems = found.get(leftover.getParent());
        Matcher m = NAME.matcher(leftover.getFileName().toString());
        if (stems != null && m.matches()) {
            synchronized (stems) {
                List<Path> list = stems.get(m.group(1));
                if (list != null) {
                    list.remove(leftover);
                }
            }
        }
    }

    private Map<String, List<Path>> scan(Path dir) {
        var stems = new HashMap<String, List<Path>>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.endsWith(AtomicFile.SUFFIX) || live.contains(entry)) {
                    continue;
                }
                Matcher m = NAME.matcher(name);
                if (m.matches()) {
                    stems.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(entry);
                }
            }
        } catch (IOException e) {
            // A directory that is missing or unreadable holds no leftover this check could remove.
            return stems;
        }
        return stems;
    }
}
