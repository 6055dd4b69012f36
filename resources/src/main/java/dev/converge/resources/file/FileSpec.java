package dev.converge.resources.file;

import dev.converge.resources.Problem;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code file} declaration checked and resolved: what {@link FileResource} works from.
 *
 * <p>Invariants: {@code path} is absolute and normalized; at most one of {@code content},
 * {@code source}, {@code fragments} and {@code symlink} is set; {@code absent} sets none of them;
 * a {@code directory} has no {@code content}, {@code fragments} or {@code symlink}, and its
 * {@code source}, if any, is a directory copied with {@code recurse}; {@code purge} comes only
 * with a directory {@code source}; {@code mode} is null for a symbolic link.
 *
 * @param display   the path as declared, a directory's with its trailing {@code /}
 * @param path      the path
 * @param directory whether the path is a directory (declared with a trailing {@code /})
 * @param absent    whether nothing may be at the path
 * @param content   the content, or null
 * @param source    the file or directory to copy, or null
 * @param fragments the files, and directories of files, whose contents make the content
 * @param symlink   the target of the symbolic link the path is, or null
 * @param owner     user name or uid, or null
 * @param group     group name or gid, or null
 * @param mode      the mode, or null to keep the current one
 * @param force     replace what has the wrong type; remove a non-empty directory
 * @param purge     remove what the source tree lacks
 * @param sensitive never show the content: no diff, no byte count (false for a directory or a
 *                  symbolic link, which have no content shown)
 */
