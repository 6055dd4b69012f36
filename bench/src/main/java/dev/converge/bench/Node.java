package dev.converge.bench;

import java.util.List;
import java.util.Objects;

/**
 * One vertex of a benchmark DAG.
 *
 * @param name    unique name; also the Makefile target and the ninja output
 * @param kind    the converge resource kind
 * @param command the shell command of an {@code exec} node; {@code null} otherwise
 * @param path    the target path of a {@code file} node; {@code null} otherwise
 * @param content the content of a {@code file} node; {@code null} otherwise
 * @param parents names of the nodes that must finish before this one starts
 */
public record Node(String name, Kind kind, String command, String path, String content, List<String> parents) {

    /** The resource kinds the generators emit. */
    public enum Kind {
        EXEC, NOOP, FILE;

        /** The kind's name in converge YAML. */
        public String yamlName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Node {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        parents = List.copyOf(parents);
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("node name must be safe in YAML, make and ninja: " + name);
        }
        if ((kind == Kind.EXEC) != (command != null)) {
            throw new IllegalArgumentException(name + ": an exec node, and only one, has a command");
        }
        if ((kind == Kind.FILE) != (path != null && content != null)) {
            throw new IllegalArgumentException(name + ": a file node, and only one, has a path and content");
        }
    }

    static Node exec(String name, String command, List<String> parents) {
        return new Node(name, Kind.EXEC, command, null, null, parents);
    }

    static Node noop(String name, List<String> parents) {
        return new Node(name, Kind.NOOP, null, null, null, parents);
    }

    static Node file(String name, String path, String content) {
        return new Node(name, Kind.FILE, null, path, content, List.of());
    }

    /** The command make and ninja run for this node: the exec command, or {@code true} for a noop. */
    public String shellCommand() {
        return switch (kind) {
            case EXEC -> command;
            case NOOP -> "true";
            case FILE -> throw new IllegalArgumentException(
                    name + ": file nodes have no make/ninja equivalent in this harness");
        };
    }
}
