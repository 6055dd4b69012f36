package dev.converge.agent.graph;

/**
 * Where something was declared: a file (or other source, such as an etcd key), a 1-based line
 * and a 1-based column. {@link #UNKNOWN} stands for declarations made in code.
 */
public record SourceLocation(String source, int line, int column) {

    public static final SourceLocation UNKNOWN = new SourceLocation("<unknown>", 0, 0);

    @Override
    public String toString() {
        return line > 0 ? source + ":" + line + ":" + column : source;
    }
}