record FileSpec(
        String display,
        Path path,
        boolean directory,
        boolean absent,
        String content,
        Path source,
        List<Fragment> fragments,
        String symlink,
        String owner,
        String group,
        ModeSpec mode,
        boolean force,
        boolean purge,
        boolean sensitive) {

    /** One {@code fragments} entry: a file, or a directory whose regular files all count. */
    record Fragment(Path path, boolean directory) {
    }

    FileSpec {
        fragments = List.copyOf(fragments);
    }

    /** Whether {@code source} is a directory tree to copy. */
    boolean copiesTree() {
        return source != null && directory;
    }

    /**
     * The path a declaration manages, as mgmt computes it: {@code path} (or the name when it is
     * empty), with its directory part replaced by {@code dirname} and its last part by
     * {@code basename} when those are set. A directory keeps its trailing {@code /}.
     */
    static String effectivePath(String name, FileParams p) {
        String path = isSet(p.path()) ? p.path() : name;
        if (!isSet(p.dirname()) && !isSet(p.basename())) {
            return path;
        }
        int cut = path.lastIndexOf('/', path.endsWith("/") ? path.length() - 2 : path.length() - 1);
        String dir = path.substring(0, cut + 1);
        String base = path.substring(cut + 1);
        return (isSet(p.dirname()) ? p.dirname() : dir) + (isSet(p.basename()) ? p.basename() : base);
    }

    private static boolean isSet(String s) {
        return s != null && !s.isEmpty();
    }

    /**
     * Checks a declaration, adding one problem per thing wrong to {@code problems}.
     *
     * @return the spec, or null when an error was added
     */
    static FileSpec parse(String name, FileParams p, List<Problem> problems) {
        var errors = new ArrayList<Problem>();
        var warnings = new ArrayList<Problem>();
        String display = effectivePath(name, p);
        String pathField = isSet(p.path()) ? "path" : null;
        if (isSet(p.dirname()) && !p.dirname().endsWith("/")) {
            errors.add(Problem.error("dirname", "dirname must end with '/', got '" + p.dirname() + "'"));
        }
        if (isSet(p.basename()) && p.basename().startsWith("/")) {
            errors.add(Problem.error("basename", "basename must not start with '/', got '" + p.basename() + "'"));
        }
        Path path = absolute(display, pathField, "path", errors);
        boolean directory = display.endsWith("/");

        boolean absent = false;
        String state = p.state() == null ? "" : p.state();
        switch (state) {
            case "exists" -> { }
            case "absent" -> absent = true;
            default -> errors.add(Problem.error("state", "state must be 'exists' or 'absent', got '" + state + "'"));
        }

        String symlink = isSet(p.symlink()) ? p.symlink() : null;
        String source = isSet(p.source()) ? p.source() : null;
        String symlinkField = "symlink";
        if ("false".equals(symlink)) {
            symlink = null;
        } else if ("true".equals(symlink)) {
            if (source == null) {
                errors.add(Problem.error("symlink", "symlink: true takes the link's target from source, which is"
                        + " not set; write the target instead, e.g. symlink: /path/to/target"));
            }
            symlink = source;
            source = null;
            symlinkField = "source";
        }

        var given = new ArrayList<String>();
        if (p.content() != null) {
            given.add("content");
        }
        if (source != null) {
            given.add("source");
        }
        if (!p.fragments().isEmpty()) {
            given.add("fragments");
        }
        if (symlink != null) {
            given.add(symlinkField);
        }
        if (given.size() > 1) {
            errors.add(Problem.error(given.get(1), "set only one of content, source, fragments and symlink; got "
                    + String.join(" and ", given)));
        }
        if (absent) {
            // mgmt's own examples give content to files that must be absent: harmless, so warned.
            for (String field : given) {
                warnings.add(Problem.warning(field, field + " is ignored with state: absent"));
            }
            for (String field : List.of("owner", "group", "mode")) {
                String value = switch (field) {
                    case "owner" -> p.owner();
                    case "group" -> p.group();
                    default -> p.mode();
                };
                if (isSet(value)) {
                    warnings.add(Problem.warning(field, field + " is ignored with state: absent"));
                }
            }
        }

        if (directory && !absent) {
            if (p.content() != null) {
                // mgmt's autoedges2 example gives content to a directory: harmless, so warned.
                warnings.add(Problem.warning("content", "content is ignored: path '" + display
                        + "' ends with '/', so it is a directory, which has no content"));
            }
            if (!p.fragments().isEmpty()) {
                errors.add(Problem.error("fragments", "path '" + display
                        + "' ends with '/', so it is a directory, which has no content to build from fragments"));
            }
            if (symlink != null) {
                errors.add(Problem.error(symlinkField, "path '" + display
                        + "' ends with '/', so it is a directory, not a symbolic link; drop the trailing '/'"));
            }
        }

        Path sourcePath = null;
        if (source != null && !absent) {
            sourcePath = absolute(source, "source", "source", errors);
            boolean sourceDir = source.endsWith("/");
            if (directory && !sourceDir) {
                errors.add(Problem.error("source", "path '" + display + "' is a directory, so source must be a"
                        + " directory too (ending in '/'), got '" + source + "'"));
            } else if (!directory && sourceDir) {
                errors.add(Problem.error("source", "source '" + source + "' is a directory, so path must be one"
                        + " too (ending in '/'), got '" + display + "'"));
            } else if (directory && !p.recurse()) {
                errors.add(Problem.error("recurse", "copying the directory tree of source '" + source
                        + "' needs recurse: true"));
            } else if (!directory && p.recurse()) {
                errors.add(Problem.error("recurse", "recurse applies to copying a directory tree; source '"
                        + source + "' is a single file"));
            }
            if (path != null && sourcePath != null && overlap(path, sourcePath, directory)) {
                errors.add(Problem.error("source", "source '" + source + "' and path '" + display + "' overlap"));
            }
        } else {
            if (p.recurse() && !absent) {
                errors.add(Problem.error("recurse", "recurse applies to copying a source directory (or, with"
                        + " state: absent, to removing a directory tree); source is not set"));
            }
            if (p.purge() && !absent) {
                errors.add(Problem.error("purge", "purge removes what a source directory lacks; source is not set"));
            }
        }
        if (p.purge() && absent) {
            warnings.add(Problem.warning("purge", "purge is ignored with state: absent"));
        }

        var fragments = new ArrayList<Fragment>();
        for (int i = 0; i < p.fragments().size(); i++) {
            String f = p.fragments().get(i);
            Path fp = absolute(f, "fragments", "fragments[" + i + "]", errors);
            if (fp != null) {
                if (path != null && (fp.equals(path) || path.startsWith(fp) && f.endsWith("/"))) {
                    errors.add(Problem.error("fragments", "fragment '" + f + "' contains the file itself"));
                }
                fragments.add(new Fragment(fp, f.endsWith("/")));
            }
        }

        ModeSpec mode = null;
        if (isSet(p.mode())) {
            try {
                mode = ModeSpec.parse(p.mode());
            } catch (IllegalArgumentException e) {
                errors.add(Problem.error("mode", e.getMessage()));
            }
            if (symlink != null && !absent) {
                errors.add(Problem.error("mode", "a symbolic link has no mode of its own; drop mode"));
            }
        }

        if (p.sensitive() && !absent && (directory || symlink != null)) {
            warnings.add(Problem.warning("sensitive", "sensitive is ignored: " + (directory
                    ? "path '" + display + "' ends with '/', so it is a directory"
                    : "the path is a symbolic link") + ", and no content is shown for one"));
        }

        problems.addAll(errors);
        problems.addAll(warnings);
        if (!errors.isEmpty()) {
            return null;
        }
        return new FileSpec(display, path, directory, absent, absent || directory ? null : p.content(), absent ? null : sourcePath,
                absent ? List.of() : fragments, absent ? null : symlink,
                absent || !isSet(p.owner()) ? null : p.owner(), absent || !isSet(p.group()) ? null : p.group(),
                absent ? null : mode, p.force() || (absent && p.recurse()), p.purge(),
                p.sensitive() && (absent || !directory && symlink == null));
    }

    /** The normalized absolute path {@code text} names, or null after adding an error. */
    /**
     * {@code text} as a path, when it is absolute and already normal: no {@code .} or {@code ..}
     * segment and no empty one ({@code //}), a trailing {@code /} (a directory) allowed. A path is
     * never normalised for the author: {@code /x/missing/../f} would name {@code /x/f} whether or
     * not {@code missing} exists.
     */
    private static Path absolute(String text, String field, String label, List<Problem> errors) {
        if (!text.startsWith("/")) {
            errors.add(Problem.error(field, label + " must be absolute, got '" + text + "'"));
            return null;
        }
        Path path;
        try {
            path = Path.of(text);
        } catch (InvalidPathException e) {
            errors.add(Problem.error(field, label + " '" + text + "' is not a valid path: " + e.getReason()));
            return null;
        }
        if (!isNormal(text)) {
            String suggestion = path.normalize().toString();
            if (text.endsWith("/") && !suggestion.equals("/")) {
                suggestion += "/";
            }
            errors.add(Problem.error(field, label + " '" + text + "' is not normal (a '.' or '..' segment, or '//');"
                    + " write it as '" + suggestion + "'" + (text.contains("..")
                            ? " if that is what it means: '..' is not resolved for you, since the directory before it"
                                    + " may not exist" : "")));
            return null;
        }
        return path;
    }

    /**
     * Whether the absolute {@code text} has no empty, '.' or '..' segment (a trailing '/' aside).
     * A scan of the characters: it runs for every path of every graph loaded.
     */
    static boolean isNormal(String text) {
        int end = text.length() > 1 && text.endsWith("/") ? text.length() - 1 : text.length();
        for (int start = 1; start <= end && !text.equals("/"); ) {
            int slash = text.indexOf('/', start);
            int segmentEnd = slash < 0 || slash > end ? end : slash;
            int length = segmentEnd - start;
            if (length == 0 || length == 1 && text.charAt(start) == '.'
                    || length == 2 && text.startsWith("..", start)) {
                return false;
            }
            start = segmentEnd + 1;
        }
        return true;
    }

    private static boolean overlap(Path path, Path source, boolean trees) {
        return trees ? path.startsWith(source) || source.startsWith(path) : path.equals(source);
    }
}
