package dev.converge.resources;

/**
 * Everything the engine offers one resource: its log, its event channel, the shared file
 * watcher, and what the engine asks of the current call. One context belongs to one resource for the life of its vertex.
 *
 * <p>All methods are thread-safe.
 */
public interface ResourceContext {

    /** The id of the resource this context belongs to. */
    ResourceId id();

    /** Logs an informational line, attributed to this resource. */
    void log(String message);

    /** Logs a warning, attributed to this resource. */
    void warn(String message);

    /**
     * Records one line a command of this resource printed ({@code stream} is {@code "stdout"}
     * or {@code "stderr"}). The line carries no line terminator.
     */
    void output(String stream, String line);

    /** From {@link Resource#watch}: the watch is in place. */
    void running();

    /** From {@link Resource#watch}: the state may have drifted; check it again. */
    void event();

    /** The engine's shared file watcher, for {@link Resource#watch}. */
    PathWatcher paths();

    /**
     * True while the current {@code checkApply} call answers a refresh sent along a notify edge
     * by a parent that changed something, or in a dry run would: a resource that a refresh makes
     * act (an exec with {@code refreshonly}) then reports what it would do.
     */
    boolean refreshing();

    /**
     * In a dry run, whether a parent of this resource would change first: its check may then
     * judge against what that parent would make (a directory it would create, say) rather than
     * fail on the state as it is. False in a real run, where parents have applied before. Called
     * from {@code checkApply}.
     */
    default boolean parentsWouldChange() {
        return false;
    }

    /**
     * Whether the engine wants the diff of a content change in the {@link CheckResult} of
     * {@code checkApply} ({@code agent run --diff}), applying or not. While false, a resource
     * computes no diff and reads nothing for one: diffs cost only when asked for. The answer is
     * the same for the whole life of the context. The default is false.
     */
    default boolean diffs() {
        return false;
    }
}
